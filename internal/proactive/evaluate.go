package proactive

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// How far back the engine looks (docs/proactive.md#sending). The first run
// of a store, and a rule switched on, act on what happened in the last
// Lookback only: a store imported with years of history must not notify
// every late order it ever had.
const (
	Lookback = 7 * 24 * time.Hour
	// DeliveredCheckWithin: a "did it arrive well?" notice is for an order
	// delivered this recently.
	DeliveredCheckWithin = 3 * 24 * time.Hour
	// eventOverlap re-reads this many events before the cursor on
	// PostgreSQL, whose sequence numbers can commit out of order: an event
	// numbered before one already read may become visible a moment later.
	eventOverlap = 1000
	evalBatch    = 500
)

// EvalResult is what one evaluation did.
type EvalResult struct {
	Candidates int        `json:"candidates"` // orders looked at
	Decisions  []Decision `json:"decisions"`  // decided by this run (held out or scheduled)
}

// Count returns how many of the run's decisions have status.
func (r EvalResult) Count(status string) int {
	n := 0
	for _, d := range r.Decisions {
		if d.Status == status {
			n++
		}
	}
	return n
}

// Evaluate decides, for each enabled rule, which orders get a notice: the
// orders whose promised date or delivery passed, and those with fulfillment
// events stored, since the last run. Each (order, rule) is decided once,
// ever: held out by HeldOut, or scheduled at now, or at the end of quiet
// hours in the customer's time zone.
func Evaluate(ctx context.Context, db *store.DB, now time.Time) (EvalResult, error) {
	return evaluate(ctx, db, now, false)
}

// PreviewEvaluate is Evaluate without writing anything: the decisions a
// run now would make (some may exist already and would be left alone).
func PreviewEvaluate(ctx context.Context, db *store.DB, now time.Time) (EvalResult, error) {
	return evaluate(ctx, db, now, true)
}

// The orders whose promised date, or delivery, passed since the last run,
// by the indexes orders_promised and orders_delivered; the second column
// says whether the order is a candidate. Undelivered is checked by that
// column, not in the WHERE clause: with "delivered_at IS NULL" there,
// SQLite reads the orders by the delivered_at index, every undelivered
// order of the store, instead of the promised range (seconds at ten
// million orders instead of a millisecond).
const (
	promisedSince  = `SELECT id, delivered_at IS NULL FROM orders WHERE promised_delivery_at > ? AND promised_delivery_at <= ?`
	deliveredSince = `SELECT id, TRUE FROM orders WHERE delivered_at > ? AND delivered_at <= ?`
)

type cursors struct{ promised, delivered, events int64 }

