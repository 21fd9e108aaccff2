package proactive_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func nov(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }

// order is one order of an engine test.
type engOrder struct {
	ext, country, email, phone string
	placed                     time.Time
	promised                   *time.Time
}

func engAt(t time.Time) *time.Time { return &t }

// addOrder stores an order and its customer (an email and a phone
// identity when given) and returns the customer's id.
func engAddOrder(t *testing.T, db *store.DB, o engOrder) int64 {
	t.Helper()
	ctx := context.Background()
	var cid int64
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES (?, 0) RETURNING id`, "Ann "+o.ext).Scan(&cid); err != nil {
			return err
		}
		for kind, v := range map[string]string{"email": o.email, "phone": o.phone} {
			if v != "" {
				if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES (?, ?, ?)`, kind, v, cid); err != nil {
					return err
				}
			}
		}
		var promised any
		if o.promised != nil {
			promised = o.promised.Unix()
		}
		_, err := tx.Exec(ctx, `INSERT INTO orders (external_id, name, customer_id, placed_at, carrier, country, promised_delivery_at) VALUES (?, ?, ?, ?, 'ParcelNow', ?, ?)`,
			o.ext, o.ext, cid, o.placed.Unix(), o.country, promised)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cid
}

func engAddEvent(t *testing.T, db *store.DB, ext, kind string, when time.Time, detail string) {
	t.Helper()
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		_, err := commerce.AddFulfillmentEvents(context.Background(), tx, []commerce.FulfillmentEvent{{OrderExternalID: ext, Kind: kind, At: when, Detail: detail}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func engSaveRule(t *testing.T, db *store.DB, r *proactive.Rule) {
	t.Helper()
	r.Enabled = true
	if r.Templates == nil {
		r.Templates = []proactive.Template{
			{Channel: "email", Locale: "en", Subject: "Order {{.OrderName}}", Body: "Hi {{.FirstName}}, order {{.OrderName}} with {{.Carrier}} is late."},
			{Channel: "sms", Locale: "en", Body: "Order {{.OrderName}} is late."},
			{Channel: "whatsapp", Locale: "en", Body: "WhatsApp: order {{.OrderName}} is late."},
			{Channel: "chat", Locale: "en", Body: "Chat: order {{.OrderName}} is late."},
		}
	}
	if err := db.WriteTx(context.Background(), func(tx *store.Tx) error { return proactive.SaveRule(context.Background(), tx, r, "test", nov(1, 0)) }); err != nil {
		t.Fatal(err)
	}
}

// decisions lists the stored decisions as "ORDER RULE STATUS due=TIME
// channel=CH", sorted.
func engDecisions(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT o.external_id, d.rule, d.status, COALESCE(d.due_at, 0), d.channel FROM proactive_decisions d JOIN orders o ON o.id = d.order_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ext, rule, status, channel string
		var due int64
		if err := rows.Scan(&ext, &rule, &status, &due, &channel); err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("%s %s %s", ext, rule, status)
		if due != 0 {
			s += " due=" + time.Unix(due, 0).UTC().Format("02T15:04")
		}
		if channel != "" {
			s += " on " + channel
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func engEvaluate(t *testing.T, db *store.DB, now time.Time) proactive.EvalResult {
	t.Helper()
	res, err := proactive.Evaluate(context.Background(), db, now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func engSame(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// Orders walk through their events under an injected clock: late only
// once the promised date passed without a delivery, an exception at
// once, never for an order already delivered (even when a delay event
// arrives after the delivery), timed after quiet hours in the customer's
// zone, and decided once.
func TestEvaluateWalksOrdersThroughTheirEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		engSaveRule(t, db, &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment})
		engSaveRule(t, db, &proactive.Rule{Name: "exception", Kind: proactive.KindCarrierException})
		engSaveRule(t, db, &proactive.Rule{Name: "backorder", Kind: proactive.KindBackorder, Enabled: true})
		promised := engAt(nov(22, 12))
		engAddOrder(t, db, engOrder{ext: "A", country: "FR", placed: nov(18, 9), promised: promised})           // late
		engAddOrder(t, db, engOrder{ext: "B", country: "FR", placed: nov(18, 9), promised: promised})           // delivered early
		engAddOrder(t, db, engOrder{ext: "C", country: "FR", placed: nov(18, 9), promised: promised})           // delivered, then a late "delayed"
		engAddOrder(t, db, engOrder{ext: "D", country: "DE", placed: nov(18, 9), promised: engAt(nov(30, 12))}) // lost
		engAddOrder(t, db, engOrder{ext: "E", country: "US", placed: nov(18, 9), promised: promised})           // late, at night in New York
		engAddOrder(t, db, engOrder{ext: "F", country: "FR", placed: nov(18, 9), promised: engAt(nov(30, 12))}) // backordered
		engAddOrder(t, db, engOrder{ext: "G", country: "FR", placed: nov(18, 9), promised: engAt(nov(30, 12))}) // delayed, then delivered before the run

		// Before the promised date: nothing.
		engAddEvent(t, db, "B", "delivered", nov(21, 15), "")
		engAddEvent(t, db, "C", "delivered", nov(21, 16), "")
		if res := engEvaluate(t, db, nov(21, 20)); len(res.Decisions) != 0 {
			t.Fatalf("before any promise passed: %+v", res.Decisions)
		}
		engAddEvent(t, db, "C", "delayed", nov(21, 12), "weather") // carrier's delay scan, arriving after the delivery
		engAddEvent(t, db, "D", "exception", nov(23, 9), "lost in transit")
		engAddEvent(t, db, "F", "backordered", nov(23, 9), "TEE-M out of stock")
		engAddEvent(t, db, "G", "delayed", nov(23, 8), "")
		engAddEvent(t, db, "G", "delivered", nov(23, 9), "")
		res := engEvaluate(t, db, nov(23, 10)) // 11:00 in Paris, 05:00 in New York
		engSame(t, "decisions", engDecisions(t, db), []string{
			"A late scheduled due=23T10:00",
			"D exception scheduled due=23T10:00",
			"E late scheduled due=23T13:00", // 08:00 in New York
			"F backorder scheduled due=23T10:00",
		})
		if len(res.Decisions) != 4 || res.Count(proactive.StatusScheduled) != 4 {
			t.Errorf("result %+v", res)
		}
		// A second run, later events for decided orders: nothing new.
		engAddEvent(t, db, "A", "delayed", nov(23, 11), "")
		if res := engEvaluate(t, db, nov(23, 12)); len(res.Decisions) != 0 {
			t.Errorf("second run decided %+v", res.Decisions)
		}
		// A delivery stored after the decision: the notice is skipped
		// when it falls due, not sent.
		engAddEvent(t, db, "E", "delivered", nov(23, 12), "")
		sent, err := proactive.SendDue(context.Background(), db, nov(23, 14))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range sent.Decisions {
			if d.OrderExternalID == "E" && (d.Status != proactive.StatusSkipped || !strings.Contains(d.Reason, "delivered")) {
				t.Errorf("E after its delivery: %+v", d)
			}
		}
	})
}

// The holdout is exactly HeldOut's choice, and held-out orders get no
// due time.
func TestEvaluateHoldsOutByTheStableHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		engSaveRule(t, db, &proactive.Rule{Name: "late_shipment", Kind: proactive.KindLateShipment, HoldoutPct: 30})
		var want []string
		for i := range 40 {
			ext := fmt.Sprintf("#%d", 3000+i)
			engAddOrder(t, db, engOrder{ext: ext, country: "GB", placed: nov(15, 9), promised: engAt(nov(22, 12))})
			if proactive.HeldOut(ext, "late_shipment", 30) {
				want = append(want, ext+" late_shipment held_out")
			} else {
				want = append(want, ext+" late_shipment scheduled due=23T10:00")
			}
		}
		sort.Strings(want)
		res := engEvaluate(t, db, nov(23, 10))
		engSame(t, "decisions", engDecisions(t, db), want)
		if h := res.Count(proactive.StatusHeldOut); h == 0 || h == 40 {
			t.Errorf("%d of 40 held out", h)
		}
	})
}

// Scope narrows a rule: carrier, country, SKU (the order's or a line's,
// with a prefix), and the placed range.
func TestEvaluateRespectsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		engSaveRule(t, db, &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, Scope: proactive.Scope{Carrier: "parcelnow", Country: "FR", SKU: "TEE-*", PlacedFrom: "2026-11-18", PlacedTo: "2026-11-19"}})
		for _, o := range []engOrder{
			{ext: "in", country: "FR", placed: nov(18, 9)},
			{ext: "de", country: "DE", placed: nov(18, 9)},
			{ext: "early", country: "FR", placed: nov(17, 9)},
			{ext: "mug", country: "FR", placed: nov(19, 9)},
		} {
			o.promised = engAt(nov(22, 12))
			engAddOrder(t, db, o)
			sku := "TEE-M"
			if o.ext == "mug" {
				sku = "MUG-1"
			}
			if _, err := db.Exec(context.Background(), `INSERT INTO order_lines (order_id, line_key, sku, quantity, unit_price) SELECT id, '1', ?, 1, 100 FROM orders WHERE external_id = ?`, sku, o.ext); err != nil {
				t.Fatal(err)
			}
		}
		engEvaluate(t, db, nov(23, 10))
		engSame(t, "decisions", engDecisions(t, db), []string{"in late scheduled due=23T10:00"})
	})
}

