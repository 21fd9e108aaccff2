package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/metrics"
)

func init() {
	register(&command{
		name:    "import",
		summary: "import a CSV file of orders, order lines, fulfilment events, returns, contacts, self-service sessions, costs or actions",
		usage:   "KIND FILE [--format generic|shopify|zendesk|gorgias|shopify-json] [--skip-bad REJECTS.csv] [--map 'Their Column=column_name']...",
		run:     runImport,
	})
}

const importHelp = `Imports one CSV file of the given kind. Columns are named as in the README's
CSV formats; a tool's own export (a Shopify orders export, a Zendesk or Gorgias
tickets export) is recognised from its header, or chosen with --format.

The file is checked whole before anything is written: by default a file with
any bad row imports nothing and every bad row is listed with its line, column
and reason. With --skip-bad FILE the good rows are imported and the bad ones
are written to FILE with their reasons. Importing the same file twice changes
nothing; a row whose id is already stored is updated.`

// importMemoryLimit is the Go heap's soft limit during an import; SQLite's
// page cache (16 MiB for the writer, see internal/store) comes on top.
const importMemoryLimit = 100 << 20

func runImport(ctx context.Context, a *app, args []string) error {
	c := commands["import"]
	fs, dsn := a.flags(c, importHelp+"\n\nKinds: "+strings.Join(ingest.KindNames(), ", "))
	format := fs.String("format", "auto", "the file's format: auto (from the header), generic, or a tool's export: shopify (orders), zendesk, gorgias (contacts); shopify-json for Shopify's order JSON")
	skipBad := fs.String("skip-bad", "", "import the good rows and write rejected rows with reasons to this `FILE`")
	batch := fs.Int("batch", 5000, "rows per transaction")
	dateOrder := fs.String("date-order", "dmy", "how to read ambiguous slash dates such as 03/04/2026: dmy or mdy")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	var maps []string
	fs.Func("map", "rename a column of the file: `'Their Column=order_id'` (repeat for more; docs/import.md#renamed-columns)", func(v string) error {
		maps = append(maps, v)
		return nil
	})
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	if *format == shopifyJSONFormat {
		return importShopifyJSON(ctx, a, *dsn, pos[0], pos[1], *asJSON, *batch)
	}
	opts := ingest.Options{Kind: pos[0], Format: *format, SkipBad: *skipBad, BatchSize: *batch, Now: a.now}
	if opts.Rename, err = ingest.ParseRename(maps); err != nil {
		return fmt.Errorf("--map: %w", err)
	}
	switch *dateOrder {
	case "dmy":
		opts.DateOrder = domain.DayFirst
	case "mdy":
		opts.DateOrder = domain.MonthFirst
	default:
		return fmt.Errorf("--date-order must be dmy or mdy, not %q", *dateOrder)
	}
	// An import streams, so its memory need not grow with the file: a soft
	// limit makes the collector work harder instead of letting the heap
	// double between collections.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemoryLimit)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *progressBar
	if a.isTerminal && !*asJSON {
		bar = newProgressBar(a.stderr, a.now)
		opts.Progress = bar.update
	}
	sum, err := ingest.ImportFile(ctx, db, pos[1], opts)
	if err == nil {
		// The import pays for its own rollup upkeep, so the first metrics
		// answer after it is as fast as any (docs/metrics.md#freshness).
		if bar != nil {
			bar.update("rollups", 0, 1)
		}
		err = metrics.NewEngine(db, a.now).Refresh(ctx)
		if bar != nil {
			bar.update("rollups", 1, 1)
		}
	}
	if bar != nil {
		bar.finish()
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		for _, e := range sum.Errors {
			fmt.Fprintln(a.stderr, e.Error())
		}
		if sum.Rejected > len(sum.Errors) {
			fmt.Fprintf(a.stderr, "… and more rejected rows (%d in all)\n", sum.Rejected)
		}
		fmt.Fprintf(a.stdout, "%s (%s, %s format): %d rows read, %d created, %d updated, %d unchanged, %d rejected\n",
			sum.File, sum.Kind, sum.Format, sum.Read, sum.Created, sum.Updated, sum.Unchanged, sum.Rejected)
		if *skipBad != "" && sum.Rejected > 0 {
			fmt.Fprintf(a.stdout, "rejected rows and their reasons: %s\n", *skipBad)
		}
	}
	if errors.Is(err, ingest.ErrRejected) {
		return errors.New(strings.TrimSuffix(err.Error(), ": "+ingest.ErrRejected.Error()))
	}
	return err
}
