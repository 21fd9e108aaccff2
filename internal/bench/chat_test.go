package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock"
	"quietdesk/internal/live"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// chatVisitors and chatAgents are BenchmarkChat's crowd
// (QUIETDESK_BENCH_CHAT_VISITORS, 500; QUIETDESK_BENCH_CHAT_AGENTS, 50);
// chatSeconds how long each phase lasts (QUIETDESK_BENCH_CHAT_SECONDS, 10).
func chatVisitors() int { return envInt("QUIETDESK_BENCH_CHAT_VISITORS", 500) }
func chatAgents() int   { return envInt("QUIETDESK_BENCH_CHAT_AGENTS", 50) }
func chatSeconds() int  { return envInt("QUIETDESK_BENCH_CHAT_SECONDS", 10) }

// BenchmarkChat serves a SQLite store in process with visitors each
// holding their widget's stream open, while agents answer them through
// the API, each agent once a second, and every visitor writes every ten
// seconds. It measures an agent's reply from its POST to the moment the
// visitor's stream delivers it, and a visitor's message from its POST to
// the moment the agents' side is woken (the live bus the agents' streams
// listen on), as p50/p95/p99; first for 1 visitor and 1 agent (the idle
// baseline), then for the crowd.
//
//	go test -run '^$' -bench Chat -benchtime 1x ./internal/bench
func BenchmarkChat(b *testing.B) {
	for i := 0; i < b.N; i++ {
		idleOut, idleIn := chatPhase(b, 1, 1)
		busyOut, busyIn := chatPhase(b, chatVisitors(), chatAgents())
		ia, bo := percentiles(idleOut), percentiles(busyOut)
		ii, bi := percentiles(idleIn), percentiles(busyIn)
		b.ReportMetric(float64(bo[1].Microseconds())/1000, "p95-ms-agent-to-visitor")
		summarize("%-28s agent→visitor p50/p95/p99 %s/%s/%s with 1 visitor, %s/%s/%s with %d visitors and %d agents (%d replies); visitor→desk %s/%s/%s idle, %s/%s/%s busy (%d messages)",
			"chat delivery", msf(ia[0]), msf(ia[1]), msf(ia[2]), msf(bo[0]), msf(bo[1]), msf(bo[2]), chatVisitors(), chatAgents(), len(busyOut),
			msf(ii[0]), msf(ii[1]), msf(ii[2]), msf(bi[0]), msf(bi[1]), msf(bi[2]), len(busyIn))
	}
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// chatPhase runs one phase on a fresh server and returns the delivery
// latencies, agent to visitor and visitor to desk.
func chatPhase(b *testing.B, visitors, agents int) (out, in []time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storetest.Open(b, store.SQLite)
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	srv := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.From(start, clock.Wall()))
	// Each visitor is another address, as on the web; the per-source
	// limits see them apart.
	srv.BehindProxy = true
	addr, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	base := "http://" + addr
	_, token, err := auth.Create(ctx, db, "chat bench", []string{auth.ScopeDesk}, start)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	streams := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: visitors + 1}}

	call := func(method, path, visitor, ip string, body any) (map[string]any, error) {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		if visitor != "" {
			req.Header.Set("X-Quietdesk-Visitor", visitor)
		} else if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode >= 300 {
			return nil, fmt.Errorf("%s %s: %d %v", method, path, resp.StatusCode, v)
		}
		return v, nil
	}

	var mu sync.Mutex
	sentAt := map[string]time.Time{}
	// Visitor → desk: the agents' side is woken on the live bus.
	woken, stopWoken := live.Conversations.SubscribeAll(4096)
	defer stopWoken()
	type visitor struct {
		token, ip string
		conv      int64
	}
	vs := make([]*visitor, visitors)
	ready := make(chan error, visitors)
	var readers sync.WaitGroup
	for i := range vs {
		v := &visitor{ip: fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256+1)}
		vs[i] = v
		s, err := call("POST", "/chat/session", "", v.ip, nil)
		if err != nil {
			b.Fatal(err)
		}
		v.token = s["visitor"].(string)
		m, err := call("POST", "/chat/messages", v.token, v.ip, map[string]string{"client_id": fmt.Sprintf("bench-hello-%d", i), "text": "Hello, where is my order?"})
		if err != nil {
			b.Fatal(err)
		}
		v.conv = int64(m["conversation_id"].(float64))
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/chat/stream", nil)
		req.Header.Set("X-Quietdesk-Visitor", v.token)
		req.Header.Set("X-Forwarded-For", v.ip)
		resp, err := streams.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("stream %d: %v", i, err)
		}
		readers.Go(func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				if line == "event: ready" {
					ready <- nil
				}
				data, ok := strings.CutPrefix(line, "data: ")
				if !ok || !strings.Contains(data, "bench-r-") {
					continue
				}
				got := time.Now()
				var ev struct {
					Messages []struct{ Text string } `json:"messages"`
				}
				json.Unmarshal([]byte(data), &ev)
				mu.Lock()
				for _, m := range ev.Messages {
					if t0, ok := sentAt[m.Text]; ok {
						out = append(out, got.Sub(t0))
						delete(sentAt, m.Text)
					}
				}
				mu.Unlock()
			}
		})
	}
	for range vs {
		if err := <-ready; err != nil {
			b.Fatal(err)
		}
	}
	// Drain the wake-ups of the set-up before measuring.
	for drained := false; !drained; {
		select {
		case <-woken:
		default:
			drained = true
		}
	}
	visitorSent := map[int64]time.Time{}
	var wakes sync.WaitGroup
	wakes.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case conv := <-woken:
				got := time.Now()
				mu.Lock()
				if t0, ok := visitorSent[conv]; ok {
					in = append(in, got.Sub(t0))
					delete(visitorSent, conv)
				}
				mu.Unlock()
			}
		}
	})

	phase, stop := context.WithTimeout(ctx, time.Duration(chatSeconds())*time.Second)
	defer stop()
	var work sync.WaitGroup
	for a := range agents {
		work.Go(func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for n := 0; ; n++ {
				v := vs[(a+n*agents)%len(vs)]
				text := fmt.Sprintf("bench-r-%d-%d", a, n)
				mu.Lock()
				sentAt[text] = time.Now()
				mu.Unlock()
				if _, err := call("POST", fmt.Sprintf("/api/v1/conversations/%d/replies", v.conv), "", "127.0.0.1", map[string]string{"text": text}); err != nil && phase.Err() == nil {
					b.Errorf("reply: %v", err)
					return
				}
				select {
				case <-phase.Done():
					return
				case <-tick.C:
				}
			}
		})
	}
	for i, v := range vs {
		work.Go(func() {
			// Spread over the first ten seconds, then every ten seconds.
			wait := time.Duration(i%10)*time.Second + time.Duration(i)*time.Millisecond%time.Second
			for n := 0; ; n++ {
				select {
				case <-phase.Done():
					return
				case <-time.After(wait):
				}
				wait = 10 * time.Second
				mu.Lock()
				visitorSent[v.conv] = time.Now()
				mu.Unlock()
				if _, err := call("POST", "/chat/messages", v.token, v.ip, map[string]string{"client_id": fmt.Sprintf("bench-v-%d-%d", i, n), "text": "Any news?"}); err != nil && phase.Err() == nil {
					b.Errorf("visitor message: %v", err)
					return
				}
			}
		})
	}
	work.Wait()
	time.Sleep(time.Second) // the last replies arrive
	cancel()
	wakes.Wait()
	readers.Wait()
	mu.Lock()
	defer mu.Unlock()
	if lost := len(sentAt); lost > 0 {
		b.Errorf("%d of %d replies never reached their visitor", lost, lost+len(out))
	}
	return out, in
}
