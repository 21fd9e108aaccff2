package kb

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Articles are Markdown written by the brand's people, but a browser must
// never run what an article holds: whoever can edit one (or import files)
// could otherwise script every visitor of the help centre. So Markdown is
// rendered to HTML and the HTML is then sanitised: no script, no event
// handlers, no style, links only to http, https and mailto, and links that
// leave the site carry rel="nofollow noopener".
var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))
	policy   = articlePolicy()
)

func articlePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}

// Render turns an article's Markdown into safe HTML.
func Render(md string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		// goldmark only fails writing to the buffer; show the text as text.
		return template.HTML(template.HTMLEscapeString(md)) // #nosec: escaped
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) // #nosec: sanitised
}

// Sanitize cleans HTML from elsewhere by the same rules.
func Sanitize(html string) template.HTML {
	return template.HTML(policy.Sanitize(html)) // #nosec: sanitised
}
