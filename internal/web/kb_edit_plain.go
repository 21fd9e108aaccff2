package web

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// replyText turns an article's Markdown into the plain text an agent's
// reply carries: paragraphs and list items kept on their own lines, links
// written "text (address)" (only http, https and mailto addresses: the
// others are dropped with the same rule the help centre's sanitiser
// applies), images as their alt text, and raw HTML left out. It is text
// for a textarea and a plain-text message, never HTML. (kb.PlainText
// flattens an article into one run of sentences for search snippets; a
// reply keeps its shape.)
func replyText(md string) string {
	src := []byte(strings.ReplaceAll(md, "\r\n", "\n"))
	doc := replyMarkdown.Parser().Parse(text.NewReader(src))
	var b strings.Builder
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Heading, *ast.Paragraph:
			if !entering {
				b.WriteString("\n\n")
			}
		case *ast.TextBlock:
			if !entering {
				b.WriteString("\n")
			}
		case *ast.List:
			if !entering && n.Parent() != nil && n.Parent().Kind() != ast.KindListItem {
				b.WriteString("\n")
			}
		case *ast.ListItem:
			if entering {
				depth := 0
				for p := n.Parent(); p != nil; p = p.Parent() {
					if p.Kind() == ast.KindListItem {
						depth++
					}
				}
				b.WriteString(strings.Repeat("  ", depth))
				if l, ok := n.Parent().(*ast.List); ok && l.IsOrdered() {
					i := 0
					for s := n.PreviousSibling(); s != nil; s = s.PreviousSibling() {
						i++
					}
					fmt.Fprintf(&b, "%d. ", l.Start+i)
				} else {
					b.WriteString("- ")
				}
			}
		case *ast.Text:
			if entering {
				b.Write(n.Segment.Value(src))
				if n.SoftLineBreak() || n.HardLineBreak() {
					b.WriteString("\n")
				}
			}
		case *ast.String:
			if entering {
				b.Write(n.Value)
			}
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			if entering {
				lines := n.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
				b.WriteString("\n")
			}
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			if !entering {
				if dest := string(n.Destination); safeReplyURL(dest) && dest != string(nodeText(n, src)) {
					b.WriteString(" (" + strings.TrimPrefix(dest, "mailto:") + ")")
				}
			}
		case *ast.AutoLink:
			if entering {
				if u := string(n.URL(src)); safeReplyURL(u) || n.AutoLinkType == ast.AutoLinkEmail || !strings.Contains(u, ":") {
					b.WriteString(u)
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.Image:
			if entering {
				b.Write(nodeText(n, src))
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		case *ast.ThematicBreak:
			if entering {
				b.WriteString("\n")
			}
		}
		return ast.WalkContinue, nil
	})
	out := strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'").Replace(b.String())
	out = blankLines.ReplaceAllString(out, "\n\n")
	return strings.TrimSpace(out)
}

var (
	replyMarkdown = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify, extension.Table))
	blankLines    = regexp.MustCompile(`\n[ \t]*\n(?:[ \t]*\n)+`)
)

// safeReplyURL reports whether an address may be written into a reply.
func safeReplyURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}

// nodeText is the text inside an inline node.
func nodeText(n ast.Node, src []byte) []byte {
	var b []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b = append(b, c.Segment.Value(src)...)
		case *ast.String:
			b = append(b, c.Value...)
		default:
			b = append(b, nodeText(c, src)...)
		}
	}
	return b
}
