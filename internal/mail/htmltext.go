package mail

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// HTMLToText turns an HTML mail body into plain text for reading and
// classification: scripts, styles and the head are dropped, block elements
// become line breaks, list items get a dash, and blockquotes (how mail
// programs quote in HTML) get "> " so StripQuoted can set them apart.
func HTMLToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0  // inside script, style, head, title...
	quote := 0 // blockquote depth
	lineStart := true
	newline := func() {
		b.WriteByte('\n')
		lineStart = true
	}
	write := func(t string) {
		if t == "" {
			return
		}
		if lineStart && quote > 0 {
			b.WriteString(strings.Repeat("> ", quote))
		}
		b.WriteString(t)
		lineStart = false
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := collapseSpace(string(z.Text()))
			if lineStart {
				t = strings.TrimLeft(t, " ")
			}
			write(t)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title", "noscript", "template", "svg", "math", "iframe", "object":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch tag {
			case "br":
				newline()
			case "blockquote":
				newline()
				if tt == html.StartTagToken {
					quote++
				} else if tt == html.EndTagToken && quote > 0 {
					quote--
				}
			case "li":
				if tt == html.StartTagToken {
					if !lineStart {
						newline()
					}
					write("- ")
				}
			case "p", "div", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "section", "article", "header", "footer", "dl", "dt", "dd":
				newline()
			case "td", "th":
				if tt == html.StartTagToken && !lineStart {
					write(" ")
				}
			}
		}
	}
}

var (
	spaceRun    = regexp.MustCompile(`[ \t\r\n\f]+`)
	blankRun    = regexp.MustCompile(`\n{3,}`)
	trailSpaces = regexp.MustCompile(`[ \t]+\n`)
)

func collapseSpace(s string) string {
	return spaceRun.ReplaceAllString(strings.ReplaceAll(s, "\u00a0", " "), " ")
}

func tidyText(s string) string {
	s = trailSpaces.ReplaceAllString(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
		if strings.TrimSpace(strings.Trim(lines[i], ">")) == "" && strings.HasPrefix(lines[i], ">") {
			lines[i] = ">"
		}
	}
	s = blankRun.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return normalizeText(strings.TrimSpace(s))
}
