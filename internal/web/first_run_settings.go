package web

import (
	"errors"

	"quietdesk/internal/settings"
)

// The first-run steps' setting: an admin's "dismiss" on the Overview, or
// `quietdesk settings set overview.first_run ""` to see the steps again.
func init() {
	settings.Register(settings.Def{Key: FirstRunSetting, Help: `"dismissed" shows the Overview's charts before the store has orders, contacts and costs; empty shows the first steps until it has`,
		Check: func(v string) error {
			if v != "dismissed" {
				return errors.New(`use "dismissed", or an empty value to show the first steps again`)
			}
			return nil
		}})
}
