// Package demo generates the demo store: a synthetic apparel brand with
// orders, shipments, returns, contacts on every channel, self-service,
// costs and owners' actions, deterministic by seed, that tells the stories
// the product must find (README.md in this directory lists them with their
// parameters).
//
// The store is written in bulk — many rows per statement, ids reserved up
// front — but every row is exactly what the import paths would store for the
// same records: the row builders come from the packages that own the
// tables, and TestBulkMatchesNormalWrites compares the two paths table by
// table.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"quietdesk/internal/clock"
	"time"
	_ "time/tzdata" // the brand's zone, on machines without a zoneinfo database

	"quietdesk/internal/actions"
	"quietdesk/internal/commerce"
	"quietdesk/internal/costs"
	"quietdesk/internal/ingest"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// Options choose the store.
type Options struct {
	Seed uint64
	// Orders placed in the weeks shown (the lead-in weeks before them add
	// about LeadWeeks/Weeks more); DefaultOrders when 0.
	Orders int
	// Weeks is the number of complete ISO weeks shown, ending last Sunday;
	// DefaultWeeks when 0.
	Weeks int
	// Now is today (required). The store ends on the Sunday before.
	Now time.Time
	// ContactsPerOrder is the store-wide contacts per order the contact
	// rates are scaled to; DefaultContactsPerOrder when 0.
	ContactsPerOrder float64
	// Progress, when set, is called as the work advances.
	Progress func(phase string, done, total int64)

	chunkOrders int  // orders per transaction
	normal      bool // write through the import paths (tests)
	noDesk      bool // leave the desk out (tests: the store without it)
	noNotices   bool // leave the proactive story out (tests: the store without it)
}

// MaxOrders bounds --orders: order ids have eight digits.
const MaxOrders = 50_000_000

func (o Options) withDefaults() (Options, error) {
	if o.Orders == 0 {
		o.Orders = DefaultOrders
	}
	if o.Weeks == 0 {
		o.Weeks = DefaultWeeks
	}
	if o.Now.IsZero() {
		return o, errors.New("demo: Options.Now, today, is required")
	}
	if o.ContactsPerOrder == 0 {
		o.ContactsPerOrder = DefaultContactsPerOrder
	}
	if o.chunkOrders <= 0 {
		o.chunkOrders = 10_000
	}
	switch {
	case o.Orders < 100 || o.Orders > MaxOrders:
		return o, fmt.Errorf("orders must be between 100 and %d (got %d)", MaxOrders, o.Orders)
	case o.Weeks < 1 || o.Weeks > 520:
		return o, fmt.Errorf("weeks must be between 1 and 520 (got %d)", o.Weeks)
	case o.ContactsPerOrder < 0 || o.ContactsPerOrder > 10:
		return o, fmt.Errorf("contacts per order must be between 0 and 10 (got %g)", o.ContactsPerOrder)
	}
	return o, nil
}

// Summary says what was generated.
type Summary struct {
	Seed             uint64    `json:"seed"`
	Weeks            int       `json:"weeks"`
	ContactsPerOrder float64   `json:"contacts_per_order"`
	From             time.Time `json:"from"`         // the Monday the weeks shown start
	To               time.Time `json:"to"`           // the Sunday they end
	HistoryFrom      time.Time `json:"history_from"` // the first day of the lead-in
	// Orders placed From–To, and of them those of returning customers.
	Orders          int64 `json:"orders"`
	ReturningOrders int64 `json:"returning_orders"`
	// Everything stored, lead-in included.
	TotalOrders   int64 `json:"total_orders"`
	Contacts      int64 `json:"contacts"`
	Sessions      int64 `json:"self_service_sessions"`
	Conversations int64 `json:"native_conversations"`
	// Notices the late-shipment rule sent (proactive.go).
	Notices int64 `json:"proactive_notices"`
	// The desk (desk.go) at Now: every conversation, and those open (the
	// agents' turn), waiting on the customer and snoozed.
	Desk        DeskCounts `json:"desk"`
	Complete    bool       `json:"complete"`
	GeneratedAt time.Time  `json:"generated_at"`
}

// bulkTables are the tables the bulk load writes.
var bulkTables = []string{"customers", "customer_identities", "orders", "order_lines", "fulfillment_events", "returns", "contacts", "self_service_sessions",
	"self_service_shown", "kb_searches", "kb_feedback"}

// markerKey is the store setting that records the demo in a database.
const markerKey = "demo"

// Errors Generate returns (wrapped) when it will not write.
var (
	// ErrExists: the database already holds a complete demo store.
	ErrExists = errors.New("the database already holds the demo store")
	// ErrNotEmpty: the database holds orders that are not a demo store.
	ErrNotEmpty = errors.New("the database already holds orders")
	// ErrInterrupted: an earlier run stopped half way.
	ErrInterrupted = errors.New("an earlier demo run into this database was interrupted")
)

// Installed returns the demo store a database holds, or nil.
func Installed(ctx context.Context, db *store.DB) (*Summary, error) {
	v, err := db.Setting(ctx, markerKey)
	if err != nil || v == "" {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, fmt.Errorf("the %q setting is not a demo summary: %w", markerKey, err)
	}
	return &s, nil
}

func mark(ctx context.Context, db *store.DB, s Summary) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return db.SetSetting(ctx, markerKey, string(b))
}

