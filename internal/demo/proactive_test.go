package demo

import (
	"context"
	"math"
	"testing"
	"time"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestProactiveStory: the brand switched the late-shipment rule on for
// ParcelNow ProactiveWeeks before the end; every late ParcelNow parcel from
// then on has exactly one decision, held out by proactive.HeldOut's choice
// or notified by an e-mail on the customer's timeline, and notified orders
// have fewer contacts per order than held-out ones, with a 95% interval
// that excludes zero.
func TestProactiveStory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sum := generate(t, db, Options{Seed: 5, Orders: 16_000, Weeks: 10, noDesk: true})
		zone := mustZone(t)
		end := time.Date(2026, 11, 23, 0, 0, 0, 0, zone).Unix()
		start := time.Date(2026, 11, 23, 0, 0, 0, 0, zone).AddDate(0, 0, -7*min(ProactiveWeeks, 10)).Unix() // the switch, ProactiveWeeks (at most the 10 shown) before
		if sum.Notices == 0 {
			t.Fatalf("summary %+v: no notices", sum)
		}

		// The rule as switched on, and the change the weekly review lists.
		r, err := proactive.GetRule(ctx, db, ProactiveRule)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Enabled || r.DryRun || r.Kind != proactive.KindLateShipment || r.HoldoutPct != ProactiveHoldoutPct || r.Scope != (proactive.Scope{Carrier: LateCarrier}) || len(r.Templates) == 0 {
			t.Errorf("rule %+v: want late_shipment enabled for %s holding out %d%%, with its texts", r, LateCarrier, ProactiveHoldoutPct)
		}
		var changes, changeAt float64
		changes = q(t, db, `SELECT COUNT(*) FROM proactive_rule_changes`)
		changeAt = q(t, db, `SELECT MIN(at) FROM proactive_rule_changes WHERE change = 'enabled'`)
		if changes != 1 || int64(changeAt) != start {
			t.Errorf("%v rule changes, enabled at %v: want one, at %d", changes, changeAt, start)
		}

		// Exactly the late ParcelNow parcels that turned late (their delay
		// event, else their promise) since the switch have a decision.
		type row struct {
			ext                string
			decided, due, sent *int64
			heldOut            bool
			status, channel    string
			messageID          *int64
			contacts, wismo    int
			author, msgChannel string
			msgAt              *int64
			msgContact         *int64
		}
		rows, err := db.Query(ctx, `SELECT o.external_id, d.decided_at, d.due_at, d.sent_at, d.held_out, d.status, d.channel, d.message_id,
				(SELECT COUNT(*) FROM contacts c WHERE c.order_id = o.id),
				(SELECT COUNT(*) FROM contacts c WHERE c.order_id = o.id AND c.topic = 'where_is_my_order'),
				COALESCE(m.author, ''), COALESCE(m.channel, ''), m.at, m.contact_id
			FROM proactive_decisions d JOIN orders o ON o.id = d.order_id LEFT JOIN messages m ON m.id = d.message_id
			WHERE d.rule = ? ORDER BY o.external_id`, ProactiveRule)
		if err != nil {
			t.Fatal(err)
		}
		var decisions []row
		for rows.Next() {
			var x row
			if err := rows.Scan(&x.ext, &x.decided, &x.due, &x.sent, &x.heldOut, &x.status, &x.channel, &x.messageID, &x.contacts, &x.wismo,
				&x.author, &x.msgChannel, &x.msgAt, &x.msgContact); err != nil {
				t.Fatal(err)
			}
			decisions = append(decisions, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		erows, err := db.Query(ctx, `SELECT o.external_id FROM orders o
			WHERE o.carrier = ? AND o.status NOT IN ('cancelled', 'test') AND o.promised_delivery_at IS NOT NULL
			AND (o.delivered_at IS NULL OR o.delivered_at > o.promised_delivery_at)
			AND COALESCE((SELECT MIN(e.at) FROM fulfillment_events e WHERE e.order_id = o.id AND e.kind = 'delayed' AND e.at < o.promised_delivery_at), o.promised_delivery_at) >= ?
			AND COALESCE((SELECT MIN(e.at) FROM fulfillment_events e WHERE e.order_id = o.id AND e.kind = 'delayed' AND e.at < o.promised_delivery_at), o.promised_delivery_at) < ?`,
			LateCarrier, start, end)
		if err != nil {
			t.Fatal(err)
		}
		for erows.Next() {
			var ext string
			erows.Scan(&ext)
			want[ext] = true
		}
		erows.Close()
		if len(decisions) != len(want) {
			t.Errorf("%d decisions, want one for each of the %d late %s orders since the switch", len(decisions), len(want), LateCarrier)
		}
		var n, h struct {
			orders                   int
			contacts, sq, wismoOrder float64
		}
		for _, d := range decisions {
			if !want[d.ext] {
				t.Errorf("order %s has a decision but is no late %s order since the switch", d.ext, LateCarrier)
			}
			if d.decided == nil || *d.decided < start || *d.decided >= end {
				t.Errorf("order %s decided at %v, want between %d and %d", d.ext, d.decided, start, end)
			}
			if d.heldOut != proactive.HeldOut(d.ext, ProactiveRule, ProactiveHoldoutPct) {
				t.Errorf("order %s held out %v, proactive.HeldOut says otherwise", d.ext, d.heldOut)
			}
			switch {
			case d.heldOut:
				if d.status != proactive.StatusHeldOut || d.messageID != nil || d.sent != nil || d.due != nil {
					t.Errorf("held-out order %s: status %s, message %v, sent %v, due %v", d.ext, d.status, d.messageID, d.sent, d.due)
				}
			case d.status == proactive.StatusScheduled:
				if d.due == nil || *d.due < end || d.messageID != nil {
					t.Errorf("order %s scheduled, due %v: only a notice due after the end is not sent", d.ext, d.due)
				}
			default:
				if d.status != proactive.StatusSent || d.channel != "email" || d.messageID == nil || d.author != "proactive" || d.msgChannel != "email" ||
					d.sent == nil || d.msgAt == nil || *d.msgAt != *d.sent || *d.sent < *d.decided || d.msgContact != nil {
					t.Errorf("notified order %s: %+v: want sent by e-mail, a proactive message at the time sent that is no contact", d.ext, d)
				}
			}
			g := &n
			if d.heldOut {
				g = &h
			} else if d.status != proactive.StatusSent {
				continue
			}
			g.orders++
			g.contacts += float64(d.contacts)
			g.sq += float64(d.contacts * d.contacts)
			if d.wismo > 0 {
				g.wismoOrder++
			}
		}
		if m := q(t, db, `SELECT COUNT(*) FROM messages WHERE author = 'proactive'`); int(m) != n.orders || int64(m) != sum.Notices {
			t.Errorf("%v proactive messages, %d orders notified, summary %d", m, n.orders, sum.Notices)
		}

		// The effect, as the holdout report works it out: contacts per
		// order notified minus held out, with a normal 95% interval.
		if h.orders < 100 || n.orders < 2*h.orders {
			t.Fatalf("%d notified and %d held-out orders: too few to measure", n.orders, h.orders)
		}
		mean := func(s float64, k int) float64 { return s / float64(k) }
		variance := func(s, sq float64, k int) float64 { m := mean(s, k); return (sq - float64(k)*m*m) / float64(k-1) }
		diff := mean(n.contacts, n.orders) - mean(h.contacts, h.orders)
		se := math.Sqrt(variance(n.contacts, n.sq, n.orders)/float64(n.orders) + variance(h.contacts, h.sq, h.orders)/float64(h.orders))
		lo, hi := diff-1.96*se, diff+1.96*se
		wn, wh := n.wismoOrder/float64(n.orders), h.wismoOrder/float64(h.orders)
		t.Logf("notified %d orders, CPO %.3f, WISMO rate %.3f; held out %d, CPO %.3f, WISMO rate %.3f; difference %.3f [%.3f, %.3f]",
			n.orders, mean(n.contacts, n.orders), wn, h.orders, mean(h.contacts, h.orders), wh, diff, lo, hi)
		if hi >= 0 {
			t.Errorf("difference in contacts per order %.3f, 95%% interval [%.3f, %.3f]: want it below zero", diff, lo, hi)
		}
		if wn >= wh*(1-ProactiveWISMOCut/2) {
			t.Errorf("where-is-my-order rate notified %.3f, held out %.3f: want notified well below", wn, wh)
		}

		// The product's own holdout report says the same: known, lower.
		rep, err := proactive.BuildReport(ctx, db, ProactiveRule, time.Unix(start, 0), time.Unix(end, 0), testNow)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("report: eligible %d, pending %d, notified %+v, held out %+v, difference %+v, known %v", rep.Eligible, rep.Pending, rep.Notified, rep.HeldOut, rep.Difference, rep.Known)
		if !rep.Known || rep.Difference.CI95[1] >= 0 || rep.Notified.WismoRate >= rep.HeldOut.WismoRate || rep.HeldOut.Orders < 40 {
			t.Errorf("report %+v: want a known effect, the interval below zero, notified WISMO rate lower", rep)
		}
	})
}

