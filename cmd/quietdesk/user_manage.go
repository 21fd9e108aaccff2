package main

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/store"
)

// The same changes of a user as the users page makes (docs/settings.md#users),
// from the command line, each audited with the actor "cli".
func init() {
	userActions["role"] = &command{name: "user role", usage: "EMAIL admin|analyst|agent [--db DSN]", run: runUserRole}
	userActions["deactivate"] = &command{name: "user deactivate", usage: "EMAIL [--db DSN]", run: func(ctx context.Context, a *app, args []string) error {
		return runUserActive(ctx, a, args, false)
	}}
	userActions["reactivate"] = &command{name: "user reactivate", usage: "EMAIL [--db DSN]", run: func(ctx context.Context, a *app, args []string) error {
		return runUserActive(ctx, a, args, true)
	}}
}

func runUserRole(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(userActions["role"], `Changes a user's role. The last active admin keeps the role, so that
someone can still manage users.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	role := strings.ToLower(strings.TrimSpace(pos[1]))
	var before auth.User
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		u, err := auth.UserByEmail(ctx, tx, pos[0])
		if err != nil {
			return err
		}
		if before, err = auth.SetRole(ctx, tx, u.ID, role); err != nil || before.Role == role {
			return err
		}
		return audit.Record(ctx, tx, a.now(), "cli", "user.role", before.Email, before.Role+" → "+role)
	})
	if err != nil {
		return err
	}
	if before.Role == role {
		fmt.Fprintf(a.stdout, "%s is already %s: nothing changed\n", before.Email, role)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s is now %s (was %s)\n", before.Email, role, before.Role)
	return nil
}

func runUserActive(ctx context.Context, a *app, args []string, active bool) error {
	act := map[bool]string{false: "deactivate", true: "reactivate"}[active]
	fs, dsn := a.flags(userActions[act], map[bool]string{
		false: "Refuses a user's logins from now on and ends their sessions. The last active\nadmin cannot be deactivated. API tokens are revoked on their own (quietdesk token revoke).",
		true:  "Lets a deactivated user log in again, with their password.",
	}[active])
	email, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var u auth.User
	var changed bool
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		found, err := auth.UserByEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		if active {
			u, changed, err = auth.Reactivate(ctx, tx, found.ID)
		} else {
			u, changed, err = auth.Deactivate(ctx, tx, found.ID, a.now())
		}
		if err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, a.now(), "cli", "user."+act, u.Email, "")
	})
	if err != nil {
		return err
	}
	switch {
	case !changed:
		fmt.Fprintf(a.stdout, "%s was already %sd: nothing changed\n", u.Email, act)
	case active:
		fmt.Fprintf(a.stdout, "%s may log in again\n", u.Email)
	default:
		fmt.Fprintf(a.stdout, "%s can no longer log in; their sessions ended\n", u.Email)
	}
	return nil
}
