package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// withOrder stores an order with a line, a shipment and a late delivery
// for the customer, as the order panel and the saved replies read them.
func (d *deskSite) withOrder(email string) {
	d.t.Helper()
	o := order("7001")
	o["order_name"], o["customer_email"], o["customer_name"], o["carrier"] = "#7001", email, "Ann Lee", "DHL"
	o["placed_at"], o["promised_delivery_at"], o["delivered_at"] = "2026-03-10T10:00:00Z", "2026-03-14", "2026-03-16T12:00:00Z"
	o["lines"] = []obj{{"sku": "TEE-M", "product": "Tee <b>M</b>", "quantity": 2, "unit_price": 19.95}}
	for _, req := range []struct {
		path string
		item obj
	}{
		{"/api/v1/orders", o},
		{"/api/v1/fulfillment_events", obj{"order_id": "7001", "kind": "shipped", "at": "2026-03-11T09:00:00Z", "detail": "DHL tracking DH7001 https://dhl.example/DH7001"}},
		{"/api/v1/returns", obj{"return_id": "R7001", "order_id": "7001", "returned_at": "2026-03-20T09:00:00Z", "refund_amount": 19.95, "reason": "too small"}},
	} {
		if r := d.post(req.path, req.item); r.status != http.StatusOK {
			d.t.Fatalf("%s: %d %s", req.path, r.status, r.body)
		}
	}
}

func TestConversationPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startDesk(t, db)
		d.withOrder("ann@example.com")
		c := d.message(obj{"customer_email": "ann@example.com", "customer_name": "Ann Lee", "subject": "Order #7001", "body": "My parcel came late.\nAnd the tee is small."})
		d.setUserName("agent@example.com", "Dana Reyes")
		d.setUserName("admin@example.com", "Sam Boss")
		page := fmt.Sprintf("/conversations/%d", c)
		agent := d.visitor().login("agent@example.com")
		body := agent.page(page, http.StatusOK)
		mustContain(t, body, "Ann Lee", "Order #7001", "My parcel came late.\nAnd the tee is small.", fmt.Sprintf(`href="/customers/%d"`, d.customerOf(c)),
			`id="order-panel"`, "#7001", "returned", "2 × Tee &lt;b&gt;M&lt;/b&gt;", "DH7001", `href="https://dhl.example/DH7001"`, `class="badge breach">late`,
			"promised 14 Mar 2026", "delivered 16 Mar 2026", "refund", "too small",
			`id="topic-select"`, `id="composer"`, `name="then" value="closed"`, `name="then" value="waiting"`, "unassigned", "desk.js?v=")

		csrf := agent.csrf(agent.get(page))
		post := func(action string, form url.Values) reply {
			t.Helper()
			form.Set("csrf", csrf)
			return agent.post(page+"/"+action, form)
		}
		back := func(r reply) {
			t.Helper()
			if r.status != http.StatusSeeOther || r.header.Get("Location") != page {
				t.Fatalf("%d to %q, want back to the page:\n%s", r.status, r.header.Get("Location"), r.body)
			}
		}
		// Assign to me, correct the topic, tag, note with a mention, snooze.
		back(post("assign", url.Values{"user": {"me"}}))
		back(post("topic", url.Values{"topic": {"damaged_or_defective"}}))
		back(post("tags", url.Values{"add": {"late, VIP"}}))
		back(post("tags", url.Values{"remove": {"late"}}))
		back(post("note", url.Values{"text": {"@sam can we refund the shipping?"}}))
		back(post("snooze", url.Values{"until": {"2026-03-27T09:00"}}))
		body = agent.page(page, http.StatusOK)
		mustContain(t, body, "assigned to Dana Reyes", "Damaged or defective", `<span class="hint">(agent)</span>`, `value="vip"`, "@sam can we refund the shipping?",
			"internal note", "snoozed until 27 Mar 2026 09:00", "→ Damaged or defective", "snoozed it</span> until 27 Mar 2026 09:00", "tagged it</span> &#43;late &#43;vip")
		var source string
		if err := db.QueryRow(context.Background(), `SELECT topic_source FROM contacts WHERE conversation_id = ?`, c).Scan(&source); err != nil || source != "agent" {
			t.Errorf("the correction is an agent's label: %q %v", source, err)
		}
		// Sam was mentioned: the page says so, and the button marks it read.
		admin := d.visitor().login("admin@example.com")
		body = admin.page(page, http.StatusOK)
		mustContain(t, body, "You are mentioned here (1).")
		if body := admin.page("/inbox?view=mentions", http.StatusOK); !strings.Contains(body, fmt.Sprintf(`data-id="%d"`, c)) {
			t.Error("the mentions view does not list the conversation")
		}
		r := admin.post(page+"/mentions/read", url.Values{"csrf": {admin.csrf(admin.get(page))}})
		back(r)
		if body := admin.page(page, http.StatusOK); strings.Contains(body, "You are mentioned here") {
			t.Error("the mention is still unread")
		}

		// A saved reply fills the composer without script; unknown values
		// show as markers, and a reply still carrying one is refused with
		// the text kept.
		if r := d.do("POST", "/api/v1/saved_replies", "Bearer "+d.adminToken, obj{"name": "Late parcel", "body": "Hi {{first_name}}, sorry {{order_number}} was late. Return by {{return_deadline}}."}); r.status != http.StatusCreated {
			t.Fatalf("save a reply: %d %s", r.status, r.body)
		}
		body = agent.page(page+"?saved_reply=1", http.StatusOK)
		mustContain(t, body, "Hi Ann, sorry #7001 was late. Return by 15 April 2026.")
		r = post("reply", url.Values{"text": {"Hello [order status unknown]"}, "then": {""}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "Hello [order status unknown]</textarea>") || !strings.Contains(string(r.body), "it still says [order status unknown]") {
			t.Errorf("a reply with a gap: %d\n%s", r.status, r.body)
		}
		r = post("reply", url.Values{"text": {"Hi {{name}}"}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "{{name}} is not a variable") {
			t.Errorf("a reply with an unknown variable: %d", r.status)
		}
		// Send and wait: the reply is on the thread, queued by email, and the
		// conversation waits on the customer.
		back(post("reply", url.Values{"text": {"Hi {{first_name}}, a refund is on its way."}, "then": {"waiting"}}))
		body = agent.page(page, http.StatusOK)
		mustContain(t, body, "Hi Ann, a refund is on its way.", `class="msg msg-out`, `class="delivery delivery-queued">queued`, `id="conv-state">waiting`)
		// Close, reopen.
		back(post("state", url.Values{"state": {"closed"}}))
		if body := agent.page(page, http.StatusOK); !strings.Contains(body, `id="conv-state">closed`) {
			t.Error("not closed")
		}
		// Bad input draws the page again with the reason.
		r = post("snooze", url.Values{"until": {"someday"}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "is not a time") {
			t.Errorf("a bad snooze: %d", r.status)
		}
		r = post("topic", url.Values{"topic": {"parcels"}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "is not a topic") {
			t.Errorf("an unknown topic: %d", r.status)
		}
		agent.page("/conversations/99999", http.StatusNotFound)
		agent.page("/conversations/abc", http.StatusNotFound)
	})
}

// customerOf is the customer of a conversation.
func (d *deskSite) customerOf(conversation int64) int64 {
	d.t.Helper()
	var id int64
	if err := d.db.QueryRow(context.Background(), `SELECT customer_id FROM conversations WHERE id = ?`, conversation).Scan(&id); err != nil {
		d.t.Fatal(err)
	}
	return id
}

func TestSavedRepliesPage(t *testing.T) {
	d := startDesk(t, storetest.Open(t, store.SQLite))
	admin := d.visitor().login("admin@example.com")
	page := admin.get("/saved-replies")
	if page.status != http.StatusOK {
		t.Fatalf("saved replies: %d", page.status)
	}
	csrf := admin.csrf(page)
	r := admin.post("/saved-replies", url.Values{"csrf": {csrf}, "name": {"Thanks"}, "body": {"Thank you {{first_name}}!"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	body := admin.page("/saved-replies", http.StatusOK)
	mustContain(t, body, "Thanks", "Thank you {{first_name}}!", "{{order_number}}")
	body = admin.page("/saved-replies?edit=1", http.StatusOK)
	mustContain(t, body, "Change a saved reply", `name="id" value="1"`, "Thank you {{first_name}}!</textarea>")
	// A bad variable is refused beside the field, keeping the text.
	r = admin.post("/saved-replies", url.Values{"csrf": {csrf}, "name": {"Oops"}, "body": {"Hi {{firstname}}"}})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "{{firstname}} is not a variable") || !strings.Contains(string(r.body), "Hi {{firstname}}</textarea>") {
		t.Errorf("a bad variable: %d\n%s", r.status, r.body)
	}
	r = admin.post("/saved-replies/1/delete", url.Values{"csrf": {csrf}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if body := admin.page("/saved-replies", http.StatusOK); !strings.Contains(body, "No saved replies yet.") {
		t.Error("the reply is still listed")
	}
	// Agents use saved replies; they do not write them.
	agent := d.visitor().login("agent@example.com")
	agent.page("/saved-replies", http.StatusForbidden)
}