func engSetSupport(t *testing.T, db *store.DB) {
	t.Helper()
	if err := db.SetSetting(context.Background(), desk.SettingSupportAddresses, "help@shop.example"); err != nil {
		t.Fatal(err)
	}
}

// inbound records a customer's message on a channel.
func engInbound(t *testing.T, db *store.DB, m desk.Message) int64 {
	t.Helper()
	var conv int64
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		m.Author = "customer"
		if m.Received.IsZero() {
			m.Received = m.At
		}
		rec, err := desk.RecordMessage(context.Background(), tx, commerce.NewCustomers(clock.Fixed(m.At)), m)
		conv = rec.ConversationID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// Sending: each notice on the customer's channel (the one they last wrote
// on, else email, else SMS), recorded on their conversation as a proactive
// message and queued in the outbox with the conversation's reply address;
// opted-out numbers and capped customers skipped with the reason; a dry
// run keeps the text; a delivery the outbox gives up on makes the notice
// failed and shows failed on the timeline.
func TestSendDueChannelsAndSafety(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		engSetSupport(t, db)
		if err := db.SetSetting(ctx, proactive.SettingQuietHours, "off"); err != nil {
			t.Fatal(err)
		}
		engSaveRule(t, db, &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment})
		now := nov(23, 10)
		late := engAt(nov(22, 12))
		engAddOrder(t, db, engOrder{ext: "mail", email: "ann@example.com", placed: nov(18, 9), promised: late})
		engAddOrder(t, db, engOrder{ext: "phone", phone: "+15550001111", placed: nov(18, 9), promised: late})
		engAddOrder(t, db, engOrder{ext: "stopped", phone: "+15550002222", placed: nov(18, 9), promised: late})
		wa := engAddOrder(t, db, engOrder{ext: "wa", email: "wa@example.com", phone: "+15550003333", placed: nov(18, 9), promised: late})
		engAddOrder(t, db, engOrder{ext: "chat", email: "chat@example.com", placed: nov(18, 9), promised: late})
		engAddOrder(t, db, engOrder{ext: "nobody", placed: nov(18, 9), promised: late})
		twice := engAddOrder(t, db, engOrder{ext: "twice-1", email: "bo@example.com", placed: nov(18, 9), promised: late})
		if _, err := db.Exec(ctx, `INSERT INTO orders (external_id, name, customer_id, placed_at, promised_delivery_at) VALUES ('twice-2', 'twice-2', ?, ?, ?)`, twice, nov(18, 9).Unix(), late.Unix()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO opt_outs (address, reason, opted_out_at) VALUES ('+15550002222', 'STOP', ?)`, nov(20, 0).Unix()); err != nil {
			t.Fatal(err)
		}
		mailConv := engInbound(t, db, desk.Message{ExternalID: "in-1", Customer: commerce.CustomerRef{Email: "ann@example.com"}, Channel: "email", FromAddr: "Ann <ann@example.com>", Subject: "Hello", Body: "hi", At: nov(19, 9)})
		engInbound(t, db, desk.Message{ExternalID: "in-2", Customer: commerce.CustomerRef{Phone: "+15550003333"}, Channel: "social", Via: "whatsapp", FromAddr: "whatsapp:+15550003333", Body: "hi", At: nov(19, 9)})
		chatConv := engInbound(t, db, desk.Message{ExternalID: "in-3", Customer: commerce.CustomerRef{Email: "chat@example.com"}, Channel: "chat", SessionID: "s1", Body: "anyone?", At: now.Add(-time.Minute)})

		engEvaluate(t, db, now)
		res, err := proactive.SendDue(ctx, db, now)
		if err != nil {
			t.Fatal(err)
		}
		got := engDecisions(t, db)
		engSame(t, "decisions", got, []string{
			"chat late sent due=23T10:00 on chat",
			"mail late sent due=23T10:00 on email",
			"nobody late skipped due=23T10:00",
			"phone late sent due=23T10:00 on sms",
			"stopped late skipped due=23T10:00 on sms",
			"twice-1 late sent due=23T10:00 on email",
			"twice-2 late skipped due=23T10:00 on email",
			"wa late sent due=23T10:00 on whatsapp",
		})
		if res.Count(proactive.StatusSent) != 5 || res.Count(proactive.StatusSkipped) != 3 {
			t.Errorf("result %+v", res)
		}
		reasons := map[string]string{}
		rows, err := db.Query(ctx, `SELECT o.external_id, d.reason FROM proactive_decisions d JOIN orders o ON o.id = d.order_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ext, reason string
			rows.Scan(&ext, &reason)
			reasons[ext] = reason
		}
		rows.Close()
		for ext, want := range map[string]string{"stopped": "+15550002222 opted out on 2026-11-20 (STOP)", "twice-2": "daily cap: the customer got 1 notice(s)", "nobody": "no channel"} {
			if !strings.HasPrefix(reasons[ext], want) {
				t.Errorf("%s skipped for %q, want %q…", ext, reasons[ext], want)
			}
		}

		// The email notice: on Ann's conversation, queued with its reply
		// address, rendered.
		var conv, deliveryID int64
		var author, channel, body, target, replyTo, subject string
		if err := db.QueryRow(ctx, `SELECT m.conversation_id, m.author, m.channel, m.body, dl.id, dl.target, dl.reply_to, dl.subject FROM messages m JOIN deliveries dl ON dl.id = m.delivery_id
			WHERE m.external_id = 'proactive:late:mail'`).Scan(&conv, &author, &channel, &body, &deliveryID, &target, &replyTo, &subject); err != nil {
			t.Fatal(err)
		}
		if conv != mailConv || author != "proactive" || channel != "email" || target != "ann@example.com" || !strings.HasPrefix(replyTo, "help+") || subject != "Order mail" ||
			body != "Hi Ann, order mail with ParcelNow is late." {
			t.Errorf("email notice: conv %d (want %d) %s %s %q to %s reply-to %s %q", conv, mailConv, author, channel, body, target, replyTo, subject)
		}
		var token string
		db.QueryRow(ctx, `SELECT reply_token FROM conversations WHERE id = ?`, conv).Scan(&token)
		if replyTo != "help+"+token+"@shop.example" {
			t.Errorf("reply-to %s, conversation token %s", replyTo, token)
		}
		// SMS and WhatsApp through Twilio; chat on the visitor's
		// conversation, with no delivery.
		for ext, want := range map[string]string{"phone": "twilio +15550001111", "wa": "twilio whatsapp:+15550003333"} {
			var ch, tg string
			if err := db.QueryRow(ctx, `SELECT dl.channel, dl.target FROM messages m JOIN deliveries dl ON dl.id = m.delivery_id WHERE m.external_id = ?`, "proactive:late:"+ext).Scan(&ch, &tg); err != nil || ch+" "+tg != want {
				t.Errorf("%s: %s %s %v", ext, ch, tg, err)
			}
		}
		var chatMsgConv int64
		if err := db.QueryRow(ctx, `SELECT conversation_id FROM messages WHERE external_id = 'proactive:late:chat' AND delivery_id IS NULL AND channel = 'chat'`).Scan(&chatMsgConv); err != nil || chatMsgConv != chatConv {
			t.Errorf("chat notice on %d (want %d): %v", chatMsgConv, chatConv, err)
		}
		var waCustomer int64
		db.QueryRow(ctx, `SELECT customer_id FROM messages WHERE external_id = 'proactive:late:wa'`).Scan(&waCustomer)
		if waCustomer != wa {
			t.Errorf("whatsapp notice for customer %d, want %d", waCustomer, wa)
		}

		// The relay refuses the address for good: the notice ends failed
		// and the timeline shows the message failed.
		if _, err := db.Exec(ctx, `UPDATE deliveries SET status = 'failed', attempts = 1, last_error = '550 5.1.1 no such user' WHERE id = ?`, deliveryID); err != nil {
			t.Fatal(err)
		}
		res, err = proactive.SendDue(ctx, db, now.Add(time.Minute))
		if err != nil || res.Failed != 1 {
			t.Fatalf("failed %d, %v", res.Failed, err)
		}
		var status, reason, shown string
		db.QueryRow(ctx, `SELECT d.status, d.reason FROM proactive_decisions d JOIN orders o ON o.id = d.order_id WHERE o.external_id = 'mail'`).Scan(&status, &reason)
		if status != proactive.StatusFailed || reason != "delivery failed: 550 5.1.1 no such user" {
			t.Errorf("mail notice %s %q", status, reason)
		}
		db.QueryRow(ctx, `SELECT `+desk.DeliveryStatusSQL+` FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id WHERE m.external_id = 'proactive:late:mail'`).Scan(&shown)
		if shown != "failed" {
			t.Errorf("the timeline shows %q", shown)
		}
		// Nothing is sent twice.
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE author = 'proactive'`).Scan(&n)
		if n != 5 {
			t.Errorf("%d proactive messages, want 5", n)
		}
	})
}

// A dry-run rule sends nothing and keeps the text it would have sent.
func TestSendDueDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		engSetSupport(t, db)
		engSaveRule(t, db, &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, DryRun: true})
		engAddOrder(t, db, engOrder{ext: "#1001", email: "ann@example.com", country: "FR", placed: nov(18, 9), promised: engAt(nov(22, 12))})
		engEvaluate(t, db, nov(23, 10))
		if _, err := proactive.SendDue(ctx, db, nov(23, 10)); err != nil {
			t.Fatal(err)
		}
		var status, channel, reason string
		db.QueryRow(ctx, `SELECT status, channel, reason FROM proactive_decisions`).Scan(&status, &channel, &reason)
		if status != proactive.StatusDryRun || channel != "email" || reason != "Subject: Order #1001\n\nHi Ann, order #1001 with ParcelNow is late." {
			t.Errorf("dry run: %s %s %q", status, channel, reason)
		}
		var n int
		db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM deliveries)`).Scan(&n)
		if n != 0 {
			t.Errorf("a dry run stored %d messages and deliveries", n)
		}
	})
}

