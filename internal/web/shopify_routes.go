package web

import (
	"io"
	"net/http"

	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/shopify"
	"quietdesk/internal/store"
)

// shopifyRoutes are the routes of this channel (docs/shopify.md).
func (s *Server) shopifyRoutes() []route {
	// A busy shop sends bursts (a bulk fulfilment is one webhook per
	// order) from few addresses: the limit is generous, and a refused
	// delivery is retried by Shopify.
	return []route{
		{"POST /webhooks/shopify", s.limitSource("Shopify webhook", webhookPerSecond, webhookBurst, s.handle(s.shopifyWebhook)), false},
	}
}

// shopifyWebhook takes one Shopify webhook: verified over the raw body
// with shopify.webhook_secret (401 and nothing stored when it does not
// match), taken once per X-Shopify-Webhook-Id, and mapped in one
// transaction (400 naming the field, nothing stored, when it cannot be).
func (s *Server) shopifyWebhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	secret, err := s.db.Setting(r.Context(), shopify.SettingWebhookSecret)
	if err != nil {
		return err
	}
	topic, id := r.Header.Get("X-Shopify-Topic"), r.Header.Get("X-Shopify-Webhook-Id")
	if secret == "" {
		s.log.Warn("shopify webhook refused: no secret is set", "fix", "quietdesk settings set "+shopify.SettingWebhookSecret+" SECRET", "topic", topic)
		return domain.Errorf(domain.EUnauthorized, "this store takes no Shopify webhooks yet: its admin sets %s first", shopify.SettingWebhookSecret)
	}
	if !shopify.Verify(body, secret, r.Header.Get("X-Shopify-Hmac-Sha256")) {
		s.log.Warn("shopify webhook refused: the signature does not match", "topic", topic, "webhook_id", id, "from", s.clientIP(r))
		return domain.Errorf(domain.EUnauthorized, "X-Shopify-Hmac-Sha256 does not match the body signed with %s", shopify.SettingWebhookSecret)
	}
	d := shopify.Delivery{ID: id, Topic: topic, Body: body, At: s.Now()}
	var out shopify.Outcome
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = shopify.Receive(r.Context(), tx, ingest.NewEnv(s.Now), d)
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case out.Ignored == shopify.UnknownTopic:
		s.log.Info("shopify webhook ignored: not a topic Quietdesk takes", "topic", topic, "webhook_id", id)
	case out.Ignored != "":
		s.log.Info("shopify webhook ignored: "+out.Ignored, "topic", topic, "webhook_id", id, "order", out.OrderID)
	}
	return writeJSON(w, http.StatusOK, out)
}
