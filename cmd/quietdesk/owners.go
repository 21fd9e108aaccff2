package main

import (
	"context"
	"fmt"

	"quietdesk/internal/decide"
)

func init() {
	register(&command{name: "owners", summary: "the people who own guardrails and corrections, and where their review goes", usage: "list|set NAME --email ADDRESS", run: runOwners})
	ownerActions = map[string]*command{
		"list": {name: "owners list", usage: "[--json]", run: runOwnersList},
		"set":  {name: "owners set", usage: "NAME --email ADDRESS", run: runOwnersSet},
	}
}

var ownerActions map[string]*command

const ownersHelp = `Owners are named by guardrails (quietdesk guardrails set NAME --owner WHO),
corrections and actions. Each owner with an address gets the weekly review
by email on the review day.

  quietdesk owners list
  quietdesk owners set Dana --email dana@brand.com`

func runOwners(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "owners", ownerActions, ownersHelp, args)
}

func runOwnersList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(ownerActions["list"], "Lists owners and their addresses.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := decide.Owners(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "NAME\tEMAIL", func(o decide.Owner) string { return o.Name + "\t" + dash(o.Email) })
}

func runOwnersSet(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(ownerActions["set"], "Adds an owner or changes the address the weekly review is mailed to (--email '' removes it).")
	email := fs.String("email", "", "the owner's email `ADDRESS`")
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
	if err := decide.SetOwner(ctx, db, decide.Owner{Name: pos[0], Email: *email}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "owner %s: %s\n", pos[0], dash(*email))
	return nil
}