// Two processes on one PostgreSQL (two pools, as two serve processes
// have) send 200 due notices concurrently, 50 passes each: each is sent
// exactly once.
func TestSendDueTwoProcessesSendOnce(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	ctx := context.Background()
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	db := dbs[0]
	engSetSupport(t, db)
	if err := db.SetSetting(ctx, proactive.SettingDailyCap, "0"); err != nil {
		t.Fatal(err)
	}
	engSaveRule(t, db, &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment})
	for i := range 200 {
		engAddOrder(t, db, engOrder{ext: fmt.Sprintf("#%d", 5000+i), email: fmt.Sprintf("c%d@example.com", i), country: "FR", placed: nov(18, 9), promised: engAt(nov(22, 12))})
	}
	if res := engEvaluate(t, db, nov(23, 10)); res.Count(proactive.StatusScheduled) != 200 {
		t.Fatalf("scheduled %d", res.Count(proactive.StatusScheduled))
	}
	var wg sync.WaitGroup
	sent := [2]int{}
	errs := make(chan error, 100)
	for p := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				res, err := proactive.SendDue(ctx, dbs[p], nov(23, 10))
				if err != nil {
					errs <- err
					return
				}
				sent[p] += res.Count(proactive.StatusSent)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var messages, deliveries, decided int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE author = 'proactive'`).Scan(&messages)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries`).Scan(&deliveries)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM proactive_decisions WHERE status = 'sent'`).Scan(&decided)
	if sent[0]+sent[1] != 200 || messages != 200 || deliveries != 200 || decided != 200 {
		t.Errorf("sent %v, %d messages, %d deliveries, %d decisions sent; want 200 each", sent, messages, deliveries, decided)
	}
	t.Logf("the two processes sent %d and %d", sent[0], sent[1])
}
