package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/live"
)

// The widget's stream (docs/chat.md#transport): GET /chat/stream?after=ID
// is a stream of server-sent events the widget reads with fetch (so it can
// send its headers). It sends the messages the visitor may read after ID
// the moment one commits in this process (package live), and looks again
// every chatPoll for the writes of other processes and for an agent
// typing.
const (
	chatPoll      = 2 * time.Second
	chatKeepAlive = 20 * time.Second
)

func (s *Server) chatStream(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error {
	var after int64
	if a := r.URL.Query().Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return chatBad("after", "%q is not a message id", a)
		}
		after = n
	}
	ctx := r.Context()
	rc := http.NewResponseController(w)
	// The server's read timeout is for requests, not for a stream that
	// stays open while the visitor is on the page.
	rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	wake := make(chan struct{}, 1)
	subs := &chatSubs{wake: wake, stops: map[int64]func(){}}
	defer subs.close()
	visitorCh, stopVisitor := chat.Visitors.Subscribe(v.ID)
	defer stopVisitor()
	follow := func() error {
		convs, err := chat.Conversations(ctx, s.db, v)
		for _, c := range convs {
			subs.add(c)
		}
		return err
	}
	if err := follow(); err != nil {
		return nil // the status is sent; the widget reconnects
	}
	send := func(event string, data any) error {
		b, _ := json.Marshal(data)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send("ready", map[string]any{}); err != nil {
		return nil
	}
	stop := stopOnShutdown(r)
	tick := time.NewTicker(chatPoll)
	defer tick.Stop()
	typing, quiet := "", 0 // quiet: polls since the last write
	for first := true; ; first = false {
		polled := false
		if !first {
			select {
			case <-ctx.Done():
				return nil
			case <-stop:
				return nil
			case <-visitorCh:
				if follow() != nil {
					continue
				}
			case <-wake:
			case <-tick.C:
				polled = true
			}
		}
		items, err := chat.Messages(ctx, s.db, v, after)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("chat stream: read failed", "err", err)
			}
			continue
		}
		if len(items) > 0 {
			after = items[len(items)-1].ID
			if send("messages", map[string]any{"messages": items}) != nil {
				return nil
			}
			quiet = 0
		}
		if polled || first {
			name, err := chat.AgentTyping(ctx, s.db, v, s.Now())
			if err == nil && name != typing {
				typing = name
				if send("typing", map[string]string{"name": name}) != nil {
					return nil
				}
				quiet = 0
			}
			if quiet++; time.Duration(quiet)*chatPoll >= chatKeepAlive {
				if _, err := fmt.Fprint(w, ": alive\n\n"); err != nil || rc.Flush() != nil {
					return nil
				}
				quiet = 0
			}
		}
	}
}

// chatSubs follows the conversations of one stream on the live bus, each
// wake-up folded into one channel.
type chatSubs struct {
	mu    sync.Mutex
	wake  chan struct{}
	stops map[int64]func()
}

func (cs *chatSubs) add(conv int64) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if _, ok := cs.stops[conv]; ok {
		return
	}
	ch, unsubscribe := live.Conversations.Subscribe(conv)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				select {
				case cs.wake <- struct{}{}:
				default:
				}
			case <-done:
				return
			}
		}
	}()
	cs.stops[conv] = func() { unsubscribe(); close(done) }
}

func (cs *chatSubs) close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, stop := range cs.stops {
		stop()
	}
}
