package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"

	"quietdesk/internal/shopify"
)

// BenchmarkShopifyWebhooks is BenchmarkTwilioWebhooks for the shop: signed
// orders/create webhooks, each a new order (Shopify's own order fixture
// with another id, name and customer), at the same pace and for as long,
// against GET /healthz at that pace just before.
func BenchmarkShopifyWebhooks(b *testing.B) {
	const secret = "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"
	raw, err := os.ReadFile("../shopify/testdata/shopify_python_api/order.json")
	if err != nil {
		b.Fatal(err)
	}
	var fixture struct {
		Order map[string]any `json:"order"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		db, base, stop := webhookServer(b, func(string) map[string]string {
			return map[string]string{shopify.SettingWebhookSecret: secret}
		})
		idle, hooks := pacedAgainstIdle(b, base, func(k int) (*http.Request, error) {
			order := fixture.Order
			order["id"], order["name"], order["email"] = 900000000+k, fmt.Sprintf("#%d", 5000+k), fmt.Sprintf("buyer%d@example.com", k)
			body, err := json.Marshal(order)
			if err != nil {
				return nil, err
			}
			req, err := http.NewRequest("POST", base+"/webhooks/shopify", bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Shopify-Topic", "orders/create")
				req.Header.Set("X-Shopify-Webhook-Id", fmt.Sprintf("b%08d-0000-4000-8000-000000000000", k))
				req.Header.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(shopify.Sign(body, secret)))
			}
			return req, err
		})
		stop()
		if n, stored := webhookRate()*webhookSeconds(), count(b, db, `SELECT COUNT(*) FROM orders`); stored != n {
			b.Fatalf("%d of %d orders stored", stored, n)
		}
		ip, wp := percentiles(idle), percentiles(hooks)
		b.ReportMetric(float64(wp[1].Microseconds())/1000, "p95-ms")
		b.ReportMetric(float64(ip[1].Microseconds())/1000, "idle-p95-ms")
		summarize("%-28s %d/s for %d s: p50 %s, p95 %s, p99 %s (idle p95 %s)", "Shopify webhooks (sqlite)", webhookRate(), webhookSeconds(),
			ms(wp[0]), ms(wp[1]), ms(wp[2]), ms(ip[1]))
	}
}
