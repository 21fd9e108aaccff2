package main

import (
	"quietdesk/internal/chat"
	"quietdesk/internal/settings"
)

// The chat widget's settings (docs/chat.md#settings).
func init() {
	for _, s := range chat.Settings {
		settings.Register(settings.Def{Key: s.Key, Help: s.Help, Check: s.Check, Secret: s.Secret})
	}
}
