package main

import (
	"errors"
	"quietdesk/internal/settings"
	"strings"

	"quietdesk/internal/shopify"
)

// The shop's settings: the secret Shopify signs its webhooks with
// (docs/shopify.md#connecting).
func init() {
	settings.Register(settings.Def{
		Key:    shopify.SettingWebhookSecret,
		Help:   "the secret Shopify signs webhooks with (the app's client secret, or the key shown under Settings > Notifications > Webhooks); POST /webhooks/shopify takes nothing until it is set",
		Secret: true,
		Check: func(v string) error {
			if strings.TrimSpace(v) != v || v == "" {
				return errors.New("the secret must be given exactly as Shopify shows it, without spaces around it")
			}
			return nil
		},
	})
}
