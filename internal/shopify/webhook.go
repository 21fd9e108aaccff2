package shopify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// SettingWebhookSecret is the setting holding the secret Shopify signs
// webhooks with (the app's client secret, or the one Shopify shows beside
// webhooks made in the admin).
const SettingWebhookSecret = "shopify.webhook_secret"

// Verify reports whether signature (X-Shopify-Hmac-Sha256) is Shopify's
// signature of body: base64 of HMAC-SHA256 over the raw bytes, keyed with
// secret. The comparison takes the same time wherever the two differ. An
// empty secret verifies nothing.
func Verify(body []byte, secret, signature string) bool {
	if secret == "" || signature == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	return hmac.Equal(got, Sign(body, secret))
}

// Sign is Shopify's HMAC-SHA256 of body, before base64.
func Sign(body []byte, secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return mac.Sum(nil)
}

// Delivery is one verified webhook request.
type Delivery struct {
	// ID is X-Shopify-Webhook-Id; a delivery seen before changes nothing.
	ID    string
	Topic string
	Body  []byte
	// At is when it arrived.
	At time.Time
}

// topics maps each topic Quietdesk takes to what it does. orders/paid
// and the other order topics all send the whole order: each is an update.
var topics = map[string]func(context.Context, *store.Tx, *ingest.Env, []byte) (Outcome, error){
	"orders/create":       putOrder,
	"orders/updated":      putOrder,
	"orders/cancelled":    putOrder,
	"orders/fulfilled":    putOrder,
	"orders/paid":         putOrder,
	"fulfillments/create": putFulfillment,
	"fulfillments/update": putFulfillment,
	"refunds/create":      putRefund,
	"customers/create":    putCustomer,
	"customers/update":    putCustomer,
}

// Topics lists the topics Quietdesk takes, for docs and logs.
func Topics() []string {
	out := make([]string, 0, len(topics))
	for t := range topics {
		out = append(out, t)
	}
	return out
}

// UnknownTopic is the Ignored reason of a topic Quietdesk does not take.
const UnknownTopic = "a topic Quietdesk does not take"

// Receive handles one verified delivery inside tx: a repeated webhook id
// is a duplicate, an unknown topic is ignored (and answered as taken, so
// that Shopify does not retry it and then disable the endpoint), and
// every other topic is kept and mapped. A body that cannot be mapped is
// an error naming the field; the caller rolls the transaction back.
func Receive(ctx context.Context, tx *store.Tx, env *ingest.Env, d Delivery) (Outcome, error) {
	out := Outcome{Topic: d.Topic}
	if d.ID != "" {
		res, err := tx.Exec(ctx, `INSERT INTO shopify_webhooks (webhook_id, topic, received_at) VALUES (?, ?, ?) ON CONFLICT (webhook_id) DO NOTHING`,
			d.ID, d.Topic, d.At.Unix())
		if err != nil {
			return out, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			out.Duplicate = true
			return out, err
		}
	}
	handle, ok := topics[d.Topic]
	if !ok {
		out.Ignored = UnknownTopic
		return out, nil
	}
	got, err := handle(ctx, tx, env, d.Body)
	got.Topic = d.Topic
	return got, err
}
