package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"quietdesk/internal/kb"
)

// The knowledge base's commands (docs/knowledge-base.md). Other files add
// their actions to kbActions in their own init.
func init() {
	register(&command{name: "kb", summary: "knowledge base: articles, their versions, search, synonyms and the self-service report", usage: "import|export|list|history|rollback|publish|unpublish|search|synonyms|eval|report …", run: runKB})
	kbActions["import"] = &command{name: "kb import", usage: "DIR [--db DSN]", run: runKBImport}
	kbActions["export"] = &command{name: "kb export", usage: "DIR [--db DSN]", run: runKBExport}
	kbActions["list"] = &command{name: "kb list", usage: "[--locale L] [--db DSN]", run: runKBList}
}

var kbActions = map[string]*command{}

const kbHelp = `The knowledge base behind the help centre, the chat widget's suggestions
and agents' saved replies (docs/knowledge-base.md).

  quietdesk kb import DIR          loads Markdown article files (front matter: title, locale, category, slug, synonyms, topics)
  quietdesk kb export DIR          writes every article back as DIR/LOCALE/SLUG.md
  quietdesk kb list                lists the articles
  quietdesk kb history SLUG        an article's versions; kb rollback restores one
  quietdesk kb publish SLUG        publishes a draft; kb unpublish takes it back
  quietdesk kb search "TEXT"       searches as customers do (docs/search.md)
  quietdesk kb synonyms            the words searches treat as the same
  quietdesk kb eval                recall@3 and MRR of a set of questions
  quietdesk kb report              self-service measured: deflection per article, failing articles, searches with no result

quietdesk kb ACTION --help explains each.`

func runKB(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "kb", kbActions, kbHelp, args)
}

func runKBImport(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["import"], `Loads every .md file under DIR as an article, keyed on its slug and locale:
an article already stored with the same content is left alone, one whose
content changed gets a new version. A directory with any bad file stores
nothing and names each file, line and reason.`)
	dir, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := kb.ImportDir(ctx, db, dir, "import", a.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d article files: %d created, %d updated, %d unchanged\n", res.Files, res.Counts.Created, res.Counts.Updated, res.Counts.Unchanged)
	return nil
}

func runKBExport(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["export"], `Writes every article, drafts included, as DIR/LOCALE/SLUG.md in the format
kb import reads, so a knowledge base can be kept in files and loaded back.`)
	dir, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := kb.ExportDir(ctx, db, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d articles written to %s\n", n, dir)
	return nil
}

func runKBList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["list"], `Lists the articles: locale, slug, status, version, category and title.`)
	locale := fs.String("locale", "", "only this locale")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := kb.List(ctx, db, kb.Filter{Locale: *locale})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LOCALE\tSLUG\tSTATUS\tVERSION\tCATEGORY\tTITLE")
	for _, art := range all {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", art.Locale, art.Slug, art.Status, art.Version, art.Category, art.Title)
	}
	return w.Flush()
}

// parseOne parses a command line with exactly one positional argument.
func parseOne(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", errUsage
	}
	return pos[0], nil
}
