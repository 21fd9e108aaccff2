package selfserve_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func claims(order, email string) selfserve.Claims {
	return selfserve.Claims{Order: order, Address: selfserve.EmailAddress(email)}
}

// Requests are checked against the policy: inside the window recorded,
// outside it refused with the reason, an order already returned, an
// excluded item, a cancel after shipping refused; a cancel before
// shipping recorded; the same request twice is one row.
func TestRequestsAgainstThePolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shop(t, db)
		ctx := context.Background()
		if err := selfserve.SavePolicy(ctx, db, map[string]string{selfserve.SettingExcluded: "Gift cards, sku:SOCK"}); err != nil {
			t.Fatal(err)
		}
		ret := func(lines ...selfserve.LineQuantity) selfserve.RequestInput {
			return selfserve.RequestInput{Kind: selfserve.KindReturn, Lines: lines, Reason: "Too small", Session: session}
		}
		cases := []struct {
			name         string
			claims       selfserve.Claims
			in           selfserve.RequestInput
			status, code string
			text         string
		}{
			{"inside the window", claims("#1001", "ana@example.com"), ret(selfserve.LineQuantity{Key: "TEE-M", Quantity: 1}), "requested", "", ""},
			{"outside the window", claims("1002", "ana@example.com"), ret(selfserve.LineQuantity{Key: "MUG", Quantity: 1}), "refused", "outside_window",
				"Returns are accepted within 30 days of delivery; for this order that ended on 5 October 2026."},
			{"already returned", claims("#1004", "bob@example.com"), ret(selfserve.LineQuantity{Key: "HAT", Quantity: 1}), "refused", "already_returned", "This order has already been returned."},
			{"excluded category", claims("#1001", "ana@example.com"), ret(selfserve.LineQuantity{Key: "GC-50", Quantity: 1}), "refused", "excluded_item",
				"Gift card cannot be returned (Gift cards are not returnable)."},
			{"excluded SKU", claims("#1001", "ana@example.com"), ret(selfserve.LineQuantity{Key: "SOCK-1", Quantity: 1}), "refused", "excluded_item",
				"Socks cannot be returned (items whose SKU starts with SOCK are not returnable)."},
			{"more than left", claims("#1001", "ana@example.com"), selfserve.RequestInput{Kind: "return", Lines: []selfserve.LineQuantity{{Key: "TEE-M", Quantity: 2}}}, "refused", "already_requested",
				"A return of Blue tee was already asked for."},
			{"cancel after shipping", claims("#1001", "ana@example.com"), selfserve.RequestInput{Kind: "cancel"}, "refused", "already_shipped",
				"This order has already shipped, so it can no longer be cancelled. Once it arrives you can return it."},
			{"return before shipping", claims("#1003", "ana@example.com"), ret(selfserve.LineQuantity{Key: "CAP", Quantity: 1}), "refused", "not_shipped",
				"This order has not shipped yet, so it cannot be returned: you can cancel it instead."},
			{"cancel before shipping", claims("#1003", "ana@example.com"), selfserve.RequestInput{Kind: "cancel", Reason: "Ordered twice"}, "requested", "", ""},
		}
		for _, c := range cases {
			r, err := selfserve.Submit(ctx, db, c.claims, c.in, now)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if r.Status != c.status || r.Refusal != c.code || r.RefusalText != c.text {
				t.Errorf("%s: %s %s %q, want %s %s %q", c.name, r.Status, r.Refusal, r.RefusalText, c.status, c.code, c.text)
			}
		}
		n := count(t, db, `SELECT COUNT(*) FROM selfserve_requests`)
		if _, err := selfserve.Submit(ctx, db, cases[0].claims, cases[0].in, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if again := count(t, db, `SELECT COUNT(*) FROM selfserve_requests`); again != n || n != len(cases) {
			t.Errorf("%d requests, then %d after sending one again; want %d", n, again, len(cases))
		}
		var lineKey string
		var qty int64
		if err := db.QueryRow(ctx, `SELECT l.line_key, l.quantity FROM selfserve_request_lines l JOIN selfserve_requests r ON r.id = l.request_id WHERE r.status = 'requested' AND r.kind = 'return'`).Scan(&lineKey, &qty); err != nil || lineKey != "TEE-M" || qty != 1 {
			t.Errorf("stored line %q × %d (%v)", lineKey, qty, err)
		}
		var kind, outcome string
		if err := db.QueryRow(ctx, `SELECT kind, outcome FROM self_service_sessions WHERE external_id = ?`, "web:"+session).Scan(&kind, &outcome); err != nil || kind != "return" || outcome != "resolved" {
			t.Errorf("session %s %s (%v)", kind, outcome, err)
		}

		// Bad input names the field and stores nothing.
		for _, bad := range []selfserve.RequestInput{
			{Kind: "exchange"},
			{Kind: "return"},
			{Kind: "return", Lines: []selfserve.LineQuantity{{Key: "TEE-M", Quantity: 3}}},
			{Kind: "return", Lines: []selfserve.LineQuantity{{Key: "NOPE", Quantity: 1}}},
			{Kind: "return", Lines: []selfserve.LineQuantity{{Key: "TEE-M", Quantity: 1}}, Reason: strings.Repeat("x", 2001)},
		} {
			if _, err := selfserve.Submit(ctx, db, claims("#1001", "ana@example.com"), bad, now); err == nil {
				t.Errorf("%+v was accepted", bad)
			}
		}
		// Someone else's order: the one not-found answer.
		if _, err := selfserve.Submit(ctx, db, claims("#1004", "ana@example.com"), ret(selfserve.LineQuantity{Key: "HAT", Quantity: 1}), now); !selfserve.IsNotFound(err) {
			t.Errorf("another's order: %v", err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM selfserve_requests`); got != n {
			t.Errorf("%d requests after bad input, want %d", got, n)
		}

		// The shop confirms: a return stored after the request, and the
		// cancellation of the order.
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if _, err := commerce.UpsertReturns(ctx, tx, []commerce.Return{{ExternalID: "r-5001", OrderExternalID: "5001", ReturnedAt: now.Add(48 * time.Hour)}}); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE orders SET status = 'cancelled', cancelled_at = ? WHERE external_id = '5003'`, now.Add(time.Hour).Unix())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		confirmed, err := selfserve.Requests(ctx, db, selfserve.ListOptions{Status: "confirmed"})
		if err != nil || len(confirmed) != 2 || confirmed[0].Order != "#1003" || confirmed[1].Order != "#1001" || confirmed[1].Lines[0].Title != "Blue tee" {
			t.Errorf("confirmed: %+v (%v)", confirmed, err)
		}
		if open, _ := selfserve.Requests(ctx, db, selfserve.ListOptions{Status: "requested"}); len(open) != 0 {
			t.Errorf("still requested: %+v", open)
		}
		if refused, _ := selfserve.Requests(ctx, db, selfserve.ListOptions{Status: "refused"}); len(refused) != 7 {
			t.Errorf("%d refused, want 7", len(refused))
		}
		if _, err := selfserve.Requests(ctx, db, selfserve.ListOptions{Status: "lost"}); err == nil || !strings.Contains(err.Error(), "status") {
			t.Errorf("bad status: %v", err)
		}
	})
}

