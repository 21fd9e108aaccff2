package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/live"
)

// Live updates (docs/desk.md#live-updates): GET /inbox/events is a stream
// of server-sent events. Each open stream asks the database about once a
// second which conversations changed (conversations.updated_at, which
// every write of the desk stamps with the clock's now), so it sees the
// writes of every process sharing one PostgreSQL, and sends their ids;
// the inbox and the conversation page fetch again only what changed. A
// message committed by this process (package live) makes every stream
// poll at once, so a chat visitor's words reach the agent within moments.

const (
	livePoll = time.Second
	// liveSlack is how far back each poll looks: a transaction that
	// stamped updated_at and committed a few seconds later is still seen.
	liveSlack = 5 * time.Second
	// liveKeepAlive is how often an idle stream says it is alive, so
	// proxies do not close it.
	liveKeepAlive = 20 * time.Second
	// liveWakeGap is the least time between two polls a wake-up starts.
	liveWakeGap = 100 * time.Millisecond
	// liveMaxChanges bounds one poll; past it the page is told to fetch
	// everything again.
	liveMaxChanges = 500
)

// liveEvent is the data of one "changed" event.
type liveEvent struct {
	IDs []int64 `json:"ids"`
	// All: more changed than one event carries; fetch everything.
	All bool `json:"all,omitempty"`
}

// inboxEvents answers GET /inbox/events?since=UNIX: the ids of the
// conversations that change, from since (the page's drawing) on. The
// stream ends when the browser leaves or the server shuts down.
func (s *Server) inboxEvents(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	since := s.Now().Unix()
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return deskFieldError("bad since", "since", fmt.Sprintf("%q is not a Unix time", v))
		}
		since = n
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprintf(w, "retry: 3000\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	stop := stopOnShutdown(r)
	watch := &liveWatch{seen: map[int64]liveMark{}, from: since}
	every := s.livePoll
	if every <= 0 {
		every = livePoll
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	// A change committed by this process wakes the stream at once; the
	// poll still runs every second for other processes' writes. After a
	// woken poll the stream listens again liveWakeGap later (real time,
	// like the ticker's), so a burst of changes (a bulk close) is read in
	// a poll or two, and its last change is not left for the next tick.
	wake, unsubscribe := live.Conversations.SubscribeAll(1)
	defer unsubscribe()
	listen, calm := wake, (<-chan time.Time)(nil)
	quiet := 0
	for {
		woken := false
		select {
		case <-r.Context().Done():
			return nil
		case <-stop:
			return nil
		case <-tick.C:
		case <-calm:
			listen, calm = wake, nil
			continue
		case <-listen:
			woken = true
			listen, calm = nil, time.After(liveWakeGap)
		}
		lastPoll := s.Now()
		ev, err := watch.poll(r.Context(), s, lastPoll)
		if err != nil {
			if r.Context().Err() == nil {
				s.log.Warn("live updates: poll failed", "err", err)
			}
			continue
		}
		switch {
		case len(ev.IDs) > 0 || ev.All:
			data, _ := json.Marshal(ev)
			_, err = fmt.Fprintf(w, "event: changed\ndata: %s\n\n", data)
			quiet = 0
		case time.Duration(quiet)*every >= liveKeepAlive:
			_, err = fmt.Fprint(w, ": alive\n\n")
			quiet = 0
		case woken:
			continue
		default:
			quiet++
			continue
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return nil // the browser left
		}
	}
}

// liveWatch remembers what one stream last saw of each recently changed
// conversation, so a conversation is sent once per change even though
// each poll looks a few seconds back.
type liveWatch struct {
	seen    map[int64]liveMark
	from    int64 // changes at or after this are news on the first poll
	started bool
}

type liveMark struct {
	updated int64
	print   string
}

func (lw *liveWatch) poll(ctx context.Context, s *Server, now time.Time) (liveEvent, error) {
	ev := liveEvent{IDs: []int64{}}
	since := now.Add(-liveSlack).Unix()
	if !lw.started {
		since = min(since, lw.from)
	}
	// A conversation's row, its latest message and its latest event say
	// what changed, so two changes within one second are told apart.
	rows, err := s.db.Query(ctx, `SELECT c.id, c.updated_at, c.state, COALESCE(c.assignee_id, 0), COALESCE(c.team_id, 0), COALESCE(c.snoozed_until, 0), c.tags,
			c.last_message_at, COALESCE(c.awaiting_since, 0),
			COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id), 0),
			COALESCE((SELECT MAX(e.id) FROM desk_events e WHERE e.conversation_id = c.id), 0)
		FROM conversations c WHERE c.updated_at >= ? ORDER BY c.updated_at DESC LIMIT ?`, since, liveMaxChanges+1)
	if err != nil {
		return ev, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, updated, assignee, team, snoozed, last, awaiting, msg, event int64
		var state, tags string
		if err := rows.Scan(&id, &updated, &state, &assignee, &team, &snoozed, &tags, &last, &awaiting, &msg, &event); err != nil {
			return ev, err
		}
		n++
		print := fmt.Sprint(updated, state, assignee, team, snoozed, tags, last, awaiting, msg, event)
		prev, ok := lw.seen[id]
		if ok && prev.print == print {
			continue
		}
		lw.seen[id] = liveMark{updated, print}
		if ok || updated >= lw.from {
			ev.IDs = append(ev.IDs, id)
		}
	}
	if err := rows.Err(); err != nil {
		return ev, err
	}
	lw.started = true
	if n > liveMaxChanges {
		ev.All, ev.IDs = true, []int64{}
	}
	for id, m := range lw.seen {
		if m.updated < since {
			delete(lw.seen, id)
		}
	}
	return ev, nil
}

// serverStops holds, per HTTP server, a channel closed when it shuts down:
// http.Server.Shutdown waits for streams that never end by themselves.
var serverStops sync.Map // *http.Server → *serverStop

type serverStop struct {
	ch   chan struct{}
	once sync.Once // Shutdown may be called more than once
}

// stopOnShutdown is the channel of the server serving r (nil, which
// never closes, for a handler called without one: the request's context
// still ends the stream).
func stopOnShutdown(r *http.Request) <-chan struct{} {
	srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok {
		return nil
	}
	stop := &serverStop{ch: make(chan struct{})}
	got, loaded := serverStops.LoadOrStore(srv, stop)
	if !loaded {
		srv.RegisterOnShutdown(func() { stop.once.Do(func() { close(stop.ch) }) })
	}
	return got.(*serverStop).ch
}