func evaluate(ctx context.Context, db *store.DB, now time.Time, preview bool) (EvalResult, error) {
	var res EvalResult
	rules, err := ListRules(ctx, db)
	if err != nil {
		return res, err
	}
	var active []*Rule
	for _, r := range rules {
		if r.Enabled && r.Kind != KindCampaign {
			active = append(active, r)
		}
	}
	cur, err := readCursors(ctx, db, now)
	if err != nil {
		return res, err
	}
	next := cursors{promised: now.Unix(), delivered: now.Unix(), events: cur.events}
	cand := map[int64]bool{}
	if len(active) > 0 {
		if err := collect(ctx, db, promisedSince, cand, cur.promised, now.Unix()); err != nil {
			return res, err
		}
		if err := collect(ctx, db, deliveredSince, cand, cur.delivered, now.Unix()); err != nil {
			return res, err
		}
	}
	// New events, in batches, by insertion order; their orders are
	// candidates when the event is recent enough to act on.
	seqCol := "rowid"
	from := cur.events
	if db.Dialect == store.Postgres {
		seqCol, from = "seq", max(0, cur.events-eventOverlap)
	}
	recent := now.Add(-Lookback).Unix()
	for {
		rows, err := db.Query(ctx, `SELECT `+seqCol+`, order_id, at FROM fulfillment_events WHERE `+seqCol+` > ? ORDER BY `+seqCol+` LIMIT 5000`, from)
		if err != nil {
			return res, err
		}
		n := 0
		for rows.Next() {
			var seq, oid, at int64
			if err := rows.Scan(&seq, &oid, &at); err != nil {
				rows.Close()
				return res, err
			}
			n++
			from = seq
			if at >= recent && len(active) > 0 {
				cand[oid] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, err
		}
		if n < 5000 {
			break
		}
	}
	next.events = max(cur.events, from)

	ids := make([]int64, 0, len(cand))
	for id := range cand {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	res.Candidates = len(ids)

	env, err := loadEnv(ctx, db)
	if err != nil {
		return res, err
	}
	for start := 0; start < len(ids); start += evalBatch {
		batch := ids[start:min(len(ids), start+evalBatch)]
		facts, err := loadFacts(ctx, db, batch, active)
		if err != nil {
			return res, err
		}
		done, err := decidedAlready(ctx, db, batch)
		if err != nil {
			return res, err
		}
		var decided []Decision
		for _, o := range facts {
			for _, r := range active {
				if done[fmt.Sprint(o.ID, "\x00", r.Name)] || !o.eligible(r, now) {
					continue
				}
				decided = append(decided, env.decide(o, r, now))
			}
		}
		if preview {
			res.Decisions = append(res.Decisions, decided...)
			continue
		}
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			for i := range decided {
				d := &decided[i]
				var due any
				if d.DueAt != nil {
					due = d.DueAt.Unix()
				}
				r, err := tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, due_at)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, rule) DO NOTHING`, d.OrderID, d.Rule, now.Unix(), d.HeldOut, d.Status, due)
				if err != nil {
					return err
				}
				if n, _ := r.RowsAffected(); n == 1 {
					res.Decisions = append(res.Decisions, *d)
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if preview {
		return res, nil
	}
	return res, db.WriteTx(ctx, func(tx *store.Tx) error {
		for name, v := range map[string]int64{"promised": next.promised, "delivered": next.delivered, "events": next.events} {
			// Never backwards: another process may have gone further.
			if _, err := tx.Exec(ctx, `INSERT INTO proactive_cursors (name, value) VALUES (?, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE proactive_cursors.value < excluded.value`, name, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// readCursors reads where the last run stopped; a first run starts
// Lookback ago (and reads every stored event once, acting on recent ones).
func readCursors(ctx context.Context, db *store.DB, now time.Time) (cursors, error) {
	c := cursors{promised: now.Add(-Lookback).Unix(), delivered: now.Add(-DeliveredCheckWithin).Unix()}
	rows, err := db.Query(ctx, `SELECT name, value FROM proactive_cursors`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return c, err
		}
		switch name {
		case "promised":
			c.promised = v
		case "delivered":
			c.delivered = v
		case "events":
			c.events = v
		}
	}
	return c, rows.Err()
}

// decidedAlready returns the (order, rule) pairs of ids already decided,
// keyed "ORDER\x00RULE", so a run writes only new decisions.
func decidedAlready(ctx context.Context, db *store.DB, ids []int64) (map[string]bool, error) {
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	rows, err := db.Query(ctx, `SELECT order_id, rule FROM proactive_decisions WHERE order_id IN (`+in+`)`, store.Args(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id int64
		var rule string
		if err := rows.Scan(&id, &rule); err != nil {
			return nil, err
		}
		out[fmt.Sprint(id, "\x00", rule)] = true
	}
	return out, rows.Err()
}

// collect adds to into the ids query selects with a true second column.
func collect(ctx context.Context, db *store.DB, query string, into map[int64]bool, args ...any) error {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var keep bool
		if err := rows.Scan(&id, &keep); err != nil {
			return err
		}
		if keep {
			into[id] = true
		}
	}
	return rows.Err()
}

// orderFacts is what the rules read of one order.
type orderFacts struct {
	ID, CustomerID          int64
	ExternalID, Status      string
	Carrier, SKU, Country   string
	PlacedAt                time.Time
	Promised, Delivered     *time.Time
	Events                  []event
	LineSKUs                []string
	ContactedSincePlacement bool
}

type event struct {
	Kind   string
	At     time.Time
	Detail string
}

func (o *orderFacts) has(kind string, after time.Time) bool {
	for _, e := range o.Events {
		if e.Kind == kind && !e.At.Before(after) {
			return true
		}
	}
	return false
}

// delivered is true once the order's delivery is known by any source: a
// late or out-of-order event never makes a delivered order late again.
func (o *orderFacts) delivered() (time.Time, bool) {
	if o.Delivered != nil {
		return *o.Delivered, true
	}
	for _, e := range o.Events {
		if e.Kind == "delivered" {
			return e.At, true
		}
	}
	return time.Time{}, false
}

// eligible reports whether rule r fires for the order at now.
func (o *orderFacts) eligible(r *Rule, now time.Time) bool {
	if o.Status == "cancelled" || o.Status == "test" || !r.Scope.matches(o) {
		return false
	}
	deliveredAt, delivered := o.delivered()
	recent := now.Add(-Lookback)
	switch r.Kind {
	case KindLateShipment:
		return !delivered && ((o.Promised != nil && o.Promised.Before(now) && o.Promised.After(recent)) || o.has("delayed", recent))
	case KindCarrierException:
		return !delivered && o.has("exception", recent)
	case KindBackorder:
		return !delivered && o.has("backordered", o.PlacedAt) && o.has("backordered", recent)
	case KindPartialShipment:
		return !delivered && o.has("partial", recent)
	case KindDeliveredCheck:
		return delivered && !deliveredAt.After(now) && now.Sub(deliveredAt) <= DeliveredCheckWithin && !o.ContactedSincePlacement
	}
	return false
}

// matches reports whether the order is in the scope. Placed dates are
// compared in UTC days.
func (s Scope) matches(o *orderFacts) bool {
	if s.Carrier != "" && !strings.EqualFold(s.Carrier, o.Carrier) {
		return false
	}
	if s.Country != "" && !strings.EqualFold(s.Country, o.Country) {
		return false
	}
	if s.SKU != "" {
		ok := skuMatches(s.SKU, o.SKU)
		for _, l := range o.LineSKUs {
			ok = ok || skuMatches(s.SKU, l)
		}
		if !ok {
			return false
		}
	}
	day := o.PlacedAt.UTC().Format(time.DateOnly)
	if s.PlacedFrom != "" && day < s.PlacedFrom {
		return false
	}
	if s.PlacedTo != "" && day > s.PlacedTo {
		return false
	}
	return true
}

func skuMatches(pattern, sku string) bool {
	if sku == "" {
		return false
	}
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(sku, p)
	}
	return pattern == sku
}

// loadFacts reads the orders ids with their events (and, when a rule
// needs them, their lines' SKUs and whether the customer got in touch).
func loadFacts(ctx context.Context, db *store.DB, ids []int64, rules []*Rule) ([]*orderFacts, error) {
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := store.Args(ids)
	byID := map[int64]*orderFacts{}
	var out []*orderFacts
	rows, err := db.Query(ctx, `SELECT id, COALESCE(customer_id, 0), external_id, status, carrier, sku, country, placed_at, promised_delivery_at, delivered_at
		FROM orders WHERE id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		o := &orderFacts{}
		var placed int64
		var promised, delivered sql.NullInt64
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.ExternalID, &o.Status, &o.Carrier, &o.SKU, &o.Country, &placed, &promised, &delivered); err != nil {
			rows.Close()
			return nil, err
		}
		o.PlacedAt, o.Promised, o.Delivered = time.Unix(placed, 0).UTC(), unixPtr(promised), unixPtr(delivered)
		byID[o.ID] = o
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.Query(ctx, `SELECT order_id, kind, at, detail FROM fulfillment_events WHERE order_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid, at int64
		var e event
		if err := rows.Scan(&oid, &e.Kind, &at, &e.Detail); err != nil {
			rows.Close()
			return nil, err
		}
		e.At = time.Unix(at, 0).UTC()
		if o := byID[oid]; o != nil {
			o.Events = append(o.Events, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	needSKU, needContacts := false, false
	for _, r := range rules {
		needSKU = needSKU || r.Scope.SKU != ""
		needContacts = needContacts || r.Kind == KindDeliveredCheck
	}
	if needSKU {
		rows, err = db.Query(ctx, `SELECT order_id, sku FROM order_lines WHERE order_id IN (`+in+`) AND sku <> ''`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var oid int64
			var sku string
			if err := rows.Scan(&oid, &sku); err != nil {
				rows.Close()
				return nil, err
			}
			if o := byID[oid]; o != nil {
				o.LineSKUs = append(o.LineSKUs, sku)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if needContacts {
		for _, o := range out {
			if _, ok := o.delivered(); !ok || o.CustomerID == 0 {
				continue
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE customer_id = ? AND started_at >= ?`, o.CustomerID, o.PlacedAt.Unix()).Scan(&n); err != nil {
				return nil, err
			}
			o.ContactedSincePlacement = n > 0
		}
	}
	return out, nil
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

// env is what deciding reads of the store's settings.
type env struct {
	quiet    QuietHours
	storeLoc *time.Location
}

func loadEnv(ctx context.Context, db *store.DB) (env, error) {
	var e env
	v, err := db.Setting(ctx, SettingQuietHours)
	if err != nil {
		return e, err
	}
	if e.quiet, err = ParseQuietHours(v); err != nil {
		return e, err
	}
	e.storeLoc, err = store.TimeZone(ctx, db)
	return e, err
}

// decide makes the decision for an eligible order.
func (e env) decide(o *orderFacts, r *Rule, now time.Time) Decision {
	d := Decision{OrderID: o.ID, OrderExternalID: o.ExternalID, Rule: r.Name, DecidedAt: now.UTC().Truncate(time.Second)}
	if HeldOut(o.ExternalID, r.Name, r.HoldoutPct) {
		d.HeldOut, d.Status = true, StatusHeldOut
		return d
	}
	due := e.quiet.Next(now, CustomerLocation(o.Country, e.storeLoc)).UTC().Truncate(time.Second)
	d.Status, d.DueAt = StatusScheduled, &due
	return d
}

// QuietHours is the span of local hours no notice is sent in: From (21)
// up to To (8) the next morning. From == To means none.
type QuietHours struct{ From, To int }

// DefaultQuietHours: no notice from 21:00 to 08:00.
var DefaultQuietHours = QuietHours{From: 21, To: 8}

// ParseQuietHours reads the setting: "21-8", "" for the default, "off"
// for none.
func ParseQuietHours(v string) (QuietHours, error) {
	v = strings.TrimSpace(v)
	switch v {
	case "":
		return DefaultQuietHours, nil
	case "off", "none":
		return QuietHours{}, nil
	}
	var q QuietHours
	if _, err := fmt.Sscanf(v, "%d-%d", &q.From, &q.To); err != nil || q.From < 0 || q.From > 23 || q.To < 0 || q.To > 23 {
		return q, fmt.Errorf("setting %s is %q: write the quiet hours as FROM-TO in whole hours, e.g. 21-8 (or off)", SettingQuietHours, v)
	}
	return q, nil
}

func (q QuietHours) quiet(hour int) bool {
	switch {
	case q.From == q.To:
		return false
	case q.From < q.To:
		return hour >= q.From && hour < q.To
	default:
		return hour >= q.From || hour < q.To
	}
}

// Next is the earliest time at or after now outside quiet hours in loc.
func (q QuietHours) Next(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	if !q.quiet(local.Hour()) {
		return now
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), q.To, 0, 0, 0, loc)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// countryZones is the time zone of a country, for the countries whose
// people mostly live in one; other countries' customers get the store's.
var countryZones = map[string]string{
	"US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City", "BR": "America/Sao_Paulo",
	"GB": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon", "ES": "Europe/Madrid", "FR": "Europe/Paris",
	"BE": "Europe/Brussels", "NL": "Europe/Amsterdam", "LU": "Europe/Luxembourg", "DE": "Europe/Berlin", "AT": "Europe/Vienna",
	"CH": "Europe/Zurich", "IT": "Europe/Rome", "DK": "Europe/Copenhagen", "NO": "Europe/Oslo", "SE": "Europe/Stockholm",
	"FI": "Europe/Helsinki", "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "GR": "Europe/Athens", "JP": "Asia/Tokyo",
	"SG": "Asia/Singapore", "IN": "Asia/Kolkata", "AU": "Australia/Sydney", "NZ": "Pacific/Auckland", "ZA": "Africa/Johannesburg",
}

// CustomerLocation is the time zone notices to a customer in country are
// timed in: the country's (countryZones), else the store's.
func CustomerLocation(country string, storeLoc *time.Location) *time.Location {
	if name, ok := countryZones[strings.ToUpper(strings.TrimSpace(country))]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	if storeLoc == nil {
		return time.UTC
	}
	return storeLoc
}
