package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

func init() {
	for name, c := range map[string]*command{
		"list":    {usage: "[--json] [--db DSN]", run: runTopicsList},
		"history": {usage: "[ID] [--json] [--db DSN]", run: runTopicsHistory},
		"add":     {usage: "ID [--name NAME] [--db DSN]", run: runTopicsAdd},
		"rename":  {usage: "ID --name NAME [--db DSN]", run: runTopicsRename},
		"merge":   {usage: "FROM --into TO [--db DSN]", run: runTopicsMerge},
		"retire":  {usage: "ID [--db DSN]", run: runTopicsRetire},
	} {
		c.name = "topics " + name
		topicsActions[name] = c
	}
}

func runTopicsList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["list"], "Lists the store's topics: id, name, status (active or retired, and where a merged topic went) and how many contacts have each.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := topics.Taxonomy(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tNAME\tSTATUS\tCONTACTS", func(t topics.StoreTopic) string {
		status := t.Status
		if t.MergedInto != "" {
			status += " (merged into " + t.MergedInto + ")"
		}
		return fmt.Sprintf("%s\t%s\t%s\t%d", t.ID, t.Name, status, t.Contacts)
	})
}

func runTopicsHistory(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["history"], "Lists the changes to the taxonomy (created, renamed, merged, retired, promoted), of one topic when ID is given, oldest first.")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fs.Usage()
		return errUsage
	}
	id := ""
	if len(pos) == 1 {
		id = pos[0]
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := topics.History(ctx, db, id)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "WHEN\tTOPIC\tCHANGE", func(e topics.Event) string {
		change := e.Kind
		switch e.Kind {
		case "renamed":
			change = fmt.Sprintf("renamed %q → %q", e.OldName, e.NewName)
		case "merged":
			change = fmt.Sprintf("merged into %s (%d contacts)", e.Into, e.Contacts)
		case "created", "promoted":
			change = fmt.Sprintf("%s as %q", e.Kind, e.NewName)
			if e.Contacts > 0 {
				change += fmt.Sprintf(" (%d contacts)", e.Contacts)
			}
		}
		return fmt.Sprintf("%s\t%s\t%s", stamp(&e.At), e.TopicID, change)
	})
}

// topicEdit runs one taxonomy change: ID as the one positional argument,
// then fn in a write transaction.
func topicEdit(ctx context.Context, a *app, name, help string, args []string, flags func(fs *flag.FlagSet), fn func(ctx context.Context, tx *store.Tx, id string, now time.Time) (string, error)) error {
	fs, dsn := a.flags(topicsActions[name], help)
	if flags != nil {
		flags(fs)
	}
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
	var msg string
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		msg, err = fn(ctx, tx, strings.TrimSpace(pos[0]), a.now())
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
}

func runTopicsAdd(ctx context.Context, a *app, args []string) error {
	var name *string
	return topicEdit(ctx, a, "add", "Adds a topic. ID is how contacts, metrics and models refer to it (lower case, digits, underscores) and never changes; the name is what people read.", args,
		func(fs *flag.FlagSet) { name = fs.String("name", "", "the topic's `NAME` (default: from the id)") },
		func(ctx context.Context, tx *store.Tx, id string, now time.Time) (string, error) {
			return "topic " + id + " added", topics.AddTopic(ctx, tx, id, *name, now)
		})
}

func runTopicsRename(ctx context.Context, a *app, args []string) error {
	var name *string
	return topicEdit(ctx, a, "rename", "Renames a topic. Its id stays, so its contacts and its trend stay with it; the history keeps the old name.", args,
		func(fs *flag.FlagSet) { name = fs.String("name", "", "the new `NAME`") },
		func(ctx context.Context, tx *store.Tx, id string, now time.Time) (string, error) {
			return "topic " + id + " renamed", topics.RenameTopic(ctx, tx, id, *name, now)
		})
}

func runTopicsMerge(ctx context.Context, a *app, args []string) error {
	var into *string
	return topicEdit(ctx, a, "merge", "Merges topic FROM into topic TO: FROM's contacts get TO, FROM is retired, and the model's predictions of FROM become TO. The history records how many contacts moved.", args,
		func(fs *flag.FlagSet) { into = fs.String("into", "", "the `TOPIC` that stays") },
		func(ctx context.Context, tx *store.Tx, id string, now time.Time) (string, error) {
			n, err := topics.MergeTopic(ctx, tx, id, *into, now)
			return fmt.Sprintf("topic %s merged into %s: %d contacts moved", id, *into, n), err
		})
}

func runTopicsRetire(ctx context.Context, a *app, args []string) error {
	return topicEdit(ctx, a, "retire", "Retires a topic: new contacts no longer get it (the model's predictions of it become other); contacts that have it keep it.", args, nil,
		func(ctx context.Context, tx *store.Tx, id string, now time.Time) (string, error) {
			return "topic " + id + " retired", topics.RetireTopic(ctx, tx, id, now)
		})
}
