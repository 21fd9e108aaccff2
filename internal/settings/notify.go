package settings

import "quietdesk/internal/notify"

// Notification delivery (internal/notify/README.md#settings): the SMTP
// relay and the review's chat webhook, on /settings/notifications.
func init() {
	for _, s := range notify.Settings {
		Register(Def{Key: s.Key, Help: s.Help, Check: s.Check, Secret: s.Secret})
	}
}
