package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"quietdesk/internal/commerce"
	"quietdesk/internal/costs"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// kindOf is the Kind each ingest route parses with.
var kindOf = map[string]*ingest.Kind{
	"/api/v1/orders":             ingest.Orders,
	"/api/v1/order_lines":        ingest.OrderLines,
	"/api/v1/returns":            ingest.Returns,
	"/api/v1/fulfillment_events": ingest.FulfillmentEvents,
	"/api/v1/contacts":           ingest.Contacts,
	"/api/v1/self_service":       ingest.SelfService,
	"/api/v1/costs":              ingest.Costs,
	"/api/v1/actions":            ingest.Actions,
	"/api/v1/messages":           ingest.Messages,
}

// loadDoc fetches the document the server serves and validates it.
func loadDoc(t *testing.T, a *app) (*openapi3.T, routers.Router) {
	t.Helper()
	r := a.do("GET", "/api/v1/openapi.json", "", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// TestOpenAPIDescribesExactlyTheRoutes holds the document to the server's
// route table, both ways, and checks each route answers on the real server.
func TestOpenAPIDescribesExactlyTheRoutes(t *testing.T) {
	a := start(t, storetest.Open(t, store.SQLite))
	doc, _ := loadDoc(t, a)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	served := a.srv.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("the document describes\n  %q\nthe server routes\n  %q", documented, served)
	}
	for _, route := range served {
		method, path, _ := strings.Cut(route, " ")
		r := a.do(method, path, "Bearer "+a.ingest, []byte(`{}`))
		if r.status == 404 || r.status == 405 {
			t.Errorf("%s answered %d", route, r.status)
		}
	}
}

// TestOpenAPIRequiredFieldsAreTheKinds holds every ingest schema to its
// Kind: the same required list, the same fields, the same allowed values.
func TestOpenAPIRequiredFieldsAreTheKinds(t *testing.T) {
	a := start(t, storetest.Open(t, store.SQLite))
	doc, _ := loadDoc(t, a)
	for path, kind := range kindOf {
		op := doc.Paths.Value(path).Post
		body := op.RequestBody.Value.Content.Get("application/json").Schema.Value
		if len(body.OneOf) != 2 {
			t.Fatalf("%s: the body is not oneOf [item, batch]", path)
		}
		item := body.OneOf[0].Value
		batchItem := body.OneOf[1].Value.Properties["items"].Value
		if batchItem.Items.Value != item {
			t.Errorf("%s: the batch's items are not the single item's schema", path)
		}
		if max := batchItem.MaxItems; max == nil || *max != 5000 {
			t.Errorf("%s: batch maxItems %v, want 5000", path, max)
		}
		if !slices.Equal(item.Required, kind.Required) {
			t.Errorf("%s: required %q, Kind %s requires %q", path, item.Required, kind.Name, kind.Required)
		}
		want := append(slices.Clone(kind.Required), kind.Optional...)
		if kind == ingest.Orders {
			want = append(want, "lines")
		}
		if got := slices.Sorted(mapKeys(item.Properties)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: properties %q, Kind %s reads %q", path, got, kind.Name, want)
		}
		if ap := item.AdditionalProperties.Has; ap == nil || *ap {
			t.Errorf("%s: unknown fields are refused, so additionalProperties must be false", path)
		}
		wantSecurity := func(r openapi3.SecurityRequirement) bool { return slices.Equal(r["bearerToken"], []string{"ingest"}) }
		if op.Security == nil || !slices.ContainsFunc(*op.Security, wantSecurity) {
			t.Errorf("%s: security %v, want bearerToken with scope ingest", path, op.Security)
		}
	}

	lines := doc.Paths.Value("/api/v1/orders").Post.RequestBody.Value.Content.Get("application/json").Schema.Value.OneOf[0].Value.Properties["lines"].Value.Items.Value
	if want := ingest.OrderLines.Required[1:]; !slices.Equal(lines.Required, want) {
		t.Errorf("order lines require %q, want %q", lines.Required, want)
	}

	enums := []struct {
		path, field string
		values      []string
	}{
		{"/api/v1/orders", "status", commerce.OrderStatuses},
		{"/api/v1/contacts", "channel", desk.Channels},
		{"/api/v1/messages", "channel", desk.Channels},
		{"/api/v1/messages", "author", desk.Authors},
		{"/api/v1/self_service", "outcome", kb.Outcomes},
		{"/api/v1/self_service", "kind", kb.SessionKinds},
		{"/api/v1/costs", "kind", costs.Kinds},
		{"/api/v1/costs", "channel", desk.Channels},
	}
	for _, e := range enums {
		item := doc.Paths.Value(e.path).Post.RequestBody.Value.Content.Get("application/json").Schema.Value.OneOf[0].Value
		var got []string
		for _, v := range item.Properties[e.field].Value.Enum {
			if v != nil {
				got = append(got, v.(string))
			}
		}
		if !slices.Equal(got, e.values) {
			t.Errorf("%s %s: the document allows %q, the code %q", e.path, e.field, got, e.values)
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestOpenAPIMatchesRealTraffic sends real requests to every ingest route,
// single and batch, good and bad, and validates each request and each
// response against the document.
func init() {
	// The review is also served as Markdown and HTML: text, as far as the
	// document's schema goes.
	asText := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	}
	openapi3filter.RegisterBodyDecoder("text/markdown", asText)
	openapi3filter.RegisterBodyDecoder("text/html", asText)
}

func TestOpenAPIMatchesRealTraffic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		_, router := loadDoc(t, a)
		exchange := func(method, path, authorization string, body []byte, wantStatus int) {
			t.Helper()
			req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("%s %s: not in the document: %v", method, path, err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
			if wantStatus != 400 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("%s %s: the request does not match the document: %v\n%s", method, path, err, body)
				}
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != wantStatus {
				t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, data)
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
				Options: &openapi3filter.Options{MultiError: true}}
			out.SetBodyBytes(data)
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%s %s: the %d response does not match the document: %v\n%s", method, path, resp.StatusCode, err, data)
			}
		}
		marshal := func(v any) []byte {
			data, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		auth := "Bearer " + a.ingest

		exchange("GET", "/healthz", "", nil, 200)
		exchange("GET", "/api/v1/openapi.json", "", nil, 200)
		withLines := order("L1")
		withLines["lines"] = []obj{{"sku": "TEE-M", "quantity": 1, "unit_price": 19.99, "unit_cost": "4.10"}}
		exchange("POST", "/api/v1/orders", auth, marshal(batch(withLines)), 200)
		for _, v := range validItems {
			exchange("POST", v.path, auth, marshal(v.item), 200)
			exchange("POST", v.path, auth, marshal(batch(v.item)), 200)
		}
		read := "Bearer " + a.read
		metrics := "/api/v1/metrics?from=2026-03-02&to=2026-03-15&metric="
		exchange("GET", metrics+"cpo", read, nil, 200)
		exchange("GET", metrics+"cpo&grain=day&by=channel&format=csv", read, nil, 200)
		exchange("GET", metrics+"cpo_cohort&by=sales_channel&format=json", read, nil, 200)
		exchange("GET", metrics+"self_service_rate&grain=month", read, nil, 200)
		exchange("GET", "/api/v1/metrics?metric=contribution_per_order&return_adjusted=true&by=carrier", read, nil, 200)
		exchange("GET", "/api/v1/metrics?grain=day", read, nil, 400)

		admin := "Bearer " + a.token("admin")
		exchange("GET", "/api/v1/guardrails", read, nil, 200)
		exchange("PATCH", "/api/v1/guardrails/cpo_ceiling", admin, marshal(obj{"threshold": 0.3, "owner": "Dana"}), 200)
		exchange("PATCH", "/api/v1/guardrails/cpo_ceiling", admin, marshal(obj{"threshold": nil}), 200)
		exchange("PATCH", "/api/v1/guardrails/cpo_ceiling", admin, marshal(obj{"threshold": "high"}), 400)
		exchange("PATCH", "/api/v1/guardrails/nope", admin, marshal(obj{"owner": "Dana"}), 404)
		exchange("PATCH", "/api/v1/guardrails/cpo_ceiling", read, marshal(obj{"owner": "Dana"}), 403)
		exchange("GET", "/api/v1/alerts?week=2026-W11", read, nil, 200)
		exchange("GET", "/api/v1/alerts?week=soon", read, nil, 400)
		// A DHL order in the week before the correction and one after.
		before, after := order("P1"), order("P2")
		before["placed_at"], before["carrier"], after["carrier"] = "2026-02-25T10:00:00Z", "DHL", "DHL"
		exchange("POST", "/api/v1/orders", auth, marshal(batch(before, after)), 200)
		newCorrection := obj{"title": "Delay notices", "metric": "cpo", "scope": obj{"dimension": "carrier", "group": "DHL"},
			"expected": obj{"low": 0.01, "base": 0.02, "high": 0.03}, "owner": "Malik", "start": "2026-03-02"}
		exchange("POST", "/api/v1/corrections", admin, marshal(newCorrection), 201)
		newCorrection["expected"] = obj{"low": 0.05, "base": 0.02, "high": 0.03}
		exchange("POST", "/api/v1/corrections", admin, marshal(newCorrection), 400)
		exchange("GET", "/api/v1/corrections", read, nil, 200)
		exchange("GET", "/api/v1/corrections/1/review", read, nil, 200)
		exchange("GET", "/api/v1/corrections/99/review", read, nil, 404)
		exchange("GET", "/api/v1/review?week=2026-W11", read, nil, 200)
		exchange("GET", "/api/v1/review?week=2026-W11&format=md", read, nil, 200)
		exchange("GET", "/api/v1/review?week=2026-W11&format=html", read, nil, 200)
		exchange("GET", "/api/v1/review?format=pdf", read, nil, 400)
		exchange("GET", metrics+"cpo", "", nil, 401)
		exchange("GET", metrics+"cpo", auth, nil, 403)
		exchange("POST", "/api/v1/orders", auth, marshal(obj{"order_id": "X", "placed_at": "soon"}), 400)
		exchange("POST", "/api/v1/orders", "", marshal(order("Y")), 401)
		exchange("POST", "/api/v1/orders", "Bearer "+a.read, marshal(order("Y")), 403)
	})
}
