package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"quietdesk/internal/kb"
)

// The brand's colour reaches the help centre through a stylesheet made
// from the setting: the content security policy allows styles from this
// server only, never inline. The stylesheet also picks the header's text
// colour and, where the brand's colour is too light to read on white, a
// darker shade of it for links, so a brand cannot make its own help
// centre unreadable (WCAG AA asks 4.5:1 for text).

// defaultHelpColor is the help centre's colour until help.color is set
// (white on it reads at 6.9:1).
const defaultHelpColor = "#2f5d8a"

// themeVersion names the stylesheet of a colour, so it can be cached for
// good and changes address when the colour does.
func themeVersion(color string) string {
	sum := sha256.Sum256([]byte("theme1" + color))
	return hex.EncodeToString(sum[:5])
}

// themeCSS is the stylesheet of a brand colour (#rrggbb, "" = default).
func themeCSS(color string) string {
	if !colorPattern.MatchString(color) {
		color = defaultHelpColor
	}
	rgb := parseHex(color)
	header := "#ffffff"
	if contrast(rgb, [3]float64{255, 255, 255}) < contrast(rgb, [3]float64{17, 17, 17}) {
		header = "#111111"
	}
	link := rgb
	for i := 0; i < 40 && contrast(link, [3]float64{255, 255, 255}) < 4.5; i++ {
		for c := range link {
			link[c] *= 0.9
		}
	}
	return fmt.Sprintf(":root { --brand: %s; --brand-ink: %s; --brand-link: %s; }\n", color, header, toHex(link))
}

func parseHex(c string) [3]float64 {
	var out [3]float64
	for i := range out {
		v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		out[i] = float64(v)
	}
	return out
}

func toHex(c [3]float64) string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c[0])), int(math.Round(c[1])), int(math.Round(c[2])))
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(c [3]float64) float64 {
	var l [3]float64
	for i, v := range c {
		v /= 255
		if v <= 0.03928 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is WCAG's contrast ratio of two colours.
func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// helpTheme answers GET /help/theme.css. The address carries the colour's
// version, so the answer is kept for a year.
func (s *Server) helpTheme(w http.ResponseWriter, r *http.Request) error {
	site, err := s.helpSiteOf(r.Context())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") == themeVersion(site.Brand.Color) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	_, err = w.Write([]byte(themeCSS(site.Brand.Color)))
	return err
}

// sitemap is the sitemap protocol's document (sitemaps.org).
type sitemap struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// helpSitemap answers GET /help/sitemap.xml: the help centre's home in
// each locale and every published article, at the site's address.
func (s *Server) helpSitemap(w http.ResponseWriter, r *http.Request) error {
	site, err := s.helpSiteOf(r.Context())
	if err != nil {
		return err
	}
	base := site.base(r)
	doc := sitemap{NS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	for _, l := range site.Locales {
		doc.URLs = append(doc.URLs, sitemapURL{Loc: base + "/help/" + url.PathEscape(l)})
	}
	arts, err := kb.List(r.Context(), s.db, kb.Filter{Published: true})
	if err != nil {
		return err
	}
	for _, a := range arts {
		if !site.offers(a.Locale) {
			continue
		}
		doc.URLs = append(doc.URLs, sitemapURL{Loc: base + articlePath(a.Locale, a.Slug), LastMod: a.UpdatedAt.Format("2006-01-02")})
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(append([]byte(xml.Header), append(out, '\n')...))
	return err
}

// robots answers GET /robots.txt: the help centre is for search engines,
// the desk's own pages and API are not.
func (s *Server) robots(w http.ResponseWriter, r *http.Request) error {
	site, err := s.helpSiteOf(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = fmt.Fprintf(w, "User-agent: *\nAllow: /help\nAllow: /static/\nDisallow: /help/contact\nDisallow: /help/search\nDisallow: /\n\nSitemap: %s/help/sitemap.xml\n", site.base(r))
	return err
}
