package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/shopify"
	"quietdesk/internal/store"
)

// shopifyJSONFormat is the --format of Shopify's order JSON, as its Admin
// API returns it (docs/shopify.md#backfill).
const shopifyJSONFormat = "shopify-json"

// shopifyJSONBatch is the most orders one transaction writes: an order
// with its lines, events and refunds is many rows.
const shopifyJSONBatch = 500

// importShopifyJSON imports one file of Shopify order JSON with the
// webhooks' mapping. Every order is checked before any is written, so a
// file with a bad order imports nothing; importing a file again changes
// nothing, and an order older than the stored one is skipped.
func importShopifyJSON(ctx context.Context, a *app, dsn, kind, path string, asJSON bool, batch int) error {
	if kind != "orders" {
		return fmt.Errorf("--format %s takes orders: quietdesk import orders %s --format %s", shopifyJSONFormat, path, shopifyJSONFormat)
	}
	sum := ingest.Summary{File: path, Kind: kind, Format: shopifyJSONFormat}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	orders, err := shopify.SplitOrders(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	sum.Read = len(orders)
	if err := shopify.CheckOrders(orders); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			for _, f := range de.Fields {
				fmt.Fprintf(a.stderr, "%s: %s: %s\n", path, f.Field, f.Reason)
			}
			return fmt.Errorf("%s: %s (fix them and import the file again)", path, de.Message)
		}
		return err
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *progressBar
	if a.isTerminal && !asJSON {
		bar = newProgressBar(a.stderr, a.now)
	}
	env := ingest.NewEnv(a.now)
	batch = min(max(batch, 1), shopifyJSONBatch)
	var done, older int64
	for start := 0; start < len(orders); start += batch {
		part := orders[start:min(start+batch, len(orders))]
		var counts store.Counts
		var skipped int
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var err error
			counts, skipped, err = shopify.ImportOrders(ctx, tx, env, part)
			return err
		})
		if err != nil {
			env.Customers.Discard()
			if bar != nil {
				bar.finish()
			}
			if start > 0 {
				return fmt.Errorf("%s: orders %d to %d were rolled back (earlier ones are stored; run the import again to finish): %w", path, start, start+len(part)-1, err)
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		env.Customers.Commit()
		sum.Counts.Add(counts)
		older += int64(skipped)
		for _, o := range part {
			done += int64(len(o))
		}
		if bar != nil {
			bar.update("writing", done, int64(len(data)))
		}
	}
	// The import pays for its own rollup upkeep, as the CSV imports do.
	err = metrics.NewEngine(db, a.now).Refresh(ctx)
	if bar != nil {
		bar.finish()
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
		return err
	}
	fmt.Fprintf(a.stdout, "%s (%s, %s format): %d orders read, %d created, %d updated, %d unchanged, %d rejected\n",
		sum.File, sum.Kind, sum.Format, sum.Read, sum.Created, sum.Updated, sum.Unchanged, sum.Rejected)
	if older > 0 {
		fmt.Fprintf(a.stdout, "%d orders skipped: the store already holds a newer version of them (updated_at)\n", older)
	}
	if sum.Created+sum.Updated == 0 {
		fmt.Fprintln(a.stdout, "nothing changed: every order was already stored as it is")
	}
	return err
}
