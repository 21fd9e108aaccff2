package mail

import (
	"regexp"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// imageSource is what an <img src> may hold after sanitising. Remote images
// (http and https) are removed: in mail they are mostly tracking pixels that
// tell the sender when and where an agent opened the message, and they load
// third-party content into the desk. Images carried in the message itself
// stay: cid: references (the desk rewrites them to the attachment's download
// link) and data: URIs of raster formats. SVG is left out even as data: it
// is a document format that can carry script.
var imageSource = regexp.MustCompile(`^(?i:cid:[^\s"'<>]+|data:image/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]+)$`)

var (
	linkTarget = regexp.MustCompile(`^(?i:https?://|mailto:)`)
	alignValue = regexp.MustCompile(`^(?i:left|right|center|justify)$`)
)

// htmlPolicy follows bluemonday's UGCPolicy (the well-kept baseline for
// user-written HTML) with the elements mail uses, and two changes: images
// keep only the sources imageSource allows, and links only http, https and
// mailto. Everything else is dropped: script, style elements, event
// handlers, forms, iframes, objects, meta, base, SVG and MathML.
var htmlPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardAttributes()
	p.AllowStandardURLs()
	p.AllowURLSchemes("cid")
	p.AllowDataURIImages()
	p.AllowElements("article", "aside", "section", "header", "footer", "address", "center",
		"h1", "h2", "h3", "h4", "h5", "h6", "br", "div", "hr", "p", "span", "wbr", "font",
		"abbr", "acronym", "cite", "code", "dfn", "em", "figure", "figcaption", "mark", "s",
		"samp", "strong", "sub", "sup", "var", "b", "i", "pre", "small", "strike", "tt", "u",
		"blockquote", "q", "del", "ins", "caption")
	p.AllowAttrs("href").Matching(linkTarget).OnElements("a")
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("height", "width").Matching(bluemonday.NumberOrPercent).OnElements("img")
	p.AllowAttrs("src").Matching(imageSource).OnElements("img")
	// Links open outside the desk, tell the target nothing about it, and
	// carry no ranking weight.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// Mail layout leans on inline style; these properties are safe (their
	// values are checked, so no url() or expression() gets through).
	p.AllowStyles("color", "background-color", "text-align", "font-weight", "font-style", "text-decoration").Globally()
	p.AllowAttrs("align").Matching(alignValue).OnElements("p", "div", "td", "th", "table")
	return p
})

// SanitizeHTML makes customer HTML safe to put in a page: everything that
// can run, load or submit is removed, links get rel="nofollow noreferrer
// noopener" and target="_blank", and images keep only cid: and raster
// data: sources (see imageSource for why remote images go).
func SanitizeHTML(s string) string {
	return htmlPolicy().Sanitize(s)
}
