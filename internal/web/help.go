package web

import (
	"context"
	"net/http"
	"strings"

	"quietdesk/internal/kb"
)

// The public help centre (docs/help-centre.md) is its own site on the
// brand's address: no login, no app navigation, the brand's name, colour
// and logo. Its pages are in templates/help and drawn in help/frame.html
// with a helpView.

// helpView is what every help-centre page is drawn with.
type helpView struct {
	Title       string
	Description string // the page's meta description, for search engines
	Canonical   string // the page's own address, for search engines
	Brand       helpBrand
	Locale      string   // the page's locale
	Locales     []string // the locales the help centre offers
	Nav         string   // the header link to highlight
	Data        any      // the page's own
}

// helpBrand is how the help centre looks for this brand.
type helpBrand struct {
	Name    string
	Color   string // #rrggbb ("" = the default)
	LogoURL string
}

// helpBrandOf reads the brand's help-centre settings.
func (s *Server) helpBrandOf(ctx context.Context) (helpBrand, []string, error) {
	var b helpBrand
	var locales string
	for _, f := range []struct {
		key string
		to  *string
	}{{kb.SettingHelpName, &b.Name}, {kb.SettingHelpColor, &b.Color}, {kb.SettingHelpLogoURL, &b.LogoURL}, {kb.SettingHelpLocales, &locales}} {
		v, err := s.db.Setting(ctx, f.key)
		if err != nil {
			return b, nil, err
		}
		*f.to = strings.TrimSpace(v)
	}
	if b.Name == "" {
		b.Name = "Help centre"
	}
	var list []string
	for _, l := range strings.Split(locales, ",") {
		if l = strings.TrimSpace(l); l != "" {
			list = append(list, l)
		}
	}
	if len(list) == 0 {
		list = []string{"en"}
	}
	return b, list, nil
}

// renderHelp draws a help-centre page, filling the brand and locales.
func (s *Server) renderHelp(w http.ResponseWriter, r *http.Request, status int, page string, v *helpView) error {
	b, locales, err := s.helpBrandOf(r.Context())
	if err != nil {
		return err
	}
	v.Brand, v.Locales = b, locales
	if v.Locale == "" {
		v.Locale = locales[0]
	}
	return s.help.execute(w, status, page, v)
}
