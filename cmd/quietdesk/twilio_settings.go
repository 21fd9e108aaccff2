package main

import (
	"quietdesk/internal/settings"
	"quietdesk/internal/twilio"
)

// The Twilio channel's settings (docs/twilio.md): the account, the senders
// of replies, and where calls go.
func init() {
	for _, s := range twilio.Settings {
		settings.Register(settings.Def{Key: s.Key, Help: s.Help, Check: s.Check, Secret: s.Secret})
	}
}
