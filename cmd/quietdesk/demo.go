package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"quietdesk/internal/demo"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "create the demo store (a synthetic apparel brand), serve it and print a login",
		usage:   "[--db DSN] [--seed N] [--orders N] [--weeks N] [--addr HOST:PORT] [--no-serve]",
		run:     runDemo,
	})
}

const demoHelp = `Creates the demo store — ` + demo.BrandName + `, a synthetic apparel brand selling in
euros, with orders, shipments, returns, contacts on every channel,
self-service, support costs and owners' actions — then serves it and prints
the address and a login. The same --seed gives the same store.

The contacts of the last eight weeks are conversations on the desk, with
their threads on every channel, and some are open, waiting or snoozed as
of today: the agent login printed beside the admin's works the inbox.

The store covers --weeks complete ISO weeks ending last Sunday (and four
weeks of history before them), with --orders orders in those weeks. For a
store as of another day, set $QUIETDESK_NOW (QUIETDESK_NOW=2026-11-23
quietdesk demo ...); a small store may not support every part of the story,
and what it skipped is said. It tells
stories the product must find: a discount code whose buyers return far more,
a carrier whose late parcels drive where-is-my-order contacts, a category
returned for size, weekly and seasonal peaks; internal/demo/README.md lists
them with their parameters.

The database must hold no orders. Run again on a database that holds the demo
store, it changes nothing and serves it (with a new password for the login). Up to 50,000,000 orders: about
25,000 a second on SQLite, for benchmarks.`

// demoMemoryGC trades some memory for speed while the store is written: the
// generator allocates fast and keeps little. demoMemoryLimit is the Go
// heap's soft limit meanwhile (SQLite's page cache comes on top).
const (
	demoMemoryGC    = 200
	demoMemoryLimit = 256 << 20
)

func runDemo(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["demo"], demoHelp)
	seed := fs.Uint64("seed", 1, "the store's random `SEED`")
	orders := fs.Int("orders", demo.DefaultOrders, "orders placed in the weeks shown")
	weeks := fs.Int("weeks", demo.DefaultWeeks, "complete ISO weeks shown, ending last Sunday")
	cpo := fs.Float64("contacts-per-order", demo.DefaultContactsPerOrder, "store-wide contacts per order the contact rates are scaled to")
	addr := fs.String("addr", "127.0.0.1:8080", "serve on this `HOST:PORT` (port 0 picks a free one)")
	noServe := fs.Bool("no-serve", false, "create the store and stop")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	now := a.now()
	gcPercent := -2 // unchanged
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		gcPercent = debug.SetGCPercent(demoMemoryGC)
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(demoMemoryLimit))
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	progress := newDemoProgress(a.stderr, a.isTerminal, a.now)
	began := a.now()
	sum, err := demo.Generate(ctx, db, demo.Options{Seed: *seed, Orders: *orders, Weeks: *weeks, ContactsPerOrder: *cpo, Now: now, Progress: progress.update})
	switch {
	case errors.Is(err, demo.ErrExists):
		fmt.Fprintf(a.stdout, "%s already holds the demo store (seed %d, %s orders in the %d weeks %s to %s, made %s): nothing to do\n",
			dbName(db), sum.Seed, thousands(sum.Orders), sum.Weeks, sum.From.Format(time.DateOnly), sum.To.Format(time.DateOnly), sum.GeneratedAt.Format(time.DateOnly))
	case err != nil:
		progress.finish()
		return err
	default:
		written := a.now.Since(began)
		// The rollups behind the dashboards, built now rather than on the
		// first page anyone opens.
		progress.update("rollups", 0, 1)
		start := a.now()
		if err := metrics.NewEngine(db, a.now).Refresh(ctx); err != nil {
			progress.finish()
			return fmt.Errorf("build the metrics rollups: %w", err)
		}
		rolled := a.now.Since(start)
		progress.update("rollups", 1, 1)
		progress.update("decisions", 0, 1)
		start = a.now()
		decisions, err := demo.SetUpDecisions(ctx, db, sum, now)
		if err != nil {
			progress.finish()
			return fmt.Errorf("set up the decision loop: %w", err)
		}
		progress.update("decisions", 1, 1)
		progress.finish()
		for _, s := range decisions.Skipped {
			fmt.Fprintf(a.stdout, "skipped: %s\n", s)
		}

		fmt.Fprintf(a.stdout, "%s: %s orders in the %d weeks %s to %s (%s with the %d weeks before), %s contacts, %s self-service sessions, written in %s; rollups built in %s\n",
			demo.BrandName, thousands(sum.Orders), sum.Weeks, sum.From.Format(time.DateOnly), sum.To.Format(time.DateOnly),
			thousands(sum.TotalOrders), demo.LeadWeeks, thousands(sum.Contacts), thousands(sum.Sessions),
			written.Round(100*time.Millisecond), rolled.Round(100*time.Millisecond))
		fmt.Fprintf(a.stdout, "desk: %s conversations, %s open now, %s waiting on the customer, %s snoozed\n",
			thousands(sum.Desk.Conversations), thousands(sum.Desk.Open), thousands(sum.Desk.Waiting), thousands(sum.Desk.Snoozed))
		fmt.Fprintf(a.stdout, "decision loop: program started %s, %d thresholds accepted, %d alerts firing in the last week, %d corrections (quietdesk review); set up in %s\n",
			decisions.ProgramStart, len(decisions.Accepted), len(decisions.Alerts), len(decisions.Corrections), a.now.Since(start).Round(100*time.Millisecond))
	}
	if gcPercent != -2 {
		debug.SetGCPercent(gcPercent)
	}
	if *noServe {
		fmt.Fprintln(a.stdout, "to serve it and get a login, run the same command without --no-serve")
		return nil
	}

	login, err := demoLogin(ctx, db, a.now())
	if err != nil {
		return err
	}
	keyNote, err := a.demoKey(db)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	return a.serveStore(ctx, db, serveOptions{addr: *addr, grace: 30 * time.Second, log: log, ready: func(bound string) {
		fmt.Fprintf(a.stdout, "\nQuietdesk is serving the demo store on http://%s\n", bound)
		fmt.Fprint(a.stdout, login.describe(bound))
		fmt.Fprint(a.stdout, keyNote)
		fmt.Fprintln(a.stdout, "Stop with Ctrl-C.")
	}})
}

