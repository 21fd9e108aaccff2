package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"quietdesk/internal/audit"
	"quietdesk/internal/connect"
	"quietdesk/internal/store"
)

// The connections' commands (docs/connections.md). Each connector adds
// its own `connections add KIND` action to connectActions from its file.
func init() {
	register(&command{name: "connections", summary: "connections to the shop and the helpdesk: add, sync, pause, resume, remove", usage: "[list|add KIND|sync NAME|pause NAME|resume NAME|remove NAME|key]", run: runConnections})
	connectionActions = map[string]*command{
		"list":  {name: "connections list", usage: "[--json] [--db DSN]", run: runConnectionsList},
		"add":   {name: "connections add", usage: "KIND [flags]", run: runConnectionsAdd},
		"sync":  {name: "connections sync", usage: "NAME [--steps N] [--db DSN]", run: runConnectionsSync},
		"pause": {name: "connections pause", usage: "NAME [--db DSN]", run: func(ctx context.Context, a *app, args []string) error { return runConnectionsPause(ctx, a, args, true) }},
		"resume": {name: "connections resume", usage: "NAME [--db DSN]", run: func(ctx context.Context, a *app, args []string) error {
			return runConnectionsPause(ctx, a, args, false)
		}},
		"remove": {name: "connections remove", usage: "NAME [--db DSN]", run: runConnectionsRemove},
		"key":    {name: "connections key", usage: "", run: runConnectionsKey},
	}
}

var (
	connectionActions map[string]*command
	// connectActions holds `connections add KIND` for each connector kind.
	connectActions = map[string]*command{}
)

const connectionsHelp = `Connections read a brand's shop and helpdesk: a backfill of the history,
then incremental syncs that serve runs every few minutes (docs/connections.md).
Their credentials are stored encrypted with a key you provide in
$` + connect.KeyFileEnv + ` (a file) or $` + connect.KeyEnv + `.

  quietdesk connections key > quietdesk.key      makes a key
  quietdesk connections add shopify --help       connects a shop (also zendesk, gorgias)
  quietdesk connections                          each connection's state and progress
  quietdesk connections sync NAME                syncs now, with a progress bar, until caught up
  quietdesk connections pause|resume|remove NAME`

func runConnections(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0][0] == '-' && !asksHelp(args)) {
		return runConnectionsList(ctx, a, args)
	}
	return a.dispatch(ctx, "connections", connectionActions, connectionsHelp, args)
}

// sealer is the operator's key from the environment; nil without one.
func (a *app) sealer() (*connect.Sealer, error) { return connect.KeyFromEnv(a.env) }

func runConnectionsKey(ctx context.Context, a *app, args []string) error {
	fs, _ := a.flags(connectionActions["key"], `Prints a new secret key. Keep it in a file readable only by the account that
runs quietdesk, and give its path in $`+connect.KeyFileEnv+` to every command and
to serve. Credentials saved with one key open only with that key.`)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, connect.NewKey())
	return nil
}

func runConnectionsAdd(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "connections add", connectActions, `Connects a tool. Each kind has its own flags:

  quietdesk connections add shopify --help
  quietdesk connections add zendesk --help
  quietdesk connections add gorgias --help`, args)
}

// saveConnection stores a connection made by a `connections add KIND`
// action, audited as made from the command line, and says what is next.
func (a *app) saveConnection(ctx context.Context, dsn, name, kind string, config, creds map[string]string) error {
	s, err := a.sealer()
	if err != nil {
		return err
	}
	if s == nil {
		return connect.ErrNoKey
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	now := a.now()
	var c *connect.Connection
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if c, err = connect.Create(ctx, tx, s, name, kind, config, creds, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, "cli", "connection.save", name, kind)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "connection %s (%s) saved, %s: `quietdesk connections sync %s` reads it now; serve keeps it current\n", c.Name, c.Kind, c.State, c.Name)
	return nil
}

func runConnectionsList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(connectionActions["list"], connectionsHelp)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := connect.List(ctx, db)
	if err != nil {
		return err
	}
	if *asJSON {
		if all == nil {
			all = []*connect.Connection{}
		}
		return json.NewEncoder(a.stdout).Encode(all)
	}
	if len(all) == 0 {
		fmt.Fprintln(a.stdout, "no connections: `quietdesk connections add shopify --help` shows how to connect a shop")
		return nil
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tKIND\tSTATE\tPHASE\tDONE\tLAST SYNC\tREASON")
	for _, c := range all {
		done := fmt.Sprint(c.Done)
		if c.Total >= 0 {
			done += fmt.Sprintf("/%d", c.Total)
		}
		last := "never"
		if c.LastSyncAt != nil {
			last = c.LastSyncAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, c.State, c.Phase, done, last, c.Reason)
	}
	return w.Flush()
}

func runConnectionsSync(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(connectionActions["sync"], `Syncs a connection now, from where it stopped, until it has caught up (or
--steps steps ran), with a progress bar on a terminal. A sync killed midway
resumes where its last stored page ended, storing nothing twice.`)
	steps := fs.Int("steps", 0, "stop after this many steps (pages); 0: until caught up")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	s, err := a.sealer()
	if err != nil {
		return err
	}
	if s == nil {
		return connect.ErrNoKey
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *progressBar
	if a.isTerminal {
		bar = newProgressBar(a.stderr, a.now)
	}
	c, err := connect.Sync(ctx, db, s, name, a.now, nil, connect.SyncOptions{MaxSteps: *steps, Progress: func(c *connect.Connection) {
		if bar != nil {
			bar.update(c.Phase, c.Done, c.Total)
		}
	}})
	if bar != nil {
		bar.finish()
	}
	if c != nil {
		fmt.Fprintf(a.stdout, "%s: %s, %d records stored", c.Name, c.State, c.Done)
		if c.Phase != "" {
			fmt.Fprintf(a.stdout, " (at %s)", c.Phase)
		}
		fmt.Fprintln(a.stdout)
	}
	var wait *connect.WaitError
	if errors.As(err, &wait) {
		return fmt.Errorf("%w; serve resumes it then, or run this command again", err)
	}
	return err
}

func runConnectionsPause(ctx context.Context, a *app, args []string, pause bool) error {
	act := map[bool]string{true: "pause", false: "resume"}[pause]
	fs, dsn := a.flags(connectionActions[act], map[bool]string{
		true:  "Pauses a connection's syncs; resume starts them again where they stopped.",
		false: "Starts a paused or stopped connection again where it stopped (after its access was fixed).",
	}[pause])
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	now := a.now()
	var c *connect.Connection
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if c, err = connect.SetPaused(ctx, tx, name, pause, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, "cli", "connection."+act, name, "")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s\n", c.Name, c.State)
	return nil
}

func runConnectionsRemove(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(connectionActions["remove"], "Removes a connection and its stored credentials. What it stored stays.")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	now := a.now()
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := connect.Remove(ctx, tx, name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, "cli", "connection.remove", name, "")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "connection %s removed\n", name)
	return nil
}
