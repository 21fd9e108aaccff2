package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// The knowledge base's search from the command line (docs/search.md):
// search as customers do, edit the brand's synonym groups, and measure the
// search against a set of customer questions.
func init() {
	kbActions["search"] = &command{name: "kb search", usage: `"TEXT" [--locale L] [--limit N] [--drafts] [--format table|json] [--db DSN]`, run: runKBSearch}
	kbActions["synonyms"] = &command{name: "kb synonyms", usage: `list [--locale L] | add "TERM, TERM, …" --locale L | remove ID`, run: runKBSynonyms}
	kbActions["eval"] = &command{name: "kb eval", usage: "[--starter] [--set FILE] [--baseline] [--format table|json] [--db DSN]", run: runKBEval}
}

func checkFormat(format string) error {
	if format != "table" && format != "json" {
		return fmt.Errorf("--format must be table or json, not %q", format)
	}
	return nil
}

func runKBSearch(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["search"], `Searches the knowledge base as the help centre and the chat widget do: the
published articles of --locale (every locale when left out), best first,
with their score and a snippet. --drafts includes unpublished articles.`)
	locale := fs.String("locale", "", "only this locale (en, fr, pt-BR)")
	limit := fs.Int("limit", 5, fmt.Sprintf("how many results, 1 to %d", kb.MaxLimit))
	drafts := fs.Bool("drafts", false, "include unpublished articles")
	format := fs.String("format", "table", "table or json")
	text, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *limit < 1 || *limit > kb.MaxLimit {
		return fmt.Errorf("--limit %d is out of range: give 1 to %d", *limit, kb.MaxLimit)
	}
	if n := len([]rune(text)); strings.TrimSpace(text) == "" || n > kb.MaxQueryChars {
		return fmt.Errorf("the search text must have 1 to %d characters; it has %d", kb.MaxQueryChars, n)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := kb.Search(ctx, db, kb.Query{Text: text, Locale: *locale, Limit: *limit, Drafts: *drafts})
	if err != nil {
		return err
	}
	if *format == "json" {
		type row struct {
			Locale string `json:"locale"`
			kb.Result
		}
		out := make([]row, 0, len(res))
		for _, r := range res {
			out = append(out, row{r.Locale, r})
		}
		return printJSON(a, map[string]any{"results": out})
	}
	if len(res) == 0 {
		fmt.Fprintln(a.stdout, "no article found")
		return nil
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SCORE\tLOCALE\tSLUG\tTITLE")
	for _, r := range res {
		fmt.Fprintf(w, "%.4f\t%s\t%s\t%s\n", r.Score, r.Locale, r.Slug, r.Title)
		fmt.Fprintf(w, "\t\t\t%s\n", r.Snippet)
	}
	return w.Flush()
}

const kbSynonymsHelp = `Synonym groups: words the brand's customers use for the same thing. A
search for one word of a group also finds the others, counted for less.

  quietdesk kb synonyms list [--locale L]            the groups, with their ids
  quietdesk kb synonyms add "parcel, package" --locale en
  quietdesk kb synonyms remove ID`

func runKBSynonyms(ctx context.Context, a *app, args []string) error {
	actions := map[string]*command{
		"list":   {name: "kb synonyms list", usage: "[--locale L] [--format table|json] [--db DSN]", run: runKBSynonymsList},
		"add":    {name: "kb synonyms add", usage: `"TERM, TERM, …" --locale L [--db DSN]`, run: runKBSynonymsAdd},
		"remove": {name: "kb synonyms remove", usage: "ID [--db DSN]", run: runKBSynonymsRemove},
	}
	if len(args) > 0 {
		if c, ok := actions[args[0]]; ok {
			return c.run(ctx, a, args[1:])
		}
	}
	fs, _ := a.flags(kbActions["synonyms"], kbSynonymsHelp)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	fs.Usage()
	return errUsage
}

func runKBSynonymsList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(&command{name: "kb synonyms list", usage: "[--locale L] [--format table|json] [--db DSN]"}, `Lists the synonym groups: id, locale and terms.`)
	locale := fs.String("locale", "", "only this locale")
	format := fs.String("format", "table", "table or json")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	groups, err := kb.ListSynonyms(ctx, db, *locale)
	if err != nil {
		return err
	}
	if *format == "json" {
		if groups == nil {
			groups = []kb.SynonymGroup{}
		}
		return printJSON(a, groups)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tLOCALE\tTERMS")
	for _, g := range groups {
		fmt.Fprintf(w, "%d\t%s\t%s\n", g.ID, g.Locale, strings.Join(g.Terms, ", "))
	}
	return w.Flush()
}

func runKBSynonymsAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(&command{name: "kb synonyms add", usage: `"TERM, TERM, …" --locale L [--db DSN]`}, `Adds a synonym group: two or more words or short phrases, separated by
commas. The same group again, in any order, changes nothing.`)
	locale := fs.String("locale", "", "the group's locale (en, fr, pt-BR); required")
	terms, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	g, err := kb.ParseSynonyms(*locale, terms)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var outcome store.Outcome
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		g, outcome, err = kb.AddSynonyms(ctx, tx, g)
		return err
	}); err != nil {
		return err
	}
	if outcome == store.Unchanged {
		fmt.Fprintf(a.stdout, "synonym group %d (%s) already holds %s: nothing changed\n", g.ID, g.Locale, strings.Join(g.Terms, ", "))
		return nil
	}
	fmt.Fprintf(a.stdout, "synonym group %d (%s) added: %s\n", g.ID, g.Locale, strings.Join(g.Terms, ", "))
	return nil
}

