package web

import (
	"strings"
	"testing"
)

func TestReplyText(t *testing.T) {
	for _, c := range []struct{ md, want string }{
		{"# Title\n\nOne **bold** and _it_.\nNext line.", "Title\n\nOne bold and it.\nNext line."},
		{"1. one\n2. two\n   - sub", "1. one\n2. two\n  - sub"},
		{"[site](https://x.example) and [js](javascript:alert(1)) and https://y.example", "site (https://x.example) and js and https://y.example"},
		{"![a cat](https://x.example/cat.png) <img src=x onerror=alert(1)> &amp; `code`", "a cat  & code"},
		{"<script>window.__x=1</script>\n\nafter", "after"},
		{"mail [us](mailto:help@brand.example)", "mail us (help@brand.example)"},
	} {
		if got := replyText(c.md); got != c.want {
			t.Errorf("replyText(%q) = %q, want %q", c.md, got, c.want)
		}
	}
}

func TestLineDiff(t *testing.T) {
	old := strings.Split("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl", "\n")
	new := strings.Split("a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm", "\n")
	var got []string
	for _, l := range lineDiff(old, new) {
		got = append(got, l.Kind+":"+l.Text)
	}
	// Two lines of context around each change; what lies between is a gap.
	want := "same:b|same:c|del:d|add:D|same:e|same:f|gap:…|same:k|same:l|add:m"
	if strings.Join(got, "|") != want {
		t.Errorf("diff %s\nwant %s", strings.Join(got, "|"), want)
	}
	if d := lineDiff(nil, []string{"x"}); len(d) != 1 || d[0].Kind != "add" {
		t.Errorf("diff from nothing: %v", d)
	}
}
