package proactive_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var campaignNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fixtureOrder is one order of the hand-made store.
type fixtureOrder struct {
	ext, carrier, sku, country string
	customer                   int // 1..20
	day                        int // placed on 2026-11-DAY
	cancelled                  bool
}

// campaignStore writes 40 orders of 20 customers: even orders ParcelNow,
// odd ShipFast; customer i has an email unless i%3 == 0 and a phone when
// i is even; customer 2's phone texted STOP; order #2002 is cancelled.
func campaignStore(t *testing.T, db *store.DB) []fixtureOrder {
	t.Helper()
	ctx := context.Background()
	var orders []fixtureOrder
	for i := range 40 {
		o := fixtureOrder{ext: fmt.Sprintf("#%d", 2000+i), carrier: "ShipFast", sku: "MUG-1", country: "FR", customer: i%20 + 1, day: 1 + i%20}
		if i%2 == 0 {
			o.carrier = "ParcelNow"
		}
		if i%4 == 0 {
			o.sku, o.country = fmt.Sprintf("TEE-%d", i), "DE"
		}
		o.cancelled = i == 2
		orders = append(orders, o)
	}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		ids := map[int]int64{}
		for c := 1; c <= 20; c++ {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES (?, 0) RETURNING id`, fmt.Sprint("C", c)).Scan(&id); err != nil {
				return err
			}
			ids[c] = id
			if c%3 != 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', ?, ?)`, fmt.Sprintf("c%d@example.com", c), id); err != nil {
					return err
				}
			}
			if c%2 == 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('phone', ?, ?)`, fmt.Sprintf("+1555000%04d", c), id); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO opt_outs (address, reason, opted_out_at) VALUES ('+15550000002', 'STOP', 0)`); err != nil {
			return err
		}
		for _, o := range orders {
			placed := time.Date(2026, 11, o.day, 12, 0, 0, 0, time.UTC).Unix()
			var cancelled any
			if o.cancelled {
				cancelled = placed + 3600
			}
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO orders (external_id, customer_id, placed_at, carrier, country, cancelled_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
				o.ext, ids[o.customer], placed, o.carrier, o.country, cancelled).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO order_lines (order_id, line_key, sku, quantity, unit_price) VALUES (?, '1', ?, 1, 1000)`, id, o.sku); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return orders
}

func campaignRule(name string, scope proactive.Scope) *proactive.Rule {
	return &proactive.Rule{Name: name, Kind: proactive.KindCampaign, HoldoutPct: 10, Scope: scope, Templates: []proactive.Template{
		{Channel: "email", Locale: "en", Subject: "About your parcel", Body: "Your order {{.OrderName}} is late."},
		{Channel: "sms", Locale: "en", Body: "Order {{.OrderName}} is late."},
	}}
}

// The preview counts the cohort, the held-out share, the customers, the
// unreachable and the opted out, and samples recipients with their
// addresses masked.
func TestPreviewCampaignCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		orders := campaignStore(t, db)
		r := campaignRule("parcelnow-delay", proactive.Scope{Carrier: "ParcelNow"})
		p, err := proactive.PreviewCampaign(ctx, db, r, campaignNow)
		if err != nil {
			t.Fatal(err)
		}
		// Worked out from the fixture: the ParcelNow orders not cancelled,
		// and each one's fate.
		var want proactive.Preview
		customers := map[int]bool{}
		for _, o := range orders {
			if o.carrier != "ParcelNow" || o.cancelled {
				continue
			}
			want.Orders++
			customers[o.customer] = true
			switch {
			case proactive.HeldOut(o.ext, r.Name, 10):
				want.HeldOut++
			case o.customer%3 != 0: // an email
				want.Reachable++
			case o.customer%2 == 0 && o.customer != 2: // a phone not opted out
				want.Reachable++
			case o.customer == 2:
				want.OptedOut++
			default:
				want.NoAddress++
			}
		}
		if want.Orders != 19 || want.HeldOut == 0 {
			t.Fatalf("fixture: %d orders, %d held out", want.Orders, want.HeldOut)
		}
		got := fmt.Sprint(p.Orders, p.HeldOut, p.Customers, p.Reachable, p.OptedOut, p.NoAddress, p.Already)
		if exp := fmt.Sprint(want.Orders, want.HeldOut, len(customers), want.Reachable, want.OptedOut, want.NoAddress, 0); got != exp {
			t.Errorf("orders held customers reachable opted-out no-address already = %s, want %s", got, exp)
		}
		if len(p.Sample) != want.Reachable {
			t.Fatalf("sample has %d recipients, want %d", len(p.Sample), want.Reachable)
		}
		first := p.Sample[0] // #2000, customer 1: an email
		if first.Order != "#2000" || first.Address != "c***@example.com" || first.Channel != "email" {
			t.Errorf("first recipient %+v", first)
		}
		for _, s := range p.Sample {
			if s.Channel == "sms" && s.Address != "+1*******0006" && s.Address != "+1*******0012" && s.Address != "+1*******0018" {
				t.Errorf("sms recipient %+v: a customer with no email and a phone", s)
			}
		}

		// A SKU prefix, a country and a date range narrow the cohort:
		// TEE- orders are i%4 == 0, DE, placed on day 1+i%20.
		r2 := campaignRule("tee-recall", proactive.Scope{SKU: "TEE-*", Country: "DE", PlacedFrom: "2026-11-05", PlacedTo: "2026-11-13"})
		p2, err := proactive.PreviewCampaign(ctx, db, r2, campaignNow)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, o := range orders {
			if o.country == "DE" && o.day >= 5 && o.day <= 13 && !o.cancelled {
				n++
			}
		}
		if p2.Orders != n || n != 6 {
			t.Errorf("TEE-* in DE from the 5th to the 13th: %d orders, want %d (6)", p2.Orders, n)
		}
		r3 := campaignRule("exact", proactive.Scope{SKU: "TEE-%"})
		if p3, err := proactive.PreviewCampaign(ctx, db, r3, campaignNow); err != nil || p3.Orders != 0 {
			t.Errorf("a %% in a SKU is no wildcard: %d orders, %v", p3.Orders, err)
		}
	})
}

// Sending decides every order of the cohort once: held out or scheduled
// now; sending again adds nothing and records nothing.
func TestSendCampaignOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		orders := campaignStore(t, db)
		r := campaignRule("parcelnow-delay", proactive.Scope{Carrier: "ParcelNow"})
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveCampaign(ctx, tx, r, "ann", campaignNow) }); err != nil {
			t.Fatal(err)
		}
		got, err := proactive.SendCampaign(ctx, db, "parcelnow-delay", "ann", campaignNow)
		if err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, o := range orders {
			if o.carrier == "ParcelNow" && !o.cancelled && proactive.HeldOut(o.ext, r.Name, 10) {
				held++
			}
		}
		if want := (proactive.SentCounts{Orders: 19, Scheduled: 19 - held, HeldOut: held}); got != want {
			t.Errorf("sent %+v, want %+v", got, want)
		}
		again, err := proactive.SendCampaign(ctx, db, "parcelnow-delay", "bob", campaignNow.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := (proactive.SentCounts{Orders: 19, Already: 19}); again != want {
			t.Errorf("sent again %+v, want %+v", again, want)
		}
		rows, err := db.Query(ctx, `SELECT o.external_id, d.held_out, d.status, d.due_at, d.decided_at FROM proactive_decisions d JOIN orders o ON o.id = d.order_id WHERE d.rule = 'parcelnow-delay' ORDER BY o.external_id`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var ext, status string
			var heldOut bool
			var due *int64
			var decided int64
			if err := rows.Scan(&ext, &heldOut, &status, &due, &decided); err != nil {
				t.Fatal(err)
			}
			n++
			wantHeld := proactive.HeldOut(ext, r.Name, 10)
			switch {
			case ext == "#2002":
				t.Errorf("the cancelled order was decided")
			case heldOut != wantHeld:
				t.Errorf("%s held_out %v, want %v", ext, heldOut, wantHeld)
			case wantHeld && (status != "held_out" || due != nil):
				t.Errorf("%s: %s due %v, want held_out with no due time", ext, status, due)
			case !wantHeld && (status != "scheduled" || due == nil || *due != campaignNow.Unix()):
				t.Errorf("%s: %s due %v, want scheduled now", ext, status, due)
			case decided != campaignNow.Unix():
				t.Errorf("%s decided at %d", ext, decided)
			}
		}
		rows.Close()
		if n != 19 {
			t.Errorf("%d decisions, want 19", n)
		}
		var changes int
		var detail, who string
		if err := db.QueryRow(ctx, `SELECT COUNT(*), MIN(detail), MIN(by_whom) FROM proactive_rule_changes WHERE change = 'campaign_sent'`).Scan(&changes, &detail, &who); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"orders":19,"scheduled":%d,"held_out":%d,"already":0}`, 19-held, held)
		if changes != 1 || detail != want || who != "ann" {
			t.Errorf("changes %d %s by %s, want 1 %s by ann", changes, detail, who, want)
		}
		// The preview now says every order is decided.
		p, err := proactive.PreviewCampaign(ctx, db, r, campaignNow)
		if err != nil || p.Already != 19 || p.Reachable != 0 {
			t.Errorf("preview after sending: %+v %v", p, err)
		}
		// A sent campaign keeps its cohort.
		r.Scope.Carrier = "ShipFast"
		err = db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveCampaign(ctx, tx, r, "ann", campaignNow) })
		if domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("editing a sent campaign: %v", err)
		}
		list, err := proactive.ListCampaigns(ctx, db)
		if err != nil || len(list) != 1 || list[0].SentBy != "ann" || list[0].Scheduled != 19-held || list[0].HeldOut != held {
			t.Errorf("list %+v %v", list, err)
		}
	})
}

// A campaign needs a cohort and a text; a rule's name is not a campaign.
func TestCampaignRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		save := func(r *proactive.Rule) error {
			return db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveCampaign(ctx, tx, r, "ann", campaignNow) })
		}
		r := campaignRule("everyone", proactive.Scope{})
		r.Templates = nil
		if err := save(r); err == nil || !strings.Contains(err.Error(), "scope: is empty") || !strings.Contains(err.Error(), "templates: are missing") {
			t.Errorf("no cohort, no text: %v", err)
		}
		late := &proactive.Rule{Name: "late_shipment", Kind: proactive.KindLateShipment, HoldoutPct: 10}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveRule(ctx, tx, late, "ann", campaignNow) }); err != nil {
			t.Fatal(err)
		}
		if err := save(campaignRule("late_shipment", proactive.Scope{Carrier: "X"})); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("a campaign over a rule's name: %v", err)
		}
		if _, err := proactive.SendCampaign(ctx, db, "late_shipment", "ann", campaignNow); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("sending a rule as a campaign: %v", err)
		}
		if _, err := proactive.SendCampaign(ctx, db, "nope", "ann", campaignNow); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("sending no campaign: %v", err)
		}
	})
}