func runKBSynonymsRemove(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(&command{name: "kb synonyms remove", usage: "ID [--db DSN]"}, `Removes a synonym group by its id (kb synonyms list shows them).`)
	id, err := parseID(fs, args, "a synonym group", "quietdesk kb synonyms list shows them")
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var g kb.SynonymGroup
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		g, err = kb.RemoveSynonyms(ctx, tx, id)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "synonym group %d (%s) removed: %s\n", g.ID, g.Locale, strings.Join(g.Terms, ", "))
	return nil
}

func runKBEval(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["eval"], `Measures the search against customer questions whose answers are known:
recall@3 (the share of questions with a right article among the first three)
and MRR (the mean of 1/rank of the first right article). The questions are
the starter knowledge base's, or --set FILE's (tab-separated lines: locale,
question, expected slugs separated by commas). The articles searched are the
store's, or with --starter the starter knowledge base and its synonyms.
--baseline measures plain word matching instead (with --starter only).`)
	starter := fs.Bool("starter", false, "search the starter knowledge base, not the store's articles")
	set := fs.String("set", "", "a file of questions (default: the starter knowledge base's)")
	baseline := fs.Bool("baseline", false, "measure plain word matching: no stemming, synonyms or typo tolerance (with --starter)")
	format := fs.String("format", "table", "table or json")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *baseline && !*starter {
		return fmt.Errorf("--baseline measures the starter knowledge base: add --starter")
	}
	cases, err := kb.RelevanceSet()
	if *set != "" {
		f, ferr := os.Open(*set)
		if ferr != nil {
			return fmt.Errorf("the question set: %w", ferr)
		}
		defer f.Close()
		cases, err = kb.ReadRelevance(f)
	}
	if err != nil {
		return err
	}
	var rep kb.EvalReport
	if *starter {
		rep, err = kb.EvaluateStarter(cases, *baseline)
	} else {
		db, derr := openDB(ctx, *dsn)
		if derr != nil {
			return derr
		}
		defer db.Close()
		rep, err = kb.EvaluateStore(ctx, db, cases)
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		return printJSON(a, rep)
	}
	fmt.Fprintf(a.stdout, "%d questions: recall@3 %.3f, MRR %.3f\n", rep.Cases, rep.RecallAt3, rep.MRR)
	if len(rep.Misses) > 0 {
		fmt.Fprintf(a.stdout, "\n%d not answered in the first three:\n", len(rep.Misses))
		w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "LINE\tLOCALE\tQUESTION\tEXPECTED\tFIRST THREE")
		for _, m := range rep.Misses {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", m.Line, m.Locale, m.Question, strings.Join(m.Slugs, ","), strings.Join(m.Got, ","))
		}
		return w.Flush()
	}
	return nil
}
