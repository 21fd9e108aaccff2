package main

import (
	"context"
	"fmt"
	"strconv"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// Editing the knowledge base from the command line (docs/knowledge-base.md):
// an article's history, rollback, publish and unpublish, each a version on
// the history like the editor's changes; and who may edit.
func init() {
	kbActions["history"] = &command{name: "kb history", usage: "SLUG --locale L [--json] [--db DSN]", run: runKBHistory}
	kbActions["rollback"] = &command{name: "kb rollback", usage: "SLUG --locale L --version N [--by WHO] [--db DSN]", run: runKBRollback}
	kbActions["publish"] = &command{name: "kb publish", usage: "SLUG --locale L [--by WHO] [--db DSN]", run: runKBPublish}
	kbActions["unpublish"] = &command{name: "kb unpublish", usage: "SLUG --locale L [--by WHO] [--db DSN]", run: runKBUnpublish}
}

func runKBHistory(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["history"], `Lists an article's versions, newest first: version, when, who, state, title
and the note saying what changed.`)
	locale := fs.String("locale", "", "the article's `LOCALE` (en, fr, …)")
	asJSON := fs.Bool("json", false, "print JSON, with each version's whole content")
	slug, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	art, err := kb.Get(ctx, db, slug, *locale)
	if err != nil {
		return err
	}
	hist, err := kb.History(ctx, db, art.ID)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, hist, "VERSION\tCHANGED\tBY\tSTATUS\tTITLE\tNOTE", func(v kb.Version) string {
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", v.Version, v.ChangedAt.Format("2006-01-02 15:04"), v.ChangedBy, v.Status, v.Title, v.Note)
	})
}

func runKBRollback(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["rollback"], `Makes an earlier version the article's content again, as a new version: the
history keeps every step, so a rollback can itself be rolled back.`)
	locale := fs.String("locale", "", "the article's `LOCALE`")
	version := fs.Int("version", 0, "the `N`umber of the version to restore (kb history lists them)")
	by := fs.String("by", "cli", "`WHO` the history names for this change (an email)")
	slug, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *version < 1 {
		return fmt.Errorf("--version: give the number of the version to restore (quietdesk kb history %s --locale %s lists them)", slug, *locale)
	}
	return kbChange(ctx, a, *dsn, func(tx *store.Tx) (*kb.Article, error) {
		if _, err := kb.Rollback(ctx, tx, slug, *locale, *version, *by, a.now()); err != nil {
			return nil, err
		}
		return kb.Get(ctx, tx, slug, *locale)
	}, "restored version "+strconv.Itoa(*version))
}

func runKBPublish(ctx context.Context, a *app, args []string) error {
	return runKBSetStatus(ctx, a, args, "publish", kb.Published)
}

func runKBUnpublish(ctx context.Context, a *app, args []string) error {
	return runKBSetStatus(ctx, a, args, "unpublish", kb.Draft)
}

func runKBSetStatus(ctx context.Context, a *app, args []string, action, status string) error {
	fs, dsn := a.flags(kbActions[action], `Sets an article's state (published: the help centre, the widget and agents'
composer show it; draft: only editors see it), as a new version. Setting the
state it already has changes nothing.`)
	locale := fs.String("locale", "", "the article's `LOCALE`")
	by := fs.String("by", "cli", "`WHO` the history names for this change (an email)")
	slug, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	return kbChange(ctx, a, *dsn, func(tx *store.Tx) (*kb.Article, error) {
		return kb.SetStatus(ctx, tx, slug, *locale, status, *by, a.now())
	}, action+"ed")
}

// kbChange runs one change in one transaction and says what it did.
func kbChange(ctx context.Context, a *app, dsn string, change func(tx *store.Tx) (*kb.Article, error), what string) error {
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var art *kb.Article
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		art, err = change(tx)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s (%s): %s; now version %d, %s\n", art.Slug, art.Locale, what, art.Version, art.Status)
	return nil
}

// runUserKBEditor answers quietdesk user kb-editor EMAIL on|off.
func runUserKBEditor(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(userActions["kb-editor"], `Gives an agent the right to edit the knowledge base (on), or takes it
(off). Admins always have it; analysts cannot be given it.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[1] != "on" && pos[1] != "off") {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var u auth.User
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		var changed bool
		if u, changed, err = auth.SetKBEditorTx(ctx, tx, pos[0], pos[1] == "on"); err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, a.now(), "cli", "user.kb_editor", u.Email, pos[1])
	})
	if err != nil {
		return err
	}
	if u.KBEditor {
		fmt.Fprintf(a.stdout, "%s may now edit the knowledge base (from their next page)\n", u.Email)
	} else {
		fmt.Fprintf(a.stdout, "%s no longer edits the knowledge base\n", u.Email)
	}
	return nil
}
