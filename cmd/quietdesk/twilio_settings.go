package main

import "quietdesk/internal/twilio"

// The Twilio channel's settings (docs/twilio.md): the account, the senders
// of replies, and where calls go.
func init() {
	for _, s := range twilio.Settings {
		settingKeys[s.Key] = settingKey{help: s.Help, check: s.Check, secret: s.Secret}
	}
}
