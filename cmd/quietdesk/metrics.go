package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/metrics"
)

func init() {
	register(&command{
		name:    "metrics",
		summary: "contacts per order, support cost per order, contribution… by period and cohort",
		usage:   "--metric NAME --from DATE --to DATE [--grain day|week|month] [--by DIMENSION] [--format table|csv|json] | rebuild",
		run:     runMetrics,
	})
}

const metricsHelp = `Computes one metric by day, ISO week or month in the store's time zone,
for the whole store or by a dimension, with the numerator and denominator of
every figure so anyone can check it. DATEs are YYYY-MM-DD, both included.

Metrics: ` + "%s" + `
Dimensions: ` + "%s" + `

Figures come from per-day rollups that every write keeps current (the days a
write touches are recomputed before the next answer). --raw computes straight
from the raw rows instead; "quietdesk metrics rebuild" rebuilds the rollups
from scratch.

Example:
  quietdesk metrics --metric cpo --from 2026-01-05 --to 2026-03-29 --by carrier`

func runMetrics(ctx context.Context, a *app, args []string) error {
	c := commands["metrics"]
	fs, dsn := a.flags(c, fmt.Sprintf(metricsHelp, strings.Join(metrics.Names, ", "), strings.Join(metrics.Dimensions, ", ")))
	metric := fs.String("metric", "", "the metric `NAME`")
	from := fs.String("from", "", "first day, YYYY-MM-DD (default: the first day of the 12th complete period before now)")
	to := fs.String("to", "", "last day, YYYY-MM-DD (default: the end of the last complete period in the store's time zone: last Sunday for weeks)")
	grain := fs.String("grain", "week", "day, week or month")
	by := fs.String("by", "", "cut by a `DIMENSION`")
	format := fs.String("format", "table", "table, csv or json")
	raw := fs.Bool("raw", false, "compute from the raw rows, not the rollups")
	adjusted := fs.Bool("return-adjusted", false, "estimate the returns still to come of recent periods (returns_cost, contribution_per_order, return_cost_ratio, variable_cost_ratio)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && pos[0] == "rebuild" {
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		start := a.now()
		if err := metrics.NewEngine(db, a.now).Rebuild(ctx); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "metrics rollups rebuilt in %s\n", a.now.Since(start).Round(time.Millisecond))
		return nil
	}
	if len(pos) > 0 {
		fs.Usage()
		return errUsage
	}
	if *metric == "" {
		fs.Usage()
		return errUsage
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format must be table, csv or json, not %q", *format)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	engine := metrics.NewEngine(db, a.now)
	engine.Raw = *raw
	q := metrics.Query{Metric: *metric, From: *from, To: *to, Grain: *grain, By: *by, ReturnAdjusted: *adjusted}
	if err := engine.DefaultRange(ctx, &q); err != nil {
		return err
	}
	res, err := engine.Run(ctx, q)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return res.WriteJSON(a.stdout)
	case "csv":
		return res.WriteCSV(a.stdout)
	}
	return res.WriteTable(a.stdout)
}
