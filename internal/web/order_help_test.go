package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	qdclock "quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// orderShop stores the orders the order-help tests read, dated from the
// tests' today (2026-03-25):
//
//	#1001 ana, delivered 10 days ago by UPS: inside a 30-day window
//	#1002 ana, delivered 60 days ago: outside it
//	#1005 a customer with a phone and no email
func orderShop(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := func(days int) *time.Time { v := now.AddDate(0, 0, -days).Truncate(time.Hour); return &v }
	ana := commerce.CustomerRef{ExternalID: "c-ana", Email: "ana@example.com", Name: "Ana"}
	orders := []commerce.Order{
		{ExternalID: "5001", Name: "#1001", Customer: ana, PlacedAt: *at(14), Status: "fulfilled", FulfilledAt: at(12), DeliveredAt: at(10),
			PromisedDeliveryAt: ptrDate(now.AddDate(0, 0, -9)), Carrier: "UPS",
			Lines: []commerce.OrderLine{{LineKey: "TEE-M", SKU: "TEE-M", Product: "Blue tee", Quantity: 2, UnitPrice: 1999}}},
		{ExternalID: "5002", Name: "#1002", Customer: ana, PlacedAt: *at(65), Status: "fulfilled", FulfilledAt: at(63), DeliveredAt: at(60),
			Lines: []commerce.OrderLine{{LineKey: "MUG", SKU: "MUG", Product: "Mug", Quantity: 1, UnitPrice: 1200}}},
		{ExternalID: "5005", Name: "#1005", Customer: commerce.CustomerRef{ExternalID: "c-cy", Phone: "+15551230003"}, PlacedAt: *at(3), Status: "placed",
			Lines: []commerce.OrderLine{{LineKey: "BAG", SKU: "BAG", Product: "Bag", Quantity: 1, UnitPrice: 4000}}},
	}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, _, err := commerce.UpsertOrders(ctx, tx, commerce.NewCustomers(qdclock.Fixed(now)), orders); err != nil {
			return err
		}
		_, err := commerce.AddFulfillmentEvents(ctx, tx, []commerce.FulfillmentEvent{
			{OrderExternalID: "5001", Kind: "fulfilled", At: *at(12), Detail: "UPS tracking 1Z999AA1 https://ups.example/track/1Z999AA1"},
			{OrderExternalID: "5001", Kind: "delivered", At: *at(10), Detail: "UPS tracking 1Z999AA1 https://ups.example/track/1Z999AA1"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ptrDate(t time.Time) *time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// The lookup API answers the right email with exactly the order's fields
// (as the OpenAPI document describes them); a wrong email, a wrong order
// and an order without an email get the same 404 body; five mismatches
// lock the order (429, even with the right email); every attempt is a
// row of the trail.
func TestOrderLookupAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		orderShop(t, db)
		_, router := loadDoc(t, s.app)
		get := func(query string, want int) reply {
			t.Helper()
			req, _ := http.NewRequest("GET", s.url+"/api/v1/orders/lookup?"+query, nil)
			r := s.do("GET", "/api/v1/orders/lookup?"+query, "", nil)
			if r.status != want {
				t.Fatalf("%s: status %d, want %d: %s", query, r.status, want, r.body)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header, Options: &openapi3filter.Options{MultiError: true}}
			out.SetBodyBytes(r.body)
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%s: the %d answer does not match the document: %v\n%s", query, r.status, err, r.body)
			}
			return r
		}
		r := get("order=%231001&email=%20ANA@Example.com%20", 200)
		want := `{"order":"#1001","status":"delivered","placed_at":"2026-03-11T10:00:00Z",` +
			`"items":[{"sku":"TEE-M","title":"Blue tee","quantity":2}],` +
			`"shipments":[{"carrier":"UPS","tracking_number":"1Z999AA1","tracking_url":"https://ups.example/track/1Z999AA1","shipped_at":"2026-03-13T10:00:00Z","delivered_at":"2026-03-15T10:00:00Z"}],` +
			`"promised_date":"2026-03-16","returns":[]}`
		if got := strings.TrimSpace(string(r.body)); got != want {
			t.Errorf("lookup answered\n%s\nwant\n%s", got, want)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
		}
		wrongEmail := get("order=1001&email=bob@example.com", 404)
		wrongOrder := get("order=9999&email=ana@example.com", 404)
		noEmail := get("order=1005&email=cy@example.com", 404)
		if !bytes.Equal(wrongEmail.body, wrongOrder.body) || !bytes.Equal(wrongEmail.body, noEmail.body) {
			t.Errorf("the 404 bodies differ:\n%s\n%s\n%s", wrongEmail.body, wrongOrder.body, noEmail.body)
		}
		if !strings.Contains(string(wrongEmail.body), selfserve.NotFoundMessage) {
			t.Errorf("404 body %s", wrongEmail.body)
		}
		get("order=1005&phone=%2B1%20555%20123%200003", 200)
		get("order=1001", 400)
		get("order=1001&email=x1@example.com", 404)
		get("order=1001&email=x2@example.com", 404)
		get("order=1001&email=x3@example.com", 404)
		get("order=1001&email=x4@example.com", 404)
		limited := get("order=1001&email=ana@example.com", 429)
		if ra := limited.header.Get("Retry-After"); ra != "900" {
			t.Errorf("Retry-After %q, want 900 (the failures are all of now)", ra)
		}
		var outcomes []string
		rows, err := db.Query(context.Background(), `SELECT order_key, via, outcome, source FROM selfserve_lookups ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var key, via, outcome, source string
			rows.Scan(&key, &via, &outcome, &source)
			outcomes = append(outcomes, key+" "+via+" "+outcome)
			if source != "127.0.0.1" {
				t.Errorf("source %q", source)
			}
		}
		wantTrail := "1001 email ok|1001 email mismatch|9999 email mismatch|1005 email mismatch|1005 phone ok|1001 email mismatch|1001 email mismatch|1001 email mismatch|1001 email mismatch|1001 email limited"
		if got := strings.Join(outcomes, "|"); got != wantTrail {
			t.Errorf("trail\n%s\nwant\n%s", got, wantTrail)
		}
	})
}

var tokenField = regexp.MustCompile(`name="t" value="([^"]+)"`)

func formToken(t *testing.T, body []byte) string {
	t.Helper()
	m := tokenField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no order token on the page:\n%s", body)
	}
	return string(m[1])
}

// The help centre's order pages without a browser: the form, a lookup
// that fails and one that opens the order; a return inside the window
// recorded, one outside refused and passed to a person (once, however
// often asked); a one-time code that opens all the orders; a forged link.
func TestOrderHelpPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		orderShop(t, db)
		ctx := context.Background()
		v := s.visitor()
		mustContain(t, v.page("/help/orders", 200), `action="/help/orders"`, `name="contact"`)
		mustContain(t, v.page("/help/returns", 200), "within 30 days of delivery", "Return shipping is paid by you")

		miss := v.post("/help/orders", url.Values{"order": {"1001"}, "contact": {"bob@example.com"}})
		if miss.status != 404 || !strings.Contains(string(miss.body), "We could not find an order") || miss.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("mismatch: %d %v\n%s", miss.status, miss.header, miss.body)
		}
		page := v.post("/help/orders", url.Values{"order": {"#1001"}, "contact": {"Ana@example.com"}, "session": {"sess-0123456789abcdef"}})
		if page.status != 200 {
			t.Fatalf("lookup: %d\n%s", page.status, page.body)
		}
		mustContain(t, string(page.body), "Delivered", `href="https://ups.example/track/1Z999AA1"`, "16 March 2026", "2 × Blue tee", `name="qty_TEE-M"`)
		token := formToken(t, page.body)

		hostile := `<script>alert("x")</script> too small`
		r := v.post("/help/orders/request", url.Values{"t": {token}, "kind": {"return"}, "qty_TEE-M": {"1"}, "reason": {hostile}})
		if r.status != 200 || !strings.Contains(string(r.body), `data-status="requested"`) || !strings.Contains(string(r.body), "1 × Blue tee") {
			t.Fatalf("return inside the window: %d\n%s", r.status, r.body)
		}
		if strings.Contains(string(r.body), "<script>alert") || !strings.Contains(string(r.body), "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; too small") {
			t.Errorf("the reason is not escaped:\n%s", r.body)
		}
		if bad := v.post("/help/orders/request", url.Values{"t": {token}, "kind": {"return"}, "qty_TEE-M": {"7"}}); bad.status != 400 || !strings.Contains(string(bad.body), "lines[TEE-M].quantity") {
			t.Errorf("too many: %d\n%s", bad.status, bad.body)
		}
		if forged := v.post("/help/orders/request", url.Values{"t": {token + "x"}, "kind": {"cancel"}}); forged.status != 404 {
			t.Errorf("forged token: %d", forged.status)
		}

		old := v.post("/help/orders", url.Values{"order": {"1002"}, "contact": {"ana@example.com"}})
		oldToken := formToken(t, old.body)
		refused := v.post("/help/orders/request", url.Values{"t": {oldToken}, "kind": {"return"}, "qty_MUG": {"1"}, "reason": {"chipped"}})
		mustContain(t, string(refused.body), `data-status="refused"`, "Returns are accepted within 30 days of delivery; for this order that ended on 23 February 2026.", `action="/help/orders/escalate"`)
		var id string
		if err := db.QueryRow(ctx, `SELECT CAST(id AS TEXT) FROM selfserve_requests WHERE status = 'refused'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			e := v.post("/help/orders/escalate", url.Values{"t": {oldToken}, "request": {id}})
			mustContain(t, string(e.body), `data-status="escalated"`, "A person will look at your request")
		}
		var conversations int
		var subject string
		if err := db.QueryRow(ctx, `SELECT COUNT(*), MIN(subject) FROM conversations`).Scan(&conversations, &subject); err != nil || conversations != 1 || subject != "Return request for order #1002" {
			t.Errorf("%d conversations %q (%v)", conversations, subject, err)
		}

		// A code opens all of Ana's orders.
		codePage := v.post("/help/orders/code", url.Values{"t": {token}})
		mustContain(t, string(codePage.body), "a***@example.com", `action="/help/orders/code/verify"`)
		var text string
		if err := db.QueryRow(ctx, `SELECT body_text FROM deliveries WHERE target = 'ana@example.com' AND key LIKE 'selfserve-code:%'`).Scan(&text); err != nil {
			t.Fatal(err)
		}
		code := regexp.MustCompile(`\d{6}`).FindString(text)
		wrong := v.post("/help/orders/code/verify", url.Values{"t": {token}, "code": {"12345"}})
		mustContain(t, string(wrong.body), "That code is not right: 4 tries left.")
		if mine := v.get("/help/orders/mine"); mine.status != 404 {
			t.Errorf("all orders before the code: %d", mine.status)
		}
		ok := v.post("/help/orders/code/verify", url.Values{"t": {token}, "code": {code}})
		if ok.status != http.StatusSeeOther || !strings.HasPrefix(ok.header.Get("Location"), "/help/orders/mine") {
			t.Fatalf("right code: %d %s\n%s", ok.status, ok.header.Get("Location"), ok.body)
		}
		mine := v.page("/help/orders/mine", 200)
		mustContain(t, mine, "Order #1001", "Order #1002", "1 item")
		if strings.Contains(mine, "#1005") {
			t.Error("another customer's order is listed")
		}
		link := regexp.MustCompile(`href="(/help/orders/view\?[^"]+)"`).FindStringSubmatch(mine)
		if link == nil {
			t.Fatal("no order link")
		}
		mustContain(t, v.page(strings.ReplaceAll(link[1], "&amp;", "&"), 200), "Order #1001", "See all my orders")

		// A forged link is the lookup form with the one message.
		mustContain(t, v.page("/help/orders/view?t=bm90LmEudG9rZW4", 404), "We could not find an order")
	})
}

