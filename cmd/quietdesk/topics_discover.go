package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

func init() {
	topicsActions["discover"] = &command{name: "topics discover", usage: "--from DATE --to DATE [--json] [--db DSN]", run: runTopicsDiscover}
	topicsActions["promote"] = &command{name: "topics promote", usage: "CANDIDATE --as TOPIC [--name NAME] [--db DSN]", run: runTopicsPromote}
}

func runTopicsDiscover(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["discover"], `Finds topics nobody has named yet: clusters the contacts of a period that the
model put in other or placed with low confidence (never those a person
labelled), and lists the groups large and alike enough as candidates, each
with its top terms, size, weekly counts and most typical messages. A
candidate becomes a topic with quietdesk topics promote. Each run replaces
the open candidates of the last one. DATEs are YYYY-MM-DD in the store's
time zone, both included.

Example:
  quietdesk topics discover --from 2026-03-02 --to 2026-03-22
  quietdesk topics promote 3 --as broken_save20 --name "SAVE20 code broken"`)
	from := fs.String("from", "", "first day, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD")
	low := fs.Float64("low-confidence", 0.6, "also cluster contacts placed with less confidence than this")
	minSim := fs.Float64("min-similarity", 0.1, "how alike a group's messages must be on average (cosine, 0–1)")
	minSize := fs.Int("min-size", 5, "smallest candidate")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return err
	}
	day := func(flag, s string) (time.Time, error) {
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return t, fmt.Errorf("--%s %q: give a date as YYYY-MM-DD", flag, s)
		}
		return t, nil
	}
	f, err := day("from", *from)
	if err != nil {
		return err
	}
	t, err := day("to", *to)
	if err != nil {
		return err
	}
	cands, err := topics.Discover(ctx, db, topics.DiscoverOptions{From: f, To: t.AddDate(0, 0, 1), LowConfidence: *low,
		MinSimilarity: *minSim, MinSize: *minSize, Now: a.now(), Location: loc})
	if err != nil {
		return err
	}
	if *asJSON {
		if cands == nil {
			cands = []topics.Candidate{}
		}
		return printJSON(a, map[string]any{"from": *from, "to": *to, "candidates": cands})
	}
	if len(cands) == 0 {
		fmt.Fprintf(a.stdout, "no candidates from %s to %s: the contacts the model could not place do not form groups\n", *from, *to)
		return nil
	}
	for _, c := range cands {
		weeks := make([]string, len(c.Weekly))
		for i, w := range c.Weekly {
			weeks[i] = fmt.Sprintf("%s %d", w.Week, w.Count)
		}
		fmt.Fprintf(a.stdout, "candidate %d: %d contacts, alike %.2f\n  terms: %s\n  weekly: %s\n", c.ID, c.Size, c.Cohesion, strings.Join(c.Terms, ", "), strings.Join(weeks, ", "))
		for _, e := range c.Examples {
			fmt.Fprintf(a.stdout, "  e.g. %q\n", oneLine(e, 120))
		}
	}
	return nil
}

// oneLine shortens a message for a listing.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func runTopicsPromote(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["promote"], `Makes a discovery candidate a topic: adds the topic when it is new and labels
the candidate's contacts with it (source promoted), except contacts a person
has labelled since. Retrain afterwards (quietdesk topics retrain) so the
model learns the topic from them.`)
	as := fs.String("as", "", "the `TOPIC` id (new or an active one)")
	name := fs.String("name", "", "the new topic's `NAME`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *as == "" {
		fs.Usage()
		return errUsage
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a candidate id: quietdesk topics discover lists them", pos[0])
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		n, err = topics.Promote(ctx, tx, id, *as, *name, a.now())
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "candidate %d promoted to topic %s: %d contacts labelled\n", id, *as, n)
	return nil
}