// TestProactiveLeavesTheRestAlone: the story draws from a stream of its
// own, so the store is the same without it up to the switch, and after it
// only where-is-my-order contacts are missing.
func TestProactiveLeavesTheRestAlone(t *testing.T) {
	collect := func(noNotices bool) (*gen, map[string]string, int) {
		opt, _ := Options{Seed: 9, Orders: 4000, Weeks: 10, Now: testNow, noNotices: noNotices, chunkOrders: 1000}.withDefaults()
		g, err := newGen(opt)
		if err != nil {
			t.Fatal(err)
		}
		contacts := map[string]string{}
		chunks := make(chan *chunk, 1)
		go func() {
			if err := g.run(context.Background(), chunks); err != nil {
				t.Error(err)
			}
			close(chunks)
		}()
		orders := 0
		for c := range chunks {
			orders += len(c.orders)
			for _, k := range c.contacts {
				contacts[k.ExternalID] = k.Topic + " " + k.StartedAt.String() + " " + k.Text
			}
		}
		return g, contacts, orders
	}
	with, a, ao := collect(false)
	_, b, bo := collect(true)
	if ao != bo {
		t.Fatalf("%d orders with the story, %d without", ao, bo)
	}
	var missing int
	for id, v := range b {
		w, ok := a[id]
		switch {
		case !ok:
			missing++
			if v[:len(TopicWhereIsMyOrder)] != TopicWhereIsMyOrder {
				t.Errorf("contact %s (%s) is missing with the story: only where-is-my-order contacts may be", id, v)
			}
		case w != v:
			t.Errorf("contact %s differs:\n%s\n%s", id, w, v)
		}
	}
	if len(a)+missing != len(b) || missing == 0 {
		t.Errorf("%d contacts with the story, %d without, %d missing", len(a), len(b), missing)
	}
	if len(with.notices) == 0 {
		t.Error("no decisions")
	}
}
