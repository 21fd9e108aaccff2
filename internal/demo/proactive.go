package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// Story 6 — speaking first (docs/proactive.md). ProactiveWeeks before the
// end, the brand switches on the late-shipment rule for ParcelNow, holding
// out ProactiveHoldoutPct of the eligible orders, as a trial it switches
// off again after ProactiveTrialWeeks. During the trial every late
// ParcelNow parcel gets a decision when it turns late (its carrier's delay
// event, else its promised date): held out by proactive.HeldOut's choice,
// or sent an e-mail notice that lands on the customer's timeline. A
// notified customer chases the parcel far less: each of their
// where-is-my-order contacts after the notice happens only
// 1-ProactiveWISMOCut of the time. Held-out orders are untouched, so the
// holdout report shows the effect with an interval that excludes zero.
//
// The choices are drawn from a stream of their own (pr) after everything
// the main stream draws for a contact, so the store is the same as without
// the story up to each notice, and only the contacts it prevents are gone.
const (
	ProactiveRule  = proactive.KindLateShipment
	ProactiveWeeks = 22
	// The rule ran as a trial of ProactiveTrialWeeks and was switched off
	// again: the weeks since show ParcelNow's late parcels driving contacts
	// and the alert firing, while the trial's holdout shows what notices do.
	ProactiveTrialWeeks = 10
	ProactiveHoldoutPct = 20
	ProactiveWISMOCut   = 0.6
	// No notice goes out before this local hour (the brand's quiet hours
	// end at 8:00): a delay reported at dawn is told after breakfast.
	proactiveFirstHour = 8
)

// demoRule is the product's default late-shipment rule (its texts in
// English and French on every channel) as the brand switched it on for
// ParcelNow.
func demoRule() *proactive.Rule {
	for _, r := range proactive.DefaultRules() {
		if r.Name == ProactiveRule {
			r.Enabled, r.HoldoutPct, r.Scope = true, ProactiveHoldoutPct, proactive.Scope{Carrier: LateCarrier}
			return r
		}
	}
	panic("demo: the product has no default " + ProactiveRule + " rule")
}

// notice is one late ParcelNow order's decision under the rule.
type notice struct {
	orderExt  string
	customer  commerce.CustomerRef
	decidedAt int64
	dueAt     int64 // when it may go out: 0 when held out
	sentAt    int64 // 0 when held out or not yet sent
	heldOut   bool
	subject   string
	body      string
}

func (g *gen) proactiveRand() *rand.Rand {
	if g.pr == nil {
		g.pr = rand.New(rand.NewPCG(g.opt.Seed, 0x70ac71fe))
	}
	return g.pr
}

// proactiveStart is when the rule was switched on: the Monday
// ProactiveWeeks (at most the weeks shown) before the end.
func (g *gen) proactiveStart() int64 {
	return g.days[g.endDay-7*min(ProactiveWeeks, g.opt.Weeks)].start
}

// proactiveStop is when the trial ended and the rule was switched off
// (the end, when the weeks shown are fewer than the trial's).
func (g *gen) proactiveStop() int64 {
	i := g.endDay - 7*min(ProactiveWeeks, g.opt.Weeks) + 7*ProactiveTrialWeeks
	if i >= g.endDay {
		return g.end
	}
	return g.days[i].start
}

// decideNotice decides a shipped order under the rule, once its life is
// known, and returns when its notice went out (0: none).
func (g *gen) decideNotice(o *commerce.Order, life *orderLife) int64 {
	if g.opt.noNotices || o.Carrier != LateCarrier || !life.late || life.cancelled != 0 || o.Status == "test" {
		return 0
	}
	decided := life.promised
	if life.delayed != 0 && life.delayed < decided {
		decided = life.delayed
	}
	if decided < g.proactiveStart() || decided >= g.proactiveStop() {
		return 0
	}
	n := notice{orderExt: o.ExternalID, customer: o.Customer, decidedAt: decided, heldOut: proactive.HeldOut(o.ExternalID, ProactiveRule, ProactiveHoldoutPct)}
	if n.heldOut {
		g.notices = append(g.notices, n)
		return 0
	}
	n.dueAt = decided
	if d := &g.days[g.dayOf(decided)]; n.dueAt < d.start+proactiveFirstHour*hour {
		n.dueAt = d.start + proactiveFirstHour*hour + g.proactiveRand().Int64N(30*60)
	}
	if n.dueAt >= g.end {
		g.notices = append(g.notices, n) // due after the end: not sent yet
		return 0
	}
	n.sentAt = n.dueAt
	first := ""
	if f := o.Customer.Name; f != "" {
		first = firstName(f)
	}
	items := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		items[i] = strconv.FormatInt(l.Quantity, 10) + " × " + l.Product
	}
	data := proactive.NoticeData{OrderName: o.Name, FirstName: first, Carrier: o.Carrier, PromisedDate: o.PromisedDeliveryAt.In(g.loc).Format("Jan 2"),
		Items: items, Brand: BrandName}
	var err error
	if n.subject, n.body, err = proactive.Render(g.noticeTemplate(), data); err != nil {
		panic(fmt.Sprintf("demo: the late-shipment notice does not render: %v", err)) // the template is the program's own
	}
	g.notices = append(g.notices, n)
	g.stats.Notices++
	return n.sentAt
}

