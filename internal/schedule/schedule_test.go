package schedule_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/schedule"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Two processes' schedulers on one store: a task runs in one of them at a
// time, the other skips it, and it is free again once the run ends.
func TestOneRunAtATimeAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var running, runs, overlap atomic.Int32
		release := make(chan struct{})
		task := schedule.Task{Name: "slow", Every: time.Hour, Run: func(context.Context, time.Time) error {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			runs.Add(1)
			<-release
			running.Add(-1)
			return nil
		}}
		a := schedule.New(db, slog.New(slog.DiscardHandler), clocktest.Clock(), task)
		b := schedule.New(db, slog.New(slog.DiscardHandler), clocktest.Clock(), task)
		if a.Name == b.Name {
			t.Fatal("two schedulers share a name")
		}
		var wg sync.WaitGroup
		ran := make([]bool, 2)
		wg.Go(func() { ran[0], _ = a.RunNamed(ctx, "slow") })
		for runs.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		var err error
		ran[1], err = b.RunNamed(ctx, "slow")
		if err != nil || ran[1] {
			t.Fatalf("the second process ran the task while the first held it: %v %v", ran[1], err)
		}
		close(release)
		wg.Wait()
		if !ran[0] || overlap.Load() != 0 {
			t.Fatalf("first run: %v, overlapping runs: %d", ran[0], overlap.Load())
		}
		if ok, err := b.RunNamed(ctx, "slow"); !ok || err != nil {
			t.Fatalf("after the first run ended, the second process could not run it: %v %v", ok, err)
		}
		if _, err := a.RunNamed(ctx, "nope"); !errors.Is(err, schedule.ErrUnknownTask) {
			t.Errorf("an unknown task: %v", err)
		}
	})
}

// A process that died mid-run leaves a claim that expires with its lease;
// a failed run's error is kept for quietdesk tasks.
func TestAbandonedClaimExpiresAndErrorsAreKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := clocktest.Default
		failing := schedule.Task{Name: "flaky", Every: time.Minute, Lease: 10 * time.Minute, Run: func(context.Context, time.Time) error {
			return errors.New("relay down")
		}}
		dead := schedule.New(db, slog.New(slog.DiscardHandler), func() time.Time { return now }, failing)
		// The dead process claimed it and never released it.
		if _, err := db.Exec(ctx, `INSERT INTO scheduled_tasks (name, claimed_by, claimed_until) VALUES ('flaky', ?, ?)`, dead.Name, now.Add(10*time.Minute).Unix()); err != nil {
			t.Fatal(err)
		}
		live := schedule.New(db, slog.New(slog.DiscardHandler), func() time.Time { return now }, failing)
		if ok, _ := live.RunNamed(ctx, "flaky"); ok {
			t.Fatal("ran while another process's claim was live")
		}
		now = now.Add(11 * time.Minute)
		ok, err := live.RunNamed(ctx, "flaky")
		if !ok || err == nil || err.Error() != "relay down" {
			t.Fatalf("after the lease: ran %v, err %v", ok, err)
		}
		st, err := schedule.Statuses(ctx, db)
		if err != nil || len(st) != 1 || st[0].LastError != "relay down" || st[0].ClaimedBy != "" || st[0].LastFinished == nil {
			t.Fatalf("statuses: %+v %v", st, err)
		}
	})
}

// A task with a wake-up runs as soon as it is woken, not at its next turn
// an hour later.
func TestWakeRunsATaskAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		runs := make(chan struct{}, 4)
		wake := make(chan struct{}, 1)
		task := schedule.Task{Name: "outbox", Every: time.Hour, Wake: wake, Run: func(context.Context, time.Time) error {
			runs <- struct{}{}
			return nil
		}}
		s := schedule.New(db, slog.New(slog.DiscardHandler), clocktest.Clock(), task)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		waitRun := func(what string) {
			select {
			case <-runs:
			case <-time.After(10 * time.Second):
				t.Fatalf("the task did not run %s", what)
			}
		}
		waitRun("at start")
		wake <- struct{}{}
		waitRun("when woken")
		select {
		case <-runs:
			t.Fatal("the task ran again without a wake-up or its period")
		case <-time.After(50 * time.Millisecond):
		}
	})
}