// demoKey gives the demo a key for connections' credentials when the
// environment has none, so the Connections page can be tried: a key file
// beside a SQLite store, made once (docs/connections.md#the-key). It
// returns a line saying where the key is, or "" when the operator gave one.
func (a *app) demoKey(db *store.DB) (string, error) {
	if s, err := a.sealer(); err != nil || s != nil {
		return "", err
	}
	if db.Dialect != store.SQLite {
		return "", nil
	}
	path := strings.TrimPrefix(db.DSN, "sqlite:") + ".key"
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(path, []byte(connect.NewKey()+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("make the demo's key for connections: %w", err)
		}
	}
	prev := a.getenv
	if prev == nil {
		prev = os.Getenv
	}
	a.getenv = func(k string) string {
		if k == connect.KeyFileEnv {
			return path
		}
		return prev(k)
	}
	return fmt.Sprintf("Connections' credentials are sealed with the key in %s (for commands: export %s=%s).\n", path, connect.KeyFileEnv, path), nil
}

// dbName names the database for messages: a SQLite file's path; never a
// PostgreSQL DSN, which may hold a password.
func dbName(db *store.DB) string {
	if db.Dialect == store.SQLite {
		return strings.TrimPrefix(db.DSN, "sqlite:")
	}
	return "the database"
}

// login is what demoLogin gives: a person's login to the web UI and an API
// token to try the API with.
type login struct {
	email, password, role string
	token                 string
	// The demo's agent, to work the inbox with; empty for a store made
	// before the demo had a desk.
	agentEmail, agentPassword string
}

