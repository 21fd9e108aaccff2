package main

import (
	"context"
	"fmt"
	"log/slog"

	"quietdesk/internal/reviewday"
	"quietdesk/internal/schedule"
	"quietdesk/internal/store"
)

func init() {
	register(&command{name: "tasks", summary: "the background tasks serve runs: list them, or run one now", usage: "[list [--json] | run NAME|all]", run: runTasks})
	taskActions = map[string]*command{
		"list": {name: "tasks list", usage: "[--json] [--db DSN]", run: runTasksList},
		"run":  {name: "tasks run", usage: "NAME|all [--db DSN]", run: runTasksRun},
	}
}

var taskActions map[string]*command

const tasksHelp = `Background work is a set of named tasks of one scheduler, which serve
(and demo, while it serves) runs; requests and pages only read.

  rollups      every 2 s: the metrics rollups catch up with the writes (until
               then, reads of a small store recompute the changed days; a
               large store's reads say which days are behind)
  guardrails   every minute: every complete week not evaluated yet is
               evaluated, and its alerts recorded
  outbox       every 30 s: email and webhook deliveries that are due are sent
  review       every minute: on the review day, the weekly review is queued
  chat-unseen  every 30 s: chat replies a visitor left before seeing go by mail
  proactive    every minute, and at once on a new fulfillment event: proactive
               notices are decided and what is due is sent
  connections  every minute: connections to the shop and the helpdesk that are
               due sync (backfills go on where they stopped)
  retrain      every hour: the topic model is retrained once a week

  quietdesk tasks                 each task's last run and error
  quietdesk tasks run guardrails  run one now (all: every one), without serve

Several serve processes on one PostgreSQL run each task once at a time.`

func runTasks(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "run" && args[0] != "list" && !asksHelp(args) {
		return runTasksList(ctx, a, args)
	}
	return a.dispatch(ctx, "tasks", taskActions, tasksHelp, args)
}

func runTasksList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["tasks"], tasksHelp)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ran, err := schedule.Statuses(ctx, db)
	if err != nil {
		return err
	}
	byName := map[string]schedule.Status{}
	for _, st := range ran {
		byName[st.Name] = st
	}
	var list []schedule.Status
	for _, t := range a.scheduler(db, slog.New(slog.DiscardHandler), "").Tasks {
		st := byName[t.Name]
		st.Name = t.Name
		list = append(list, st)
	}
	return printList(a, *asJSON, list, "TASK\tLAST STARTED\tLAST FINISHED\tRUNNING ON\tLAST ERROR", func(st schedule.Status) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", st.Name, stamp(st.LastStarted), stamp(st.LastFinished), dash(st.ClaimedBy), dash(st.LastError))
	})
}

func runTasksRun(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(taskActions["run"], "Runs a background task (or all of them) once, now, as serve would: for a store no server runs on.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := a.cliScheduler(ctx, db)
	if err != nil {
		return err
	}
	names := pos
	if pos[0] == "all" {
		names = nil
		for _, t := range s.Tasks {
			names = append(names, t.Name)
		}
	}
	for _, n := range names {
		ran, err := s.RunNamed(ctx, n)
		if err != nil {
			return fmt.Errorf("%w (quietdesk tasks lists them)", err)
		}
		if !ran {
			fmt.Fprintf(a.stdout, "%s: not run, another process is running it\n", n)
			continue
		}
		fmt.Fprintf(a.stdout, "%s: done\n", n)
	}
	return nil
}

// cliScheduler is the scheduler a command runs tasks with, logging to stderr.
func (a *app) cliScheduler(ctx context.Context, db *store.DB) (*schedule.Scheduler, error) {
	siteURL, err := db.Setting(ctx, reviewday.SiteURLSetting)
	if err != nil {
		return nil, err
	}
	return a.scheduler(db, slog.New(slog.NewTextHandler(a.stderr, nil)), siteURL), nil
}
