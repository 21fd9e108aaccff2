package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Real order JSON from Shopify's client libraries' fixtures
// (internal/shopify/testdata/SOURCE.md).
const shopifyFixtures = "../../internal/shopify/testdata/"

// importShopify runs the import and checks its summary line.
func importShopify(t *testing.T, dsn, file, want string) result {
	t.Helper()
	r := mustRun(t, "import", "orders", file, "--format", "shopify-json", "--db", dsn)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("import %s: %q does not say %q", filepath.Base(file), r.stdout, want)
	}
	return r
}

func TestImportShopifyJSON(t *testing.T) {
	// A bare order, as the orders/* webhooks send it.
	data, err := os.ReadFile(shopifyFixtures + "shopify_python_api/order.json")
	if err != nil {
		t.Fatal(err)
	}
	var one map[string]json.RawMessage
	if err := json.Unmarshal(data, &one); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "bare.json")
	if err := os.WriteFile(bare, one["order"], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{shopifyFixtures + "shopify-api-ruby/orders.json", shopifyFixtures + "shopify_python_api/order.json", bare} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			eachDB(t, func(t *testing.T, dsn string) {
				// The order and its failed fulfilment's event.
				importShopify(t, dsn, file, "(orders, shopify-json format): 1 orders read, 2 created, 0 updated, 0 unchanged, 0 rejected")
				r := importShopify(t, dsn, file, "1 orders read, 0 created, 0 updated, 2 unchanged, 0 rejected")
				if !strings.Contains(r.stdout, "nothing changed") {
					t.Errorf("the second import does not say nothing changed: %q", r.stdout)
				}
				for query, want := range map[string]int{
					`SELECT COUNT(*) FROM orders WHERE external_id = '450789469' AND name = '#1001' AND status = 'placed' AND currency = 'USD'
						AND item_revenue = 59700 AND discount_code = 'TENOFF' AND sales_channel = 'web' AND country = 'US' AND carrier = ''`: 1,
					`SELECT COUNT(*) FROM order_lines`: 3,
					`SELECT COUNT(*) FROM fulfillment_events WHERE kind = 'exception' AND detail LIKE 'tracking 1Z2345 http%'`: 1,
					`SELECT COUNT(*) FROM customer_identities WHERE kind = 'shopify' AND value = '207119551'`:                  1,
					`SELECT COUNT(*) FROM shopify_objects WHERE kind = 'order'`:                                                1,
					// The import brought the rollups up to date itself.
					`SELECT COUNT(*) FROM metric_dirty`: 0,
				} {
					if n := count(t, dsn, query); n != want {
						t.Errorf("%s = %d, want %d", query, n, want)
					}
				}
			})
		})
	}
}

// A file with a bad order imports nothing, and says which order and field.
func TestImportShopifyJSONRefusesBadOrders(t *testing.T) {
	data, err := os.ReadFile(shopifyFixtures + "shopify_python_api/order.json")
	if err != nil {
		t.Fatal(err)
	}
	var one map[string]json.RawMessage
	json.Unmarshal(data, &one)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"orders": [`+string(one["order"])+`, {"id": 1002, "name": "#1002", "created_at": "yesterday", "line_items": [{"sku": "X", "quantity": 0, "price": "5.00"}]}]}`), 0o600)
	notJSON := filepath.Join(dir, "cut.json")
	os.WriteFile(notJSON, data[:100], 0o600)
	noOrder := filepath.Join(dir, "none.json")
	os.WriteFile(noOrder, []byte(`{"products": []}`), 0o600)
	eachDB(t, func(t *testing.T, dsn string) {
		r := run(t, "import", "orders", bad, "--format", "shopify-json", "--db", dsn)
		for _, want := range []string{"orders[1] (id 1002) created_at: \"yesterday\" is not a time", "orders[1] (id 1002) line_items[0].quantity: must be positive (got 0)", "1 of 2 orders cannot be stored; nothing was imported"} {
			if r.code != 1 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr %q does not say %q", r.code, r.stderr, want)
			}
		}
		for _, c := range []struct{ file, want string }{
			{notJSON, "is not valid JSON"},
			{noOrder, `holds no Shopify order`},
		} {
			if r := run(t, "import", "orders", c.file, "--format", "shopify-json", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s: exit %d, stderr %q, want %q", filepath.Base(c.file), r.code, r.stderr, c.want)
			}
		}
		if r := run(t, "import", "returns", bad, "--format", "shopify-json", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "takes orders") {
			t.Errorf("returns in shopify-json: exit %d %q", r.code, r.stderr)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM orders`); n != 0 {
			t.Errorf("%d orders stored from refused files", n)
		}
	})
}