// Generate writes the demo store into db, which must hold no orders. When
// db already holds a complete demo store it changes nothing and returns its
// summary with ErrExists.
func Generate(ctx context.Context, db *store.DB, opt Options) (Summary, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	have, err := Installed(ctx, db)
	if err != nil {
		return Summary{}, err
	}
	switch {
	case have != nil && have.Complete:
		return *have, ErrExists
	case have != nil:
		return *have, fmt.Errorf("%w (it stopped after some orders were written): start again with a new database", ErrInterrupted)
	}
	var orders int64
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM orders`).Scan(&orders); err != nil {
		return Summary{}, err
	}
	if orders > 0 {
		return Summary{}, fmt.Errorf("%w (%d of them) that are not a demo store: the demo makes a store of its own, so give it a new database", ErrNotEmpty, orders)
	}

	g, err := newGen(opt)
	if err != nil {
		return Summary{}, err
	}
	sum := g.stats
	sum.Seed, sum.Weeks, sum.ContactsPerOrder, sum.GeneratedAt = opt.Seed, opt.Weeks, opt.ContactsPerOrder, opt.Now.UTC().Truncate(time.Second)
	if err := db.SetSetting(ctx, "timezone", TimeZone); err != nil {
		return sum, err
	}
	// The brand sells in euros: its store's one currency.
	if err := db.SetSetting(ctx, commerce.CurrencySetting, Currency); err != nil {
		return sum, err
	}
	// The help centre speaks for the brand, in its two languages.
	for k, v := range map[string]string{kb.SettingHelpName: BrandName, kb.SettingHelpLocales: "en,fr"} {
		if err := db.SetSetting(ctx, k, v); err != nil {
			return sum, err
		}
	}
	if err := mark(ctx, db, sum); err != nil {
		return sum, err
	}

	// The help centre's knowledge base before its sessions.
	helpTopics, err := loadHelpCentre(ctx, db, opt.Now)
	if err != nil {
		return sum, fmt.Errorf("load the starter knowledge base: %w", err)
	}
	customers := commerce.NewCustomers(clock.Fixed(opt.Now))
	var w writer = &bulkWriter{customers: customers, now: opt.Now, topics: helpTopics}
	if opt.normal {
		w = &normalWriter{env: &ingest.Env{Customers: customers, Now: clock.Fixed(opt.Now)}}
	}
	progress := func(phase string, done, total int64) {
		if opt.Progress != nil {
			opt.Progress(phase, done, total)
		}
	}

	// Costs and actions first: a handful of rows, through the usual paths.
	costEntries, ownerActions := g.costEntries(), g.ownerActions()
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := costs.Upsert(ctx, tx, costEntries); err != nil {
			return err
		}
		_, err := actions.Upsert(ctx, tx, ownerActions)
		return err
	}); err != nil {
		return sum, err
	}

	// A bulk load into a fresh store: the loaded tables' secondary indexes
	// and triggers are set aside meanwhile. The metric triggers miss
	// nothing: writing the demo's marker setting at the end marks every day
	// for the rollups to recompute.
	var load *store.BulkLoad
	if !opt.normal {
		if load, err = db.StartBulkLoad(ctx, bulkTables); err != nil {
			return sum, err
		}
		defer func() {
			// A load that failed still leaves the schema whole, unless it
			// was interrupted: then stopping soon matters more (the store
			// is refused from now on either way).
			if ctx.Err() == nil {
				load.Finish(ctx)
			}
		}()
	}
	// Orders and everything about them: generated on one goroutine while
	// this one writes, a chunk per transaction.
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *chunk, 2)
	genDone := make(chan error, 1)
	go func() {
		genDone <- g.run(gctx, chunks)
		close(chunks)
	}()
	progress("orders", 0, g.stats.TotalOrders)
	for c := range chunks {
		err := db.WriteTx(ctx, func(tx *store.Tx) error { return w.chunk(ctx, tx, c) })
		if err != nil {
			customers.Discard()
			cancel()
			for range chunks {
			}
			return sum, fmt.Errorf("write orders: %w", err)
		}
		customers.Commit()
		progress("orders", c.ordersDone, g.stats.TotalOrders)
	}
	if err := <-genDone; err != nil {
		return sum, err
	}

	progress("indexes", 0, 1)
	if load != nil {
		if err := load.RestoreIndexes(ctx); err != nil {
			return sum, err
		}
	}
	progress("links", 0, 1)
	if err := w.finish(ctx, db, func(done, total int64) { progress("links", done, total) }); err != nil {
		return sum, fmt.Errorf("link contacts: %w", err)
	}
	if load != nil {
		if err := load.Finish(ctx); err != nil {
			return sum, err
		}
	}
	progress("links", 1, 1)
	progress("notices", 0, 1)
	if err := writeProactive(ctx, db, customers, g); err != nil {
		return sum, err
	}
	if err := writeNatives(ctx, db, customers, g.natives, &g.messageSeq); err != nil {
		return sum, err
	}
	customers.Commit()
	var deskCounts DeskCounts
	if !opt.noDesk {
		progress("desk", 0, 1)
		if deskCounts, err = writeDesk(ctx, db, opt, g.days[0].start, g.end, func(done, total int64) { progress("desk", done, total) }); err != nil {
			return sum, err
		}
	}

	sum = g.stats
	sum.Seed, sum.Weeks, sum.ContactsPerOrder, sum.GeneratedAt = opt.Seed, opt.Weeks, opt.ContactsPerOrder, opt.Now.UTC().Truncate(time.Second)
	sum.Conversations = int64(len(g.natives))
	sum.Desk = deskCounts
	sum.Complete = true
	if err := mark(ctx, db, sum); err != nil {
		return sum, err
	}
	return sum, nil
}
