package settings

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/decide"
	"quietdesk/internal/kb"
	"quietdesk/internal/reviewday"
)

// The store's own settings, on /settings/store: its time zone, currency,
// program start, review day, address and name.
const (
	TimeZone     = "timezone"
	Currency     = commerce.CurrencySetting
	ProgramStart = "program_start"
	SiteURL      = reviewday.SiteURLSetting
	ReviewDay    = reviewday.DaySetting
	BrandName    = kb.SettingHelpName
)

func init() {
	Register(Def{Key: TimeZone, Help: "IANA time zone; weeks and days are cut in it (UTC until set)",
		Affects: "every metric's days and weeks are cut again in the new zone: the whole metrics rollup is recomputed, which takes a while on a large store",
		Check: func(v string) error {
			if _, err := time.LoadLocation(v); err != nil {
				return fmt.Errorf("%q is not a time zone: use an IANA name like Europe/Paris or America/New_York", v)
			}
			return nil
		}})
	// All of a store's money is in its currency; orders in another are
	// converted at imported exchange rates or refused (docs/import.md#currency).
	Register(Def{Key: Currency, Help: "ISO 4217 code of the store's currency, like EUR (the first imported order's until set)",
		Affects: "nothing already stored is converted: orders imported before keep their amounts, now read in the new currency; set it before the first import",
		Check: func(v string) error {
			if !commerce.ValidCurrency(v) {
				return fmt.Errorf("%q is not a currency code: write its ISO 4217 code in capitals, like EUR or USD", v)
			}
			return nil
		}})
	// Day 0 of the 30-60-90 program: thresholds are proposed from the 30
	// days that follow it.
	Register(Def{Key: ProgramStart, Help: "YYYY-MM-DD, day 0 of the 30-60-90 program (the day of the first order until set)", Check: func(v string) error {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fmt.Errorf("%q is not a date: write YYYY-MM-DD", v)
		}
		return nil
	}})
	Register(Def{Key: SiteURL, Help: "the web UI's address as people open it (https://desk.brand.com), for links in the weekly review's messages", Check: func(v string) error {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%q is not an http:// or https:// address", v)
		}
		return nil
	}})
	Register(Def{Key: ReviewDay, Help: "the weekday the weekly review is emailed and posted (monday until set)", Check: func(v string) error {
		if !slices.Contains(decide.Weekdays, strings.ToLower(v)) {
			return fmt.Errorf("%q is not a weekday: write monday, tuesday, …", v)
		}
		return nil
	}})
	Register(Def{Key: BrandName, Help: "the brand's name in the help centre's header (site.url's host until set)", Check: func(v string) error {
		if n := len([]rune(v)); n > 80 {
			return fmt.Errorf("the name is %d characters: at most 80", n)
		}
		return nil
	}})
}