// The admin edits the policy on /settings/returns: a bad value is refused
// beside its field and stores nothing; a good one is saved and shown to
// customers. Agents may not.
func TestReturnsPolicyPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		admin := s.visitor().login("admin@example.com")
		page := admin.get("/settings/returns")
		if page.status != 200 {
			t.Fatalf("%d\n%s", page.status, page.body)
		}
		mustContain(t, string(page.body), "returns.window_days", "returns.excluded", "Returns policy")
		csrf := admin.csrf(page)
		bad := admin.post("/settings/returns", url.Values{"csrf": {csrf}, "returns.window_days": {"400"}, "returns.condition": {"Unworn"}})
		if bad.status != 400 || !strings.Contains(string(bad.body), "is not a number of days from 0 to 365") || !strings.Contains(string(bad.body), `value="400"`) {
			t.Errorf("bad value: %d\n%s", bad.status, bad.body)
		}
		if v, _ := db.Setting(context.Background(), "returns.condition"); v != "" {
			t.Errorf("half-saved: condition %q", v)
		}
		good := admin.post("/settings/returns", url.Values{"csrf": {csrf}, "returns.window_days": {"14"}, "returns.shipping_paid_by": {"brand"},
			"returns.excluded": {"Gift cards"}, "returns.condition": {"Unworn <b>please</b>"}, "returns.cancel_before_shipping": {"false"}})
		if good.status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", good.status, good.body)
		}
		mustContain(t, admin.page("/settings/returns?saved=1", 200), `id="saved"`)
		mustContain(t, s.visitor().page("/help/returns", 200), "within 14 days", "paid by us", "Not returnable: Gift cards.", "Unworn &lt;b&gt;please&lt;/b&gt;", "cannot be cancelled online")
		if r := s.visitor().login("agent@example.com").get("/settings/returns"); r.status != 403 {
			t.Errorf("agent: %d", r.status)
		}
	})
}
