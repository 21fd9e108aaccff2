package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"quietdesk/internal/kb"
	"quietdesk/internal/store"
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
	Query       string   // what the search box holds
	Data        any      // the page's own
}

// helpBrand is how the help centre looks for this brand.
type helpBrand struct {
	Name    string
	Color   string // #rrggbb ("" = the default)
	LogoURL string
	// Theme is the address of the stylesheet carrying Color
	// (/help/theme.css with a version, so browsers keep it).
	Theme string
}

// helpSite is what every help-centre answer reads first: the brand, the
// locales offered and the site's address, read in one query.
type helpSite struct {
	Brand   helpBrand
	Locales []string // at least one; the first is the default
	SiteURL string   // site.url without its trailing slash; "" when unset
}

// fingerprint tells apart the settings a drawn page depends on, for the
// page cache.
func (h helpSite) fingerprint() string {
	return strings.Join([]string{h.Brand.Name, h.Brand.Color, h.Brand.LogoURL, strings.Join(h.Locales, ","), h.SiteURL}, "\x00")
}

var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// helpSiteOf reads the help centre's settings. A value stored before its
// check existed (a colour that is not #rrggbb, a logo that is not https)
// is ignored rather than drawn.
func (s *Server) helpSiteOf(ctx context.Context) (helpSite, error) {
	keys := []string{kb.SettingHelpName, kb.SettingHelpColor, kb.SettingHelpLogoURL, kb.SettingHelpLocales, store.SiteURLSetting}
	rows, err := s.db.Query(ctx, `SELECT key, value FROM settings WHERE key IN (?, ?, ?, ?, ?)`, keys[0], keys[1], keys[2], keys[3], keys[4])
	if err != nil {
		return helpSite{}, err
	}
	defer rows.Close()
	v := map[string]string{}
	for rows.Next() {
		var k, val string
		if err := rows.Scan(&k, &val); err != nil {
			return helpSite{}, err
		}
		v[k] = strings.TrimSpace(val)
	}
	if err := rows.Err(); err != nil {
		return helpSite{}, err
	}
	h := helpSite{Brand: helpBrand{Name: v[kb.SettingHelpName]}, SiteURL: strings.TrimRight(v[store.SiteURLSetting], "/")}
	if colorPattern.MatchString(v[kb.SettingHelpColor]) {
		h.Brand.Color = strings.ToLower(v[kb.SettingHelpColor])
	}
	if logo := v[kb.SettingHelpLogoURL]; logoOrigin(logo) != "" {
		h.Brand.LogoURL = logo
	}
	if h.Brand.Name == "" {
		if u, err := url.Parse(h.SiteURL); err == nil && u.Host != "" {
			h.Brand.Name = u.Hostname()
		} else {
			h.Brand.Name = "Help centre"
		}
	}
	for _, l := range strings.Split(v[kb.SettingHelpLocales], ",") {
		if l = strings.TrimSpace(l); l != "" {
			h.Locales = append(h.Locales, l)
		}
	}
	if len(h.Locales) == 0 {
		h.Locales = []string{"en"}
	}
	h.Brand.Theme = "/help/theme.css?v=" + themeVersion(h.Brand.Color)
	return h, nil
}

// helpBrandOf reads the brand's help-centre settings.
func (s *Server) helpBrandOf(ctx context.Context) (helpBrand, []string, error) {
	h, err := s.helpSiteOf(ctx)
	return h.Brand, h.Locales, err
}

// logoOrigin is the origin of an https logo address, "" for anything else.
func logoOrigin(logo string) string {
	u, err := url.Parse(logo)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return ""
	}
	return "https://" + u.Host
}

// helpHeaders sets the headers of every help-centre answer. Its content
// security policy is the app's, but images may also come from the logo's
// origin: a brand hosts its logo where it likes.
func helpHeaders(w http.ResponseWriter, b helpBrand) {
	img := "'self' data:"
	if o := logoOrigin(b.LogoURL); o != "" {
		img += " " + o
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src "+img+"; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	// Links out of the help centre (an article's) say where the reader
	// came from, no more.
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}

// renderHelp draws a help-centre page, filling the brand and locales.
func (s *Server) renderHelp(w http.ResponseWriter, r *http.Request, status int, page string, v *helpView) error {
	h, err := s.helpSiteOf(r.Context())
	if err != nil {
		return err
	}
	v.Brand, v.Locales = h.Brand, h.Locales
	if v.Locale == "" {
		v.Locale = h.Locales[0]
	}
	helpHeaders(w, h.Brand)
	return s.help.execute(w, status, page, v)
}

// drawHelp draws a help-centre page into bytes, for pages kept in the
// page cache.
func (s *Server) drawHelp(page string, v *helpView) ([]byte, error) {
	t, ok := s.help.pages[page]
	if !ok {
		return nil, fmt.Errorf("no help page template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, s.help.frame, v); err != nil {
		return nil, fmt.Errorf("draw help page %s: %w", page, err)
	}
	if trackTemplates {
		markExecutedFrom(t, s.help.frame)
	}
	return buf.Bytes(), nil
}
