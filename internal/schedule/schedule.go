// Package schedule is the one home of the program's background work:
// named tasks, each run on its own period by one scheduler that both
// `quietdesk serve` and `quietdesk demo` start. Requests and commands only
// read; what must be recomputed or sent later (metrics rollups, guardrail
// evaluation, the outbox, the weekly review, topic retraining) is a task
// here.
//
// Each run of a task holds a claim on the task's row in scheduled_tasks,
// so several processes sharing one PostgreSQL run each task once at a time,
// and a process that dies mid-run leaves a claim that expires.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Task is one kind of background work.
type Task struct {
	// Name identifies the task in logs and in scheduled_tasks.
	Name string
	// Every is how often it runs.
	Every time.Duration
	// Lease bounds one run: past it, another process may take the task
	// over. 10 minutes when zero.
	Lease time.Duration
	// Run does the work as of now.
	Run func(ctx context.Context, now time.Time) error
	// Wake, when set, says that work is waiting: the task runs at once
	// instead of at its next turn (an agent's SMS should not wait half a
	// minute in the outbox). Nil: only its period.
	Wake <-chan struct{}
}

func (t Task) lease() time.Duration {
	if t.Lease == 0 {
		return 10 * time.Minute
	}
	return t.Lease
}

// Scheduler runs tasks over one store.
type Scheduler struct {
	DB    *store.DB
	Log   *slog.Logger
	Now   clock.Clock
	Tasks []Task
	// Name identifies this process in claims: host, process id and a random
	// suffix by default.
	Name string
}

// New is a scheduler of tasks over db.
func New(db *store.DB, log *slog.Logger, now clock.Clock, tasks ...Task) *Scheduler {
	return &Scheduler{DB: db, Log: log, Now: now, Tasks: tasks, Name: domain.ProcessName()}
}

// Run runs every task at once and then every period until ctx ends, and
// returns when the runs in progress have finished.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range s.Tasks {
		wg.Go(func() {
			tick := time.NewTicker(t.Every)
			defer tick.Stop()
			for {
				if _, err := s.RunTask(ctx, t); err != nil && ctx.Err() == nil {
					s.Log.Error("background task failed; it runs again at its next turn", "task", t.Name, "error", err, "next_in", t.Every)
				}
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				case <-t.Wake:
				}
			}
		})
	}
	wg.Wait()
}

// ErrUnknownTask is returned by RunNamed for a name no task has.
var ErrUnknownTask = errors.New("no such task")

// RunNamed runs the task called name once, now: for tests and for
// commands that want the work done before they answer.
func (s *Scheduler) RunNamed(ctx context.Context, name string) (bool, error) {
	for _, t := range s.Tasks {
		if t.Name == name {
			return s.RunTask(ctx, t)
		}
	}
	return false, fmt.Errorf("%w %q", ErrUnknownTask, name)
}

// RunTask runs t once if no other process holds it, and reports whether it
// ran.
func (s *Scheduler) RunTask(ctx context.Context, t Task) (bool, error) {
	now := s.Now()
	ok, err := s.claim(ctx, t, now)
	if err != nil || !ok {
		return false, err
	}
	runErr := t.Run(ctx, now)
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	// Released even when ctx has ended, so a restart need not wait for the
	// lease to expire.
	_, err = s.DB.Exec(context.WithoutCancel(ctx), `UPDATE scheduled_tasks SET claimed_by = '', claimed_until = 0, last_finished_at = ?, last_error = ? WHERE name = ? AND claimed_by = ?`,
		s.Now().Unix(), msg, t.Name, s.Name)
	return true, errors.Join(runErr, err)
}

func (s *Scheduler) claim(ctx context.Context, t Task, now time.Time) (bool, error) {
	if _, err := s.DB.Exec(ctx, `INSERT INTO scheduled_tasks (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, t.Name); err != nil {
		return false, fmt.Errorf("task %s: %w", t.Name, err)
	}
	res, err := s.DB.Exec(ctx, `UPDATE scheduled_tasks SET claimed_by = ?, claimed_until = ?, last_started_at = ? WHERE name = ? AND (claimed_until <= ? OR claimed_by = '')`,
		s.Name, now.Add(t.lease()).Unix(), now.Unix(), t.Name, now.Unix())
	if err != nil {
		return false, fmt.Errorf("task %s: %w", t.Name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Status is what the store knows of a task's last run.
type Status struct {
	Name         string     `json:"name"`
	ClaimedBy    string     `json:"claimed_by,omitempty"`
	LastStarted  *time.Time `json:"last_started_at,omitempty"`
	LastFinished *time.Time `json:"last_finished_at,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
}

// Statuses lists every task that has ever run on db, by name.
func Statuses(ctx context.Context, db *store.DB) ([]Status, error) {
	rows, err := db.Query(ctx, `SELECT name, claimed_by, last_started_at, last_finished_at, last_error FROM scheduled_tasks ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		var st Status
		var started, finished *int64
		if err := rows.Scan(&st.Name, &st.ClaimedBy, &started, &finished, &st.LastError); err != nil {
			return nil, err
		}
		st.LastStarted, st.LastFinished = unix(started), unix(finished)
		out = append(out, st)
	}
	return out, rows.Err()
}

func unix(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := time.Unix(*v, 0).UTC()
	return &t
}
