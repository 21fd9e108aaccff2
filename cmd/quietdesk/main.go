// Command quietdesk is Quietdesk's one binary: the server, the importers and
// every tool, as subcommands. Each subcommand lives in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	_ "time/tzdata" // store time zones work on machines without a zoneinfo database

	"quietdesk/internal/clock"
	"quietdesk/internal/store"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis after the name
	run     func(ctx context.Context, app *app, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// app carries what every subcommand shares. Output goes through stdout and
// stderr fields so tests can run commands in-process.
type app struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	// isTerminal reports whether stderr is a terminal (progress bars).
	isTerminal bool
	// now is the program's one clock (package clock): every command that
	// needs today or the time reads it, so tests and $QUIETDESK_NOW can run
	// any command as of another day.
	now clock.Clock
	// getenv reads the environment (os.Getenv when nil): tests give
	// their own, e.g. the connections' secret key.
	getenv func(string) string
}

// env reads the environment variable k.
func (a *app) env(k string) string {
	if a.getenv != nil {
		return a.getenv(k)
	}
	return os.Getenv(k)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	now, err := clock.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quietdesk:", err)
		os.Exit(2)
	}
	a := &app{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, isTerminal: isTerminal(os.Stderr), now: now}
	os.Exit(a.main(ctx, os.Args[1:]))
}

// main runs one command line and returns the exit code.
func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(a.stdout) // asked for: it is the output
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(a.stderr, "quietdesk: unknown command %q\n\n", args[0])
		a.usage(a.stderr)
		return 2
	}
	err := cmd.run(ctx, a, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(a.stderr, "quietdesk %s: %v\n", cmd.name, err)
		return 1
	}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "Quietdesk: contacts per order and support cost per order, measured and driven down.\n\nUsage: quietdesk COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --db DSN (default quietdesk.db, or $QUIETDESK_DB) and --help.")
	fmt.Fprintln(w, "$"+clock.EnvNow+"=YYYY-MM-DD runs a command as of another day (docs/time.md).")
}

// errUsage means the command line was wrong and usage was printed.
var errUsage = errors.New("usage")

// flags builds a subcommand's flag set with the shared --db flag.
func (a *app) flags(c *command, help string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("quietdesk "+c.name, flag.ContinueOnError)
	fs.SetOutput(output{Writer: a.stderr, help: a.stdout})
	db := fs.String("db", "", "database: a SQLite file path, sqlite:PATH, or postgres://… (default quietdesk.db or $QUIETDESK_DB)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: quietdesk %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, strings.TrimSpace(help))
		fs.PrintDefaults()
	}
	return fs, db
}

// output is where a command's flag set writes: errors and usage to
// stderr, but help that was asked for (--help) to stdout, since then it is
// the command's output.
type output struct {
	io.Writer
	help io.Writer
}

// asksHelp reports whether args ask for help before any "--".
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parse parses flags that may come before or after positional arguments, as
// people type them: `quietdesk import orders FILE --db x.db`.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	if o, ok := fs.Output().(output); ok && asksHelp(args) {
		fs.SetOutput(o.help)
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// dispatch runs the action a command line names (`quietdesk token create
// …`), or prints the command's help when it names none.
func (a *app) dispatch(ctx context.Context, parent string, actions map[string]*command, help string, args []string) error {
	if len(args) > 0 {
		if c, ok := actions[args[0]]; ok {
			return c.run(ctx, a, args[1:])
		}
	}
	fs, _ := a.flags(commands[parent], help)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	fs.Usage()
	return errUsage
}

// parseID parses a command line whose one argument is a record's id: what
// names the record ("a token"), hint says where the ids are listed.
func parseID(fs *flag.FlagSet, args []string, what, hint string) (int64, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		fs.Usage()
		return 0, errUsage
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not %s id: %s", pos[0], what, hint)
	}
	return id, nil
}

// open opens the database a command names.
func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	return store.Open(ctx, store.ResolveDSN(dsn))
}
