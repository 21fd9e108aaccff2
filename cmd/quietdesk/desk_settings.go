package main

import (
	"quietdesk/internal/desk"
	"quietdesk/internal/settings"
)

// The desk's settings: where customers write, and the inbox's targets,
// hours and helpers (docs/desk.md, docs/email.md#addresses).
func init() {
	// Mail to these (and their reply+token addresses) is received; the
	// first is the sender of replies.
	settings.Register(settings.Def{Key: desk.SettingSupportAddresses, Help: "the support addresses customers write to, comma-separated; the first sends agents' replies", Check: func(v string) error {
		_, err := desk.ParseSupportAddresses(v)
		return err
	}})
	for _, s := range desk.InboxSettings {
		settings.Register(settings.Def{Key: s.Key, Help: s.Help, Check: s.Check})
	}
}
