package desk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// history writes a customer's history through the paths the product
// writes it by: messages through the contact rules, orders through
// ingest, sessions and imported contacts through their upserts.
type history struct {
	t    *testing.T
	db   *store.DB
	cust *commerce.Customers
	n    int
}

func newHistory(t *testing.T, db *store.DB) *history {
	return &history{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
}

func (h *history) write(fn func(ctx context.Context, tx *store.Tx) error) {
	h.t.Helper()
	ctx := context.Background()
	if err := h.db.WriteTx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		h.cust.Discard()
		h.t.Fatal(err)
	}
	h.cust.Commit()
}

func (h *history) message(email, channel, author string, at time.Time, body string, mod ...func(*desk.Message)) desk.Recorded {
	h.t.Helper()
	h.n++
	m := desk.Message{ExternalID: fmt.Sprintf("tl-%d", h.n), Customer: commerce.CustomerRef{Email: email}, Channel: channel, Author: author, At: at, Body: body}
	for _, fn := range mod {
		fn(&m)
	}
	var r desk.Recorded
	h.write(func(ctx context.Context, tx *store.Tx) error {
		var err error
		r, err = desk.RecordMessage(ctx, tx, h.cust, m)
		return err
	})
	return r
}

func (h *history) orders(orders ...commerce.Order) {
	h.t.Helper()
	recs := make([]any, len(orders))
	for i := range orders {
		recs[i] = &orders[i]
	}
	h.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := ingest.WriteOrders(ctx, tx, &ingest.Env{Customers: h.cust, Now: clocktest.Clock()}, recs)
		return err
	})
}

func (h *history) fulfillment(events ...commerce.FulfillmentEvent) {
	h.t.Helper()
	h.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := commerce.AddFulfillmentEvents(ctx, tx, events)
		return err
	})
}

func (h *history) returned(r commerce.Return) {
	h.t.Helper()
	h.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := commerce.UpsertReturns(ctx, tx, []commerce.Return{r})
		return err
	})
}

func (h *history) imported(c desk.ImportedContact) {
	h.t.Helper()
	h.write(func(ctx context.Context, tx *store.Tx) error {
		_, _, err := desk.UpsertContacts(ctx, tx, h.cust, []desk.ImportedContact{c})
		return err
	})
}

func (h *history) session(s kb.Session) {
	h.t.Helper()
	h.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := kb.UpsertSessions(ctx, tx, h.cust, []kb.Session{s})
		return err
	})
}

// deskEvent stores what an agent did, as the inbox records it.
func (h *history) deskEvent(customer, conversation int64, kind, detail string, actor int64, at time.Time) {
	h.t.Helper()
	h.write(func(ctx context.Context, tx *store.Tx) error {
		var conv, who any
		if conversation != 0 {
			conv = conversation
		}
		if actor != 0 {
			who = actor
		}
		_, err := tx.Exec(ctx, `INSERT INTO desk_events (customer_id, conversation_id, kind, actor_id, detail, at) VALUES (?, ?, ?, ?, ?, ?)`,
			customer, conv, kind, who, detail, at.Unix())
		return err
	})
}

func (h *history) customer(email string) int64 {
	h.t.Helper()
	var id int64
	if err := h.db.QueryRow(context.Background(), `SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = ?`, email).Scan(&id); err != nil {
		h.t.Fatalf("customer %s: %v", email, err)
	}
	return id
}

func (h *history) user(email, name string) int64 {
	h.t.Helper()
	u, err := auth.AddUser(context.Background(), h.db, email, auth.RoleAgent, "correct horse battery", t0)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.db.Exec(context.Background(), `UPDATE users SET name = ? WHERE id = ?`, name, u.ID); err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

func (h *history) merge(survivor, gone, actor int64, at time.Time) (desk.CustomerMerge, error) {
	var m desk.CustomerMerge
	err := h.db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = desk.MergeCustomers(context.Background(), tx, survivor, gone, actor, at)
		return err
	})
	return m, err
}

func (h *history) unmerge(id, actor int64, at time.Time) (desk.CustomerMerge, error) {
	var m desk.CustomerMerge
	err := h.db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = desk.UnmergeCustomers(context.Background(), tx, id, actor, at)
		return err
	})
	return m, err
}

func when(t time.Time) *time.Time { return &t }

