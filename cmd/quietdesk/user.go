package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/store"
)

func init() {
	register(&command{name: "user", summary: "add and list the people who log in, change passwords", usage: "add|list|passwd|role|deactivate|reactivate|kb-editor …", run: runUser})
	for name, c := range map[string]*command{
		"add":    {name: "user add", usage: "--email EMAIL --role admin|analyst|agent [--password-stdin] [--db DSN]", run: runUserAdd},
		"list":   {name: "user list", usage: "[--json] [--db DSN]", run: runUserList},
		"passwd": {name: "user passwd", usage: "--email EMAIL [--password-stdin] [--db DSN]", run: runUserPasswd},
		// kb_edit.go: who may edit the knowledge base.
		"kb-editor": {name: "user kb-editor", usage: "EMAIL on|off [--db DSN]", run: runUserKBEditor},
	} {
		userActions[name] = c
	}
}

// userActions are user's own subcommands, each with its --help; other
// files add theirs from their init (user_manage.go).
var userActions = map[string]*command{}

const userHelp = `Manages the people who log in to the web UI.

  quietdesk user add --email E --role R     adds a user and prints a generated password
  quietdesk user list                        lists users (never their passwords)
  quietdesk user passwd --email E            sets a new password and logs the user out everywhere
  quietdesk user kb-editor EMAIL on|off      lets an agent edit the knowledge base, or stops it
  quietdesk user role EMAIL ROLE             changes a user's role (the last admin keeps it)
  quietdesk user deactivate|reactivate EMAIL refuses a user's logins (ending their sessions), or allows them again

Roles: admin (everything), analyst (dashboards and the metrics API), agent
(the desk). --password-stdin reads the password from the first line of
standard input instead of generating one.`

func runUser(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "user", userActions, userHelp, args)
}

func runUserAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(userActions["add"], `Adds a user who logs in to the web UI with an email and a password. Without
--password-stdin a password is generated and printed on stdout, once: only a
hash of it is stored.`)
	email := fs.String("email", "", "the user's `EMAIL`, which is their login")
	role := fs.String("role", "", "`ROLE`: "+strings.Join(auth.Roles, ", "))
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	password, generated, err := a.password(*fromStdin)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var u auth.User
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		if u, err = auth.AddUserTx(ctx, tx, *email, *role, password, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, cliActor, "user.add", u.Email, "role "+u.Role)
	})
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintln(a.stdout, password)
		fmt.Fprintf(a.stderr, "user %s (%s) added; the password above is shown only this once\n", u.Email, u.Role)
	} else {
		fmt.Fprintf(a.stderr, "user %s (%s) added\n", u.Email, u.Role)
	}
	return nil
}

func runUserPasswd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(userActions["passwd"], `Sets a new password for a user and ends every session of theirs. Without
--password-stdin a password is generated and printed on stdout, once.`)
	email := fs.String("email", "", "the user's `EMAIL`")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	password, generated, err := a.password(*fromStdin)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		if err := auth.SetPasswordTx(ctx, tx, *email, password, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, cliActor, "user.password", strings.ToLower(strings.TrimSpace(*email)), "password changed, sessions ended")
	})
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintln(a.stdout, password)
	}
	fmt.Fprintf(a.stderr, "password of %s changed; their sessions are logged out\n", strings.ToLower(strings.TrimSpace(*email)))
	return nil
}

// password reads a password from stdin's first line, or generates one.
func (a *app) password(fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return auth.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, errors.New("--password-stdin: stdin has no password on its first line")
	}
	return line, false, nil
}

func runUserList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(userActions["list"], "Lists users: id, email, role, when added, when their password last changed, and\nwhether they edit the knowledge base (admins always do).")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := auth.Users(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tEMAIL\tROLE\tADDED\tPASSWORD CHANGED\tEDITS KB", func(u auth.User) string {
		edits := "no"
		if u.EditsKB() {
			edits = "yes"
		}
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", u.ID, u.Email, u.Role, stamp(&u.CreatedAt), stamp(&u.PasswordChangedAt), edits)
	})
}
