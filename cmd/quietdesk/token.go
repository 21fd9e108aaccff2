package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/store"
)

func init() {
	register(&command{name: "token", summary: "create, list and revoke API tokens", usage: "create|list|revoke …", run: runToken})
	// Filled here, not in the declaration: the actions look themselves up.
	tokenActions = map[string]*command{
		"create": {name: "token create", usage: "--name NAME --scope ingest[,read,admin] [--db DSN]", run: runTokenCreate},
		"list":   {name: "token list", usage: "[--json] [--db DSN]", run: runTokenList},
		"revoke": {name: "token revoke", usage: "ID [--db DSN]", run: runTokenRevoke},
	}
}

// tokenActions are token's own subcommands, each with its --help.
var tokenActions map[string]*command

const tokenHelp = `Manages the bearer tokens the JSON API accepts (Authorization: Bearer qd_…).

  quietdesk token create --name NAME --scope ingest[,read]   prints a new token, once
  quietdesk token list                                        lists tokens (never the tokens themselves)
  quietdesk token revoke ID                                   refuses a token from now on

Scopes: ingest (send orders, contacts, messages, inbound mail…), read (read
metrics and records), desk (read what customers wrote and work
conversations, as an agent), admin (everything).`

func runToken(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "token", tokenActions, tokenHelp, args)
}

func runTokenCreate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(tokenActions["create"], `Creates an API token and prints it on stdout. Only a hash of it is stored:
copy it now, it cannot be shown again.`)
	name := fs.String("name", "", "what the token is for, such as shopify-sync (shown in logs and token list)")
	scope := fs.String("scope", "", "comma-separated `SCOPES`: "+strings.Join(auth.Scopes, ", "))
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var tok auth.Token
	var plain string
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		if tok, plain, err = auth.CreateTx(ctx, tx, *name, strings.Split(*scope, ","), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, cliActor, "token.create", tokenTarget(tok), "scopes "+strings.Join(tok.Scopes, ","))
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, plain)
	fmt.Fprintf(a.stderr, "token %d %q with scope %s created; it is shown only this once\n", tok.ID, tok.Name, strings.Join(tok.Scopes, ","))
	return nil
}

func runTokenList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(tokenActions["list"], "Lists API tokens: id, name, scopes, when created, last used and revoked.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := auth.List(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tREVOKED", func(t auth.Token) string {
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", t.ID, t.Name, strings.Join(t.Scopes, ","), stamp(&t.CreatedAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
	})
}

// tokenTarget names a token in the audit log.
func tokenTarget(t auth.Token) string { return fmt.Sprintf("token %d %q", t.ID, t.Name) }

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func runTokenRevoke(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(tokenActions["revoke"], "Revokes an API token: requests bearing it are refused from now on. IDs are in quietdesk token list.")
	id, err := parseID(fs, args, "a token", "quietdesk token list shows them")
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
		tok, revoked, err := auth.RevokeTx(ctx, tx, id, now)
		if err != nil || !revoked {
			return err
		}
		return audit.Record(ctx, tx, now, cliActor, "token.revoke", tokenTarget(tok), "")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "token %d revoked\n", id)
	return nil
}

// parseNone parses a command line that takes flags only.
func parseNone(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fs.Usage()
		return errUsage
	}
	return nil
}
