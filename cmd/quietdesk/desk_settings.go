package main

import "quietdesk/internal/desk"

// The desk's settings: where customers write, and the inbox's targets,
// hours and helpers (docs/desk.md, docs/email.md#addresses).
func init() {
	// Mail to these (and their reply+token addresses) is received; the
	// first is the sender of replies.
	settingKeys[desk.SettingSupportAddresses] = settingKey{help: "the support addresses customers write to, comma-separated; the first sends agents' replies", check: func(v string) error {
		_, err := desk.ParseSupportAddresses(v)
		return err
	}}
	for _, s := range desk.InboxSettings {
		settingKeys[s.Key] = settingKey{help: s.Help, check: s.Check}
	}
}
