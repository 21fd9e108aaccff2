package main

import (
	"fmt"
	"net/url"
	"quietdesk/internal/settings"
	"regexp"
	"strings"

	"quietdesk/internal/kb"
)

// The help centre's settings (docs/help-centre.md#brand): its colour, logo
// and locales. Its name, the brand's, is a store setting (package
// settings: help.name).
func init() {
	settings.Register(settings.Def{Key: kb.SettingHelpColor, Help: "the help centre's colour, #rrggbb (#2f5d8a until set)", Check: checkHelpColor})
	settings.Register(settings.Def{Key: kb.SettingHelpLogoURL, Help: "an https:// address of the brand's logo, shown in the help centre's header", Check: checkHelpLogo})
	settings.Register(settings.Def{Key: kb.SettingHelpLocales, Help: "the help centre's locales, comma-separated, the first the default (en until set)", Check: checkHelpLocales})
}

var (
	helpColorPattern  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	helpLocalePattern = regexp.MustCompile(`^[a-z]{2}(?:-[A-Z]{2})?$`)
)

func checkHelpColor(v string) error {
	if !helpColorPattern.MatchString(v) {
		return fmt.Errorf("%q is not a colour: write it as # and six hex digits, like #2f5d8a", v)
	}
	return nil
}

func checkHelpLogo(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an https:// address: the logo must be served over https, like https://brand.example/logo.svg", v)
	}
	return nil
}

func checkHelpLocales(v string) error {
	seen := map[string]bool{}
	for _, l := range strings.Split(v, ",") {
		l = strings.TrimSpace(l)
		if !helpLocalePattern.MatchString(l) {
			return fmt.Errorf("%q is not a locale: list language codes such as en,fr,pt-BR, separated by commas", l)
		}
		if seen[l] {
			return fmt.Errorf("%s is listed twice", l)
		}
		seen[l] = true
	}
	return nil
}