func (l login) describe(addr string) string {
	agent := ""
	if l.agentEmail != "" {
		agent = fmt.Sprintf("  agent:     %s / %s (agent %s: the inbox, http://%s/inbox)\n", l.agentEmail, l.agentPassword, demo.AgentName, addr)
	}
	return fmt.Sprintf(`  log in:    %s / %s (%s)
%s  chat:      http://%s/settings/chat (as the %s: the widget to try, and its tag to install)
  help:      http://%s/help (the public help centre, no login; self-service measured at /self-service)
  API token: %s (scopes ingest, read)
  try:       curl -s -H "Authorization: Bearer %s" "http://%s/api/v1/metrics?metric=cpo&grain=week&by=carrier"
`, l.email, l.password, l.role, agent, addr, l.role, addr, l.token, l.token, addr)
}

// demoEmail is the demo's login.
const demoEmail = "demo@example.com"

// demoLogin makes the demo's logins: an admin user and the desk's agent
// (made with the store, without a password), each with a fresh password
// (reset on every run, since only its hash is kept), and an API token with
// the ingest and read scopes.
func demoLogin(ctx context.Context, db *store.DB, now time.Time) (login, error) {
	l := login{email: demoEmail, role: auth.RoleAdmin, password: auth.GeneratePassword()}
	if _, err := auth.AddUser(ctx, db, l.email, l.role, l.password, now); err != nil {
		if err := auth.SetPassword(ctx, db, l.email, l.password, now); err != nil {
			return l, fmt.Errorf("demo login: %w", err)
		}
	}
	agentPassword := auth.GeneratePassword()
	switch err := auth.SetPassword(ctx, db, demo.AgentEmail, agentPassword, now); {
	case domain.ErrorCode(err) == domain.ENotFound:
		// A store made before the demo had a desk: no agent to log in as.
	case err != nil:
		return l, fmt.Errorf("demo agent login: %w", err)
	default:
		l.agentEmail, l.agentPassword = demo.AgentEmail, agentPassword
	}
	_, token, err := auth.Create(ctx, db, "demo "+now.Format(time.DateOnly), []string{auth.ScopeIngest, auth.ScopeRead}, now)
	if err != nil {
		return l, fmt.Errorf("demo API token: %w", err)
	}
	l.token = token
	return l, nil
}

// demoProgress shows the demo's phases: a bar on a terminal, a line per
// phase otherwise.
type demoProgress struct {
	w        io.Writer
	now      clock.Clock
	terminal bool
	phase    string
	start    time.Time
	last     time.Time
	done     int64
}

func newDemoProgress(w io.Writer, terminal bool, now clock.Clock) *demoProgress {
	return &demoProgress{w: w, terminal: terminal, now: now}
}

var demoPhases = map[string]string{
	"orders":    "writing orders and all about them",
	"indexes":   "building indexes",
	"links":     "linking contacts to orders",
	"desk":      "writing the desk's conversations",
	"rollups":   "building the metrics rollups",
	"decisions": "setting up guardrails, alerts and corrections",
}

func (p *demoProgress) update(phase string, done, total int64) {
	now := p.now()
	if phase != p.phase {
		p.end()
		p.phase, p.start, p.last = phase, now, time.Time{}
	}
	p.done = done
	if !p.terminal || (now.Sub(p.last) < 100*time.Millisecond && done < total) {
		return
	}
	p.last = now
	const width = 30
	frac := 0.0
	if total > 0 {
		frac = min(1, float64(done)/float64(total))
	}
	filled := int(frac * width)
	line := fmt.Sprintf("\r%-8s [%s%s] %3.0f%%", phase, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), frac*100)
	if phase == "orders" {
		line += fmt.Sprintf("  %s/%s orders, %s/s", thousands(done), thousands(total), thousands(int64(float64(done)/max(now.Sub(p.start).Seconds(), 0.001))))
	}
	fmt.Fprint(p.w, line+"   ")
}

// end closes the current phase's line.
func (p *demoProgress) end() {
	if p.phase == "" {
		return
	}
	took := p.now.Since(p.start).Round(100 * time.Millisecond)
	if p.terminal {
		fmt.Fprintf(p.w, " %s\n", took)
	} else {
		fmt.Fprintf(p.w, "%s: %s\n", demoPhases[p.phase], took)
	}
	p.phase = ""
}

func (p *demoProgress) finish() { p.end() }

// thousands writes n with thousands separators: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
