package main

import "quietdesk/internal/chat"

// The chat widget's settings (docs/chat.md#settings).
func init() {
	for _, s := range chat.Settings {
		settingKeys[s.Key] = settingKey{help: s.Help, check: s.Check, secret: s.Secret}
	}
}
