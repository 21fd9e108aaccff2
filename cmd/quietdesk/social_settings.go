package main

import (
	"fmt"
	"quietdesk/internal/settings"

	"quietdesk/internal/social"
)

// The social webhook's settings (docs/webhooks.md#inbound): the secret
// bridges sign with, and optionally the brand's own accounts.
func init() {
	settings.Register(settings.Def{Key: social.SettingSecret, Help: "the secret social and messaging bridges sign POST /webhooks/social with (set it with - to read it from stdin)", Secret: true, Check: func(v string) error {
		if v != "" && len(v) < 16 {
			return fmt.Errorf("is %d characters: use at least 16 random ones (openssl rand -hex 32)", len(v))
		}
		return nil
	}})
	settings.Register(settings.Def{Key: social.SettingAccounts, Help: "the brand's accounts that social messages may be for, as platform:account, comma-separated (e.g. instagram:@brand,messenger:1234); empty: any", Check: func(v string) error {
		_, err := social.ParseAccounts(v)
		return err
	}})
}