// annsHistory gives ann@example.com one of everything a timeline shows,
// and bob@example.com a contact of his own, later merged into Ann by an
// agent.
func annsHistory(t *testing.T, h *history) (ann, bob, agent int64) {
	h.orders(commerce.Order{ExternalID: "A1", Name: "#A1", Customer: commerce.CustomerRef{Email: "ann@example.com", ExternalID: "C-1"}, PlacedAt: t0,
		Status: "fulfilled", FulfilledAt: when(t0.Add(20 * time.Hour)), ItemRevenue: 7800, ShippingCharged: 500, Carrier: "DHL",
		Lines: []commerce.OrderLine{{SKU: "SHIRT-L", Product: "Linen shirt", Quantity: 2, UnitPrice: 3900}}})
	h.fulfillment(commerce.FulfillmentEvent{OrderExternalID: "A1", Kind: "shipped", At: t0.Add(24 * time.Hour), Detail: "DHL 00340 https://track.example/00340"},
		commerce.FulfillmentEvent{OrderExternalID: "A1", Kind: "delayed", At: t0.Add(26 * time.Hour), Detail: "depot backlog"})
	h.message("ann@example.com", "email", "proactive", t0.Add(27*time.Hour), "Your parcel is running late.")
	h.message("bob@example.com", "chat", "customer", t0.Add(30*time.Hour), "Is this the right shop?")
	first := h.message("ann@example.com", "email", "customer", t0.Add(48*time.Hour), "Where is my parcel?", func(m *desk.Message) { m.Subject = "Order #A1" })
	h.message("ann@example.com", "email", "agent", t0.Add(49*time.Hour), "It is on its way.", func(m *desk.Message) { m.Agent = "Maya" })
	h.message("ann@example.com", "voice", "customer", t0.Add(96*time.Hour), "Call about the delay")
	h.returned(commerce.Return{ExternalID: "R1", OrderExternalID: "A1", ReturnedAt: t0.Add(240 * time.Hour), RefundAmount: 3900, Reason: "too small"})
	h.imported(desk.ImportedContact{ExternalID: "Z-9", StartedAt: t0.Add(120 * time.Hour), Channel: "social", Customer: commerce.CustomerRef{Email: "ann@example.com"},
		Topic: "return", Subject: "Returning a shirt", Text: "How do I send it back?"})
	h.session(kb.Session{ExternalID: "S1", StartedAt: t0.Add(144 * time.Hour), Outcome: "resolved", Customer: commerce.CustomerRef{Email: "ann@example.com"},
		OrderExternalID: "A1", Kind: "return", Article: "returns"})
	ann, bob = h.customer("ann@example.com"), h.customer("bob@example.com")
	agent = h.user("maya@brand.example", "Maya")
	h.deskEvent(ann, first.ConversationID, "assign", "to Maya", agent, t0.Add(48*time.Hour+10*time.Minute))
	h.deskEvent(ann, first.ConversationID, "note", "Customer is upset about the delay", agent, t0.Add(48*time.Hour+30*time.Minute))
	if _, err := h.merge(ann, bob, agent, t0.Add(168*time.Hour)); err != nil {
		t.Fatalf("merge: %v", err)
	}
	return ann, bob, agent
}

func TestTimelineShowsEveryKindOfItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHistory(t, db)
		ann, bob, _ := annsHistory(t, h)
		ctx := context.Background()
		page, err := desk.Timeline(ctx, db, ann, desk.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		if page.CustomerID != ann || page.Next != "" {
			t.Fatalf("customer %d, next %q", page.CustomerID, page.Next)
		}
		byType := map[string][]desk.TimelineItem{}
		for i, it := range page.Items {
			byType[it.Type] = append(byType[it.Type], it)
			if i > 0 && it.At.After(page.Items[i-1].At) {
				t.Errorf("item %d (%s at %s) is newer than the one above it (%s at %s)", i, it.Type, it.At, page.Items[i-1].Type, page.Items[i-1].At)
			}
		}
		for _, typ := range desk.TimelineTypes {
			if len(byType[typ]) == 0 {
				t.Errorf("no %s item on the timeline", typ)
			}
		}
		if t.Failed() {
			t.FailNow()
		}

		o := byType["order"][0].Order
		if o.Name != "#A1" || o.Value != 8300 || len(o.Lines) != 1 || o.Lines[0].Product != "Linen shirt" || o.Lines[0].Quantity != 2 {
			t.Errorf("order: %+v", o)
		}
		var shipped *desk.FulfillmentItem
		for _, it := range byType["fulfillment"] {
			if it.Fulfillment.Kind == "shipped" {
				shipped = it.Fulfillment
			}
		}
		if len(byType["fulfillment"]) != 2 || shipped == nil || shipped.TrackingURL != "https://track.example/00340" || shipped.Order.Name != "#A1" {
			t.Errorf("fulfilment events: %+v", byType["fulfillment"])
		}
		if r := byType["return"][0].Return; r.RefundAmount != 3900 || r.Reason != "too small" || r.Order.Name != "#A1" {
			t.Errorf("return: %+v", r)
		}
		if n := byType["notice"][0].Message; n.Author != "proactive" || n.Body != "Your parcel is running late." || n.ContactID != nil {
			t.Errorf("notice: %+v", n)
		}
		var bodies []string
		var calls int
		for _, it := range byType["message"] {
			bodies = append(bodies, it.Message.Direction+":"+it.Message.Body)
			if it.Message.Call {
				calls++
			}
		}
		want := []string{"in:Call about the delay", "out:It is on its way.", "in:Where is my parcel?", "in:Is this the right shop?"}
		if !slices.Equal(bodies, want) || calls != 1 {
			t.Errorf("messages %q (%d calls), want %q and one call", bodies, calls, want)
		}
		var channels []string
		for _, it := range byType["contact"] {
			c := it.Contact
			channels = append(channels, c.Channel)
			if c.Topic == "" {
				t.Errorf("contact %d has no topic", it.ID)
			}
		}
		if !slices.Equal(channels, []string{"social", "voice", "email", "chat"}) {
			t.Errorf("contacts by channel %q", channels)
		}
		email := byType["contact"][2].Contact
		if email.Order == nil || email.Order.Name != "#A1" || email.TopicConfidence == nil || !email.IsRepeat {
			t.Errorf("the email contact should name its order, its topic's confidence, and be a repeat of Bob's chat (merged in): %+v", email)
		}
		if social := byType["contact"][0].Contact; social.Source != "imported" || social.Text != "How do I send it back?" || social.Topic != "return" {
			t.Errorf("imported contact: %+v", social)
		}
		if s := byType["self_service"][0].SelfService; s.Outcome != "resolved" || s.Kind != "return" || s.Order == nil || s.Order.Name != "#A1" {
			t.Errorf("self-service session: %+v", s)
		}
		if n := byType["note"][0].Event; n.Detail != "Customer is upset about the delay" || n.Actor != "Maya" || n.ConversationID == nil {
			t.Errorf("note: %+v", n)
		}
		if e := byType["event"][0].Event; e.Kind != "assign" {
			t.Errorf("event: %+v", e)
		}
		m := byType["merge"][0].Event
		if m.Kind != "merge" || m.Merge == nil || m.Merge.MergedID != bob || m.Merge.SurvivorID != ann || m.Merge.Undone || m.Actor != "Maya" {
			t.Errorf("merge: %+v %+v", m, m.Merge)
		}

		// The JSON is flat: type, at, id and the type's own fields.
		data, err := json.Marshal(byType["message"][1])
		if err != nil {
			t.Fatal(err)
		}
		var flat map[string]any
		if err := json.Unmarshal(data, &flat); err != nil {
			t.Fatal(err)
		}
		if flat["type"] != "message" || flat["at"] != t0.Add(49*time.Hour).Format(time.RFC3339) || flat["direction"] != "out" || flat["agent"] != "Maya" || flat["id"] == nil {
			t.Errorf("message JSON: %s", data)
		}
		data, _ = json.Marshal(byType["order"][0])
		if !strings.Contains(string(data), `"value":83.00`) || !strings.Contains(string(data), `"product":"Linen shirt"`) {
			t.Errorf("order JSON: %s", data)
		}
	})
}

// itemKey names an item across pages.
func itemKey(it desk.TimelineItem) string {
	k := fmt.Sprintf("%s/%d", it.Type, it.ID)
	if it.Fulfillment != nil {
		k += "/" + it.Fulfillment.Kind
	}
	return k
}