// Asking a person makes one conversation with the request attached, even
// when asked twice; the request is escalated with it, and so is the
// session.
func TestEscalate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shop(t, db)
		ctx := context.Background()
		c := claims("#1002", "ana@example.com")
		r, err := selfserve.Submit(ctx, db, c, selfserve.RequestInput{Kind: "return", Lines: []selfserve.LineQuantity{{Key: "MUG", Quantity: 1}}, Reason: `<script>alert(1)</script> chipped`, Session: session}, now)
		if err != nil || r.Status != "refused" {
			t.Fatalf("%+v %v", r, err)
		}
		var first int64
		for i := range 2 {
			e, err := selfserve.Escalate(ctx, db, c, r.ID, session, now.Add(time.Duration(i)*time.Minute))
			if err != nil || e.Status != "escalated" || e.ConversationID == 0 {
				t.Fatalf("escalate %d: %+v %v", i+1, e, err)
			}
			if i == 0 {
				first = e.ConversationID
			} else if e.ConversationID != first {
				t.Errorf("second escalation made conversation %d, first %d", e.ConversationID, first)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM conversations`); n != 1 {
			t.Errorf("%d conversations, want 1", n)
		}
		var subject, body, channel, email string
		if err := db.QueryRow(ctx, `SELECT m.subject, m.body, m.channel, ci.value FROM messages m JOIN customer_identities ci ON ci.customer_id = m.customer_id AND ci.kind = 'email'`).Scan(&subject, &body, &channel, &email); err != nil {
			t.Fatal(err)
		}
		if subject != "Return request for order #1002" || channel != "email" || email != "ana@example.com" ||
			!strings.Contains(body, "1 × Mug") || !strings.Contains(body, "Refused: outside_window") || !strings.Contains(body, "Reason: <script>alert(1)</script> chipped") {
			t.Errorf("message %q %q %q:\n%s", subject, channel, email, body)
		}
		var outcome string
		var conv int64
		if err := db.QueryRow(ctx, `SELECT outcome, conversation_id FROM self_service_sessions WHERE external_id = ?`, "web:"+session).Scan(&outcome, &conv); err != nil || outcome != "escalated" || conv != first {
			t.Errorf("session %s %d (%v)", outcome, conv, err)
		}
		// Another's claims cannot escalate it.
		if _, err := selfserve.Escalate(ctx, db, claims("#1004", "bob@example.com"), r.ID, "", now); err == nil {
			t.Error("another customer escalated the request")
		}
	})
}

// The policy is stored only when every value reads.
func TestSavePolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := selfserve.LoadPolicy(ctx, db)
		if err != nil || p.WindowDays != 30 || p.ShippingPaidBy != "customer" || !p.CancelAllowed || len(p.Excluded) != 0 {
			t.Fatalf("defaults %+v %v", p, err)
		}
		err = selfserve.SavePolicy(ctx, db, map[string]string{selfserve.SettingWindowDays: "14", selfserve.SettingShippingPaidBy: "nobody"})
		if err == nil || !strings.Contains(err.Error(), "returns.shipping_paid_by") {
			t.Fatalf("bad value: %v", err)
		}
		if p, _ := selfserve.LoadPolicy(ctx, db); p.WindowDays != 30 {
			t.Errorf("half-written: window %d", p.WindowDays)
		}
		if err := selfserve.SavePolicy(ctx, db, map[string]string{selfserve.SettingWindowDays: "14", selfserve.SettingShippingPaidBy: "brand", selfserve.SettingCancelAllowed: "false", selfserve.SettingExcluded: "Underwear, sku:GC-"}); err != nil {
			t.Fatal(err)
		}
		p, err = selfserve.LoadPolicy(ctx, db)
		if err != nil || p.WindowDays != 14 || p.ShippingPaidBy != "brand" || p.CancelAllowed || strings.Join(p.Excluded, "|") != "Underwear|sku:GC-" {
			t.Errorf("saved %+v %v", p, err)
		}
	})
}
