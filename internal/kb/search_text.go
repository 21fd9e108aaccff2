package kb

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PlainText is an article's Markdown as plain text, for indexing and
// snippets: the words a reader sees, without Markdown's marks, HTML tags or
// link addresses. It is not HTML: whoever shows it escapes it.
func PlainText(md string) string {
	s := strings.ReplaceAll(md, "\r\n", "\n")
	// Each pattern runs only on text that can hold it: indexing reads
	// every article, and most lines are just words.
	if strings.Contains(s, "](") || strings.Contains(s, "][") {
		s = mdImage.ReplaceAllString(s, "$1")
		s = mdLink.ReplaceAllString(s, "$1")
		s = mdRefLink.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "<") {
		s = mdAutoLink.ReplaceAllString(s, "$1")
		s = mdTag.ReplaceAllString(s, " ")
	}
	if strings.Contains(s, "&") {
		s = entities.Replace(s)
	}
	s = emphasis.Replace(s)
	// Headings and paragraphs become sentences, so a snippet reads on; a
	// line that goes on in lower case (a list's next item) only gets a space.
	var b strings.Builder
	b.Grow(len(s))
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") || isTableRule(line) {
			continue
		}
		line = strings.Join(strings.Fields(strings.ReplaceAll(stripLineMark(line), "|", " ")), " ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			first, _ := utf8.DecodeRuneInString(line)
			if last := b.String()[b.Len()-1]; !strings.ContainsRune(".!?:;,", rune(last)) && unicode.IsUpper(first) {
				b.WriteByte('.')
			}
			b.WriteByte(' ')
		}
		b.WriteString(line)
	}
	return b.String()
}

// stripLineMark removes what starts a Markdown line: a heading's #s, a
// quote's >, a list item's bullet or number.
func stripLineMark(line string) string {
	for {
		switch {
		case strings.HasPrefix(line, "#"):
			line = strings.TrimLeft(line, "#")
		case strings.HasPrefix(line, ">"):
			line = line[1:]
		case len(line) > 1 && strings.ContainsRune("-*+", rune(line[0])) && line[1] == ' ':
			line = line[2:]
		default:
			i := 0
			for i < len(line) && line[i] >= '0' && line[i] <= '9' {
				i++
			}
			if i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' ' {
				line = line[i+2:]
				continue
			}
			return line
		}
		line = strings.TrimLeft(line, " ")
	}
}

// isTableRule reports whether a line is a table's header rule (|---|:--:|).
func isTableRule(line string) bool {
	if !strings.Contains(line, "---") {
		return false
	}
	return strings.Trim(line, "|-: ") == ""
}

var (
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdRefLink  = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdAutoLink = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdTag      = regexp.MustCompile(`</?[a-zA-Z][^>]*>`)
	entities   = strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'")
	emphasis   = strings.NewReplacer("**", "", "__", "", "*", "", "`", "", "~~", "")
)
