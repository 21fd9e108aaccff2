package desk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestSavedReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		var r desk.SavedReply
		var created bool
		f.act(func(tx *store.Tx) (err error) {
			r, created, err = desk.SaveReply(f.ctx, tx, desk.SavedReply{Name: " Where is it ", Body: "Hi {{first_name}}, order {{ order_number }} is {{order_status}}."}, deskNow)
			return err
		})
		if !created || r.ID == 0 || r.Name != "Where is it" {
			t.Fatalf("created %+v %v", r, created)
		}
		// The same again, by name, changes nothing.
		var again desk.SavedReply
		f.act(func(tx *store.Tx) (err error) {
			again, created, err = desk.SaveReply(f.ctx, tx, desk.SavedReply{Name: "Where is it", Body: r.Body}, deskNow.Add(time.Hour))
			return err
		})
		if created || again.ID != r.ID || !again.UpdatedAt.Equal(deskNow) {
			t.Errorf("saved twice: %+v %v", again, created)
		}
		f.act(func(tx *store.Tx) (err error) {
			again, _, err = desk.SaveReply(f.ctx, tx, desk.SavedReply{ID: r.ID, Name: "Where is my order", Body: "Hello {{first_name}}"}, deskNow.Add(time.Hour))
			return err
		})
		list, err := desk.SavedReplies(f.ctx, db)
		if err != nil || len(list) != 1 || list[0].Name != "Where is my order" || !list[0].UpdatedAt.Equal(deskNow.Add(time.Hour)) {
			t.Errorf("list %+v %v", list, err)
		}
		for _, bad := range []struct {
			r    desk.SavedReply
			want string
		}{
			{desk.SavedReply{Name: "x", Body: "Hi {{firstname}}"}, "{{firstname}} is not a variable"},
			{desk.SavedReply{Name: "", Body: "Hi"}, "name: is required"},
			{desk.SavedReply{Name: "y", Body: " "}, "body: is required"},
			{desk.SavedReply{ID: 999, Name: "z", Body: "Hi"}, "999"},
		} {
			err := db.WriteTx(f.ctx, func(tx *store.Tx) error { _, _, err := desk.SaveReply(f.ctx, tx, bad.r, deskNow); return err })
			if err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("save %+v: %v, want %q", bad.r, err, bad.want)
			}
		}
		f.act(func(tx *store.Tx) error {
			_, _, err := desk.SaveReply(f.ctx, tx, desk.SavedReply{Name: "Other", Body: "x"}, deskNow)
			return err
		})
		err = db.WriteTx(f.ctx, func(tx *store.Tx) error {
			_, _, err := desk.SaveReply(f.ctx, tx, desk.SavedReply{ID: r.ID, Name: "Other", Body: "x"}, deskNow)
			return err
		})
		if domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("renaming onto another reply's name: %v", err)
		}
		f.act(func(tx *store.Tx) error { return desk.DeleteSavedReply(f.ctx, tx, r.ID) })
		if err := db.WriteTx(f.ctx, func(tx *store.Tx) error { return desk.DeleteSavedReply(f.ctx, tx, r.ID) }); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("deleting twice: %v", err)
		}
	})
}

func TestFillReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		day := 24 * time.Hour
		delivered := deskNow.Add(-5 * day)
		f.order("1001", "ann@example.com", deskNow.Add(-20*day), func(o *commerce.Order) { o.DeliveredAt, o.Customer.Name = &delivered, "Ann Lee" })
		f.order("1002", "ann@example.com", deskNow.Add(-3*day))
		f.act(func(tx *store.Tx) error {
			_, err := commerce.AddFulfillmentEvents(f.ctx, tx, []commerce.FulfillmentEvent{
				{OrderExternalID: "1001", Kind: "shipped", At: deskNow.Add(-8 * day), Detail: "DHL tracking DH1001 https://dhl.example/t/DH1001"},
				{OrderExternalID: "1002", Kind: "shipped", At: deskNow.Add(-2 * day), Detail: "DHL tracking DH1002"},
			})
			return err
		})
		text := "Hi {{first_name}}, {{order_number}} is {{order_status}}: {{tracking_link}}. Return by {{return_deadline}}."
		// Ann names order 1001: the reply is about it, not her latest.
		ann := f.say("ann@example.com", "Ann Lee", "email", "customer", deskNow.Add(-time.Hour), "About order #1001, it is damaged").ConversationID
		got, missing, err := desk.FillReply(f.ctx, db, ann, text)
		if err != nil || len(missing) != 0 {
			t.Fatalf("fill: %q %v %v", got, missing, err)
		}
		if want := "Hi Ann, #1001 is delivered: https://dhl.example/t/DH1001. Return by 27 December 2026."; got != want {
			t.Errorf("filled\n%q\nwant\n%q", got, want)
		}
		// The return window is a setting; without a link for 1002, the
		// tracking URL setting builds one.
		f.setting(desk.SettingReturnWindow, "14")
		f.setting(desk.SettingTrackingURL, "https://track.example/{carrier}/{number}")
		bob := f.say("ann@example.com", "Ann Lee", "chat", "customer", deskNow.Add(-10*time.Minute), "and my other one?", func(m *desk.Message) {
			m.OrderExternalID = "1002"
		}).ConversationID
		if bob != ann {
			t.Fatalf("the chat joined conversation %d, not %d", bob, ann)
		}
		got, _, err = desk.FillReply(f.ctx, db, ann, "{{order_number}} {{tracking_link}} {{return_deadline}}")
		if want := "#1002 https://track.example/DHL/DH1002 13 December 2026"; err != nil || got != want {
			t.Errorf("filled %q (%v), want %q", got, err, want)
		}
		// No name, no order: visible markers, and the names of what is missing.
		cy := f.say("cy@example.com", "", "email", "customer", deskNow, "hello").ConversationID
		got, missing, err = desk.FillReply(f.ctx, db, cy, text)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Hi [first name unknown], [order number unknown] is [order status unknown]: [tracking link unknown]. Return by [return deadline unknown]."; got != want {
			t.Errorf("filled %q", got)
		}
		if !slices.Equal(missing, desk.ReplyVariables()) {
			t.Errorf("missing %q", missing)
		}
		if m := desk.UnfilledMarkers(got); len(m) != 5 {
			t.Errorf("markers %q", m)
		}
		if _, _, err := desk.FillReply(f.ctx, db, cy, "Hi {{name}}"); err == nil || !strings.Contains(err.Error(), "{{name}}") {
			t.Errorf("unknown variable: %v", err)
		}
		if got, _, err := desk.FillReply(f.ctx, db, 999, "plain text"); err != nil || got != "plain text" {
			t.Errorf("a text without variables is left as it is: %q %v", got, err)
		}
	})
}

func TestOrderPanel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		day := 24 * time.Hour
		promised := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		delivered := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)
		onTime := time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)
		f.order("2001", "ann@example.com", deskNow.Add(-20*day), func(o *commerce.Order) {
			o.PromisedDeliveryAt, o.DeliveredAt = &promised, &delivered
			o.Lines = []commerce.OrderLine{{SKU: "TEE-M", Product: "Tee <b>M</b>", Quantity: 2, UnitPrice: 1995}, {SKU: "CAP", Product: "Cap", Quantity: 1, UnitPrice: 1000}}
		})
		f.order("2002", "ann@example.com", deskNow.Add(-15*day), func(o *commerce.Order) { o.PromisedDeliveryAt, o.DeliveredAt = &promised, &onTime })
		f.order("2003", "ann@example.com", deskNow.Add(-2*day), func(o *commerce.Order) { o.PromisedDeliveryAt = &promised })
		f.order("2004", "bob@example.com", deskNow.Add(-1*day))
		f.act(func(tx *store.Tx) error {
			if _, err := commerce.AddFulfillmentEvents(f.ctx, tx, []commerce.FulfillmentEvent{
				{OrderExternalID: "2001", Kind: "shipped", At: deskNow.Add(-18 * day), Detail: "DHL tracking DH2001"},
				{OrderExternalID: "2003", Kind: "shipped", At: deskNow.Add(-1 * day), Detail: "tracking: PN2003"},
				{OrderExternalID: "2003", Kind: "delayed", At: deskNow.Add(-12 * time.Hour), Detail: "carrier reported a delay"},
			}); err != nil {
				return err
			}
			_, err := commerce.UpsertReturns(f.ctx, tx, []commerce.Return{{ExternalID: "r1", OrderExternalID: "2001", ReturnedAt: deskNow.Add(-3 * day), RefundAmount: 1000, Reason: "too small"}})
			return err
		})
		var customer int64
		if err := db.QueryRow(f.ctx, `SELECT customer_id FROM orders WHERE external_id = '2001'`).Scan(&customer); err != nil {
			t.Fatal(err)
		}
		panel, err := desk.OrderPanel(f.ctx, db, customer, 10)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []string
		for _, o := range panel {
			numbers = append(numbers, o.Number+" "+o.Status)
		}
		if !slices.Equal(numbers, []string{"#2003 delayed", "#2002 delivered", "#2001 returned"}) {
			t.Fatalf("panel %q", numbers)
		}
		o := panel[2]
		if len(o.Lines) != 2 || o.Lines[1].Product != "Tee <b>M</b>" || o.Lines[1].Quantity != 2 || o.Tracking != "DH2001" || o.TrackingURL != "" || !o.Late ||
			len(o.Returns) != 1 || o.Returns[0].Refund != 1000 || o.Returns[0].Reason != "too small" || o.Total != 4990 {
			t.Errorf("order 2001: %+v", o)
		}
		if panel[1].Late {
			t.Error("delivered on the promised day is not late")
		}
		if !panel[0].Overdue(deskNow) || panel[0].Tracking != "PN2003" || len(panel[0].Events) != 2 {
			t.Errorf("order 2003 is past its promise and not delivered: %+v", panel[0])
		}
		if one, err := desk.OrderPanel(f.ctx, db, customer, 1); err != nil || len(one) != 1 {
			t.Errorf("limit 1: %d orders, %v", len(one), err)
		}
	})
}

func TestPresenceAndHandleTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		dana := f.user("dana@brand.com", "agent", "Dana", "")
		sam := f.user("sam@brand.com", "agent", "", "")
		r := f.say("ann@example.com", "Ann", "email", "customer", deskNow.Add(-time.Hour), "hi")
		c := r.ConversationID
		present := func(at time.Time, typing bool, who int64) {
			f.act(func(tx *store.Tx) error { return desk.MarkPresent(f.ctx, tx, c, who, typing, at) })
		}
		present(deskNow, true, dana)
		present(deskNow, false, sam)
		others, err := desk.OthersPresent(f.ctx, db, c, sam, deskNow.Add(10*time.Second))
		if err != nil || len(others) != 1 || others[0].Name != "Dana" || !others[0].Typing {
			t.Errorf("Sam sees %+v %v", others, err)
		}
		if others, _ := desk.OthersPresent(f.ctx, db, c, sam, deskNow.Add(desk.PresenceTTL)); len(others) != 0 {
			t.Errorf("Dana's presence outlived its heartbeat: %+v", others)
		}
		if err := db.WriteTx(f.ctx, func(tx *store.Tx) error { return desk.MarkPresent(f.ctx, tx, 999, dana, false, deskNow) }); err == nil {
			t.Error("presence on a conversation that does not exist")
		}

		// Heartbeats every 15 s: each adds the time since the one before;
		// a gap past the limit (a sleeping laptop) adds nothing; a hidden
		// page pauses the count.
		beat := func(at time.Duration, active bool) int64 {
			var added, contact int64
			f.act(func(tx *store.Tx) (err error) {
				added, contact, err = desk.RecordActivity(f.ctx, tx, dana, c, active, deskNow.Add(at))
				return err
			})
			if contact != r.ContactID {
				t.Fatalf("heartbeat went to contact %d, want %d", contact, r.ContactID)
			}
			return added
		}
		s := time.Second
		var got []int64
		for _, b := range []struct {
			at     time.Duration
			active bool
		}{{0, true}, {15 * s, true}, {30 * s, true}, {30 * s, true}, {44 * s, true}, {20 * time.Minute, true}, {20*time.Minute + 15*s, true},
			{20*time.Minute + 30*s, false}, {20*time.Minute + 45*s, true}, {21 * time.Minute, true}} {
			got = append(got, beat(b.at, b.active))
		}
		if want := []int64{0, 15, 15, 0, 14, 0, 15, 0, 0, 15}; !slices.Equal(got, want) {
			t.Errorf("seconds added %v, want %v", got, want)
		}
		if n := f.int(`SELECT handle_seconds FROM contacts WHERE id = ?`, r.ContactID); n != 74 {
			t.Errorf("the contact's handle seconds: %d, want 74", n)
		}
		if n, err := desk.HandleSeconds(f.ctx, db, dana, r.ContactID); err != nil || n != 74 {
			t.Errorf("Dana's handle seconds: %d %v", n, err)
		}
		// A conversation with no contact has nothing to charge.
		o := f.say("new@example.com", "", "email", "agent", deskNow, "Your order shipped").ConversationID
		f.act(func(tx *store.Tx) error {
			added, contact, err := desk.RecordActivity(f.ctx, tx, dana, o, true, deskNow)
			if added != 0 || contact != 0 {
				t.Errorf("activity on a conversation without contact: %d to %d", added, contact)
			}
			return err
		})
	})
}