// walk reads a whole timeline, limit items a page.
func walk(t *testing.T, db *store.DB, customer int64, limit int) []desk.TimelineItem {
	t.Helper()
	var all []desk.TimelineItem
	cursor := desk.Cursor{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the timeline does not end")
		}
		page, err := desk.Timeline(context.Background(), db, customer, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if page.Next != "" && len(page.Items) != limit {
			t.Fatalf("a page of %d items with more to come, want %d", len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		cursor.Before = page.Next
	}
}

func TestTimelinePagesByKeysetThroughTies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHistory(t, db)
		tie := t0.Add(72 * time.Hour)
		// Most of Cleo's history happens in the same second, so pages are
		// cut inside runs of equal times, within a source and across them.
		var orders []commerce.Order
		var events []commerce.FulfillmentEvent
		for i := range 30 {
			id := fmt.Sprintf("T%02d", i)
			orders = append(orders, commerce.Order{ExternalID: id, Customer: commerce.CustomerRef{Email: "cleo@example.com"}, PlacedAt: tie, Status: "placed", ItemRevenue: 1000})
			events = append(events, commerce.FulfillmentEvent{OrderExternalID: id, Kind: "shipped", At: tie}, commerce.FulfillmentEvent{OrderExternalID: id, Kind: "delivered", At: tie})
		}
		// Dan, another customer, shares the second.
		orders = append(orders, commerce.Order{ExternalID: "D1", Customer: commerce.CustomerRef{Email: "dan@example.com"}, PlacedAt: tie, Status: "placed", ItemRevenue: 1000})
		h.orders(orders...)
		h.fulfillment(events...)
		h.fulfillment(commerce.FulfillmentEvent{OrderExternalID: "D1", Kind: "shipped", At: tie})
		h.write(func(ctx context.Context, tx *store.Tx) error {
			for i := range 150 {
				at := tie
				if i%5 == 0 {
					at = tie.Add(-time.Duration(i) * time.Minute)
				}
				for _, who := range []string{"cleo@example.com", "dan@example.com"} {
					h.n++
					if _, err := desk.RecordMessage(ctx, tx, h.cust, desk.Message{ExternalID: fmt.Sprintf("tie-%d", h.n), Customer: commerce.CustomerRef{Email: who},
						Channel: "chat", Author: "customer", At: at, Body: "message from " + who}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		cleo, dan := h.customer("cleo@example.com"), h.customer("dan@example.com")
		for i := range 40 {
			h.deskEvent(cleo, 0, "tag", fmt.Sprintf("tag %d", i), 0, tie)
			h.deskEvent(dan, 0, "tag", "dan's tag", 0, tie)
		}
		for i := range 20 {
			h.session(kb.Session{ExternalID: fmt.Sprintf("SS%d", i), StartedAt: tie, Outcome: "escalated", Customer: commerce.CustomerRef{Email: "cleo@example.com"}})
		}

		var want int
		for _, q := range []string{
			`SELECT COUNT(*) FROM messages WHERE customer_id = ?`, `SELECT COUNT(*) FROM contacts WHERE customer_id = ?`,
			`SELECT COUNT(*) FROM orders WHERE customer_id = ?`, `SELECT COUNT(*) FROM fulfillment_events f JOIN orders o ON o.id = f.order_id WHERE o.customer_id = ?`,
			`SELECT COUNT(*) FROM desk_events WHERE customer_id = ?`, `SELECT COUNT(*) FROM self_service_sessions WHERE customer_id = ?`,
		} {
			var n int
			if err := db.QueryRow(context.Background(), q, cleo).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want += n
		}
		if want < 300 {
			t.Fatalf("only %d items: the test needs more than a maximal page", want)
		}

		whole := walk(t, db, cleo, desk.MaxTimelinePage)
		if len(whole) != want {
			t.Fatalf("%d items read, %d stored", len(whole), want)
		}
		seen := map[string]bool{}
		for i, it := range whole {
			k := itemKey(it)
			if seen[k] {
				t.Fatalf("%s appears twice", k)
			}
			seen[k] = true
			if i > 0 && it.At.After(whole[i-1].At) {
				t.Fatalf("item %d (%s) is newer than the one before it", i, k)
			}
			if it.Message != nil && it.Message.Body != "message from cleo@example.com" {
				t.Fatalf("another customer's message on Cleo's timeline: %+v", it.Message)
			}
			if it.Event != nil && it.Event.Detail == "dan's tag" {
				t.Fatal("another customer's event on Cleo's timeline")
			}
		}
		// Small pages cut the same sequence: pages are positions, not
		// offsets.
		for _, limit := range []int{1, 7, 50} {
			small := walk(t, db, cleo, limit)
			if !slices.EqualFunc(small, whole, func(a, b desk.TimelineItem) bool { return itemKey(a) == itemKey(b) }) {
				t.Fatalf("pages of %d give another sequence than pages of %d", limit, desk.MaxTimelinePage)
			}
		}
		first, err := desk.Timeline(context.Background(), db, cleo, desk.Cursor{})
		if err != nil || len(first.Items) != desk.DefaultTimelinePage {
			t.Fatalf("a first page of %d items (%v), want the default %d", len(first.Items), err, desk.DefaultTimelinePage)
		}
	})
}

func TestTimelineRefusesBadPages(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	h := newHistory(t, db)
	h.message("eve@example.com", "email", "customer", t0, "hi")
	eve := h.customer("eve@example.com")
	for _, c := range []struct {
		cursor desk.Cursor
		field  string
	}{
		{desk.Cursor{Limit: desk.MaxTimelinePage + 1}, "limit"},
		{desk.Cursor{Limit: -1}, "limit"},
		{desk.Cursor{Before: "yesterday"}, "before"},
		{desk.Cursor{Before: "1767225600.invoice.3"}, "before"},
		{desk.Cursor{Before: "1767225600.fulfillment.3"}, "before"},
		{desk.Cursor{Before: "1767225600.message.3.shipped"}, "before"},
	} {
		_, err := desk.Timeline(context.Background(), db, eve, c.cursor)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EInvalid || len(de.Fields) != 1 || de.Fields[0].Field != c.field {
			t.Errorf("%+v: %v, want an invalid %s", c.cursor, err, c.field)
		}
	}
	if _, err := desk.Timeline(context.Background(), db, 999, desk.Cursor{}); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("an unknown customer: %v", err)
	}
}