// noticeTemplate is the rule's English e-mail text.
func (g *gen) noticeTemplate() proactive.Template {
	if g.noticeText == nil {
		for _, t := range demoRule().Templates {
			if t.Channel == "email" && t.Locale == "en" {
				g.noticeText = &t
			}
		}
	}
	return *g.noticeText
}

// preventedWISMO reports whether a where-is-my-order contact at `at` about
// the order being generated does not happen, because its customer was told
// first. Called after every draw the contact makes from the main stream.
func (g *gen) preventedWISMO(t topic, at int64) bool {
	return t == tWISMO && g.noticeAt != 0 && at >= g.noticeAt && g.proactiveRand().Float64() < ProactiveWISMOCut
}

// writeProactive stores the rule as the brand switched it on, and each
// decision with its notice, in time order, through the desk's own message
// path: the notice is on the customer's timeline, outbound, and no contact.
func writeProactive(ctx context.Context, db *store.DB, customers *commerce.Customers, g *gen) error {
	if g.opt.noNotices {
		return nil
	}
	start := time.Unix(g.proactiveStart(), 0)
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		return proactive.SaveRule(ctx, tx, demoRule(), "Dana", start)
	}); err != nil {
		return fmt.Errorf("switch on the late-shipment rule: %w", err)
	}
	if stop := g.proactiveStop(); stop < g.end {
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := proactive.SetEnabled(ctx, tx, ProactiveRule, false, "Dana", time.Unix(stop, 0))
			return err
		}); err != nil {
			return fmt.Errorf("end the late-shipment trial: %w", err)
		}
	}
	notices := g.notices
	slices.SortStableFunc(notices, func(a, b notice) int { return int(a.decidedAt - b.decidedAt) })
	const batch = 2000
	for from := 0; from < len(notices); from += batch {
		part := notices[from:min(from+batch, len(notices))]
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			for i := range part {
				if err := writeNotice(ctx, tx, customers, &part[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			customers.Discard()
			return err
		}
		customers.Commit()
	}
	return nil
}

func writeNotice(ctx context.Context, tx *store.Tx, customers *commerce.Customers, n *notice) error {
	var orderID int64
	if err := tx.QueryRow(ctx, `SELECT id FROM orders WHERE external_id = ?`, n.orderExt).Scan(&orderID); err != nil {
		return fmt.Errorf("notice for order %s: %w", n.orderExt, err)
	}
	if n.heldOut || n.sentAt == 0 {
		status := proactive.StatusHeldOut
		if !n.heldOut {
			status = proactive.StatusScheduled // due after the end: not sent yet
		}
		_, err := tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, due_at) VALUES (?, ?, ?, ?, ?, ?)`,
			orderID, ProactiveRule, n.decidedAt, n.heldOut, status, nullable(n.dueAt))
		return err
	}
	rec, err := desk.RecordMessage(ctx, tx, customers, desk.Message{ExternalID: "N" + n.orderExt, Customer: n.customer, Channel: "email", Author: "proactive",
		Subject: n.subject, Body: n.body, At: time.Unix(n.sentAt, 0), OrderExternalID: n.orderExt, Status: "sent"})
	if err != nil {
		return fmt.Errorf("notice for order %s: %w", n.orderExt, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, due_at, sent_at, channel, message_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orderID, ProactiveRule, n.decidedAt, false, proactive.StatusSent, n.dueAt, n.sentAt, "email", rec.MessageID)
	return err
}
