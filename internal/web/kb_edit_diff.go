package web

import (
	"strings"

	"quietdesk/internal/kb"
)

// The history page shows each version as a line diff against the one
// before it: the lines removed, the lines added, and a little of what
// stayed around them, so a reader sees what changed without comparing
// two texts by eye.

// diffLine is one line of a diff: "same", "del", "add", or "gap" (lines
// left out between changes).
type diffLine struct {
	Kind, Text string
}

// diffContext is how many unchanged lines are kept around a change.
const diffContext = 2

// maxDiffCells bounds the comparison's table: beyond it the changed middle
// is shown as removed then added, which is still right, only coarser.
const maxDiffCells = 4_000_000

// versionText is an article's content as the lines the history compares.
func versionText(a *kb.Article) []string {
	lines := []string{"Title: " + a.Title, "Category: " + a.Category, "Status: " + a.Status,
		"Synonyms: " + strings.Join(a.Synonyms, ", "), "Topics: " + strings.Join(a.Topics, ", "), ""}
	lines = append(lines, strings.Split(a.Body, "\n")...)
	for _, v := range []struct{ name, text string }{{"Chat", a.Chat}, {"Email", a.Email}, {"Internal", a.Internal}} {
		if v.text != "" {
			lines = append(lines, "", "["+v.name+" variant]")
			lines = append(lines, strings.Split(v.text, "\n")...)
		}
	}
	return lines
}

// lineDiff compares two texts line by line (longest common subsequence
// of the part between their common start and end) and keeps diffContext
// lines of context around each change.
func lineDiff(old, new []string) []diffLine {
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	a, b := old[pre:len(old)-suf], new[pre:len(new)-suf]
	var full []diffLine
	for _, l := range old[:pre] {
		full = append(full, diffLine{"same", l})
	}
	full = append(full, middleDiff(a, b)...)
	for _, l := range old[len(old)-suf:] {
		full = append(full, diffLine{"same", l})
	}
	return withContext(full)
}

func middleDiff(a, b []string) []diffLine {
	var out []diffLine
	if len(a)*len(b) > maxDiffCells {
		for _, l := range a {
			out = append(out, diffLine{"del", l})
		}
		for _, l := range b {
			out = append(out, diffLine{"add", l})
		}
		return out
	}
	// lcs[i][j] is the common subsequence's length of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{"same", a[i]})
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, diffLine{"del", a[i]})
			i++
		default:
			out = append(out, diffLine{"add", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{"del", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{"add", b[j]})
	}
	return out
}

// withContext keeps the changed lines and diffContext unchanged lines
// around each, marking what is left out with one "gap" line.
func withContext(full []diffLine) []diffLine {
	keep := make([]bool, len(full))
	for i, l := range full {
		if l.Kind == "same" {
			continue
		}
		for k := max(0, i-diffContext); k <= min(len(full)-1, i+diffContext); k++ {
			keep[k] = true
		}
	}
	var out []diffLine
	gap := false
	for i, l := range full {
		if !keep[i] {
			gap = true
			continue
		}
		if gap && len(out) > 0 {
			out = append(out, diffLine{"gap", "…"})
		}
		gap = false
		out = append(out, l)
	}
	return out
}
