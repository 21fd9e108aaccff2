package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"quietdesk/internal/clock"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progressBar draws one line on a terminal: phase, bar, percent, rate.
type progressBar struct {
	w     io.Writer
	now   clock.Clock // for the rate
	start time.Time
	phase string
}

func newProgressBar(w io.Writer, now clock.Clock) *progressBar {
	return &progressBar{w: w, now: now, start: now()}
}

func (p *progressBar) update(phase string, done, total int64) {
	if phase != p.phase {
		if p.phase != "" {
			fmt.Fprintln(p.w)
		}
		p.phase, p.start = phase, p.now()
	}
	frac := 0.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	const width = 30
	filled := int(frac * width)
	rate := float64(done) / 1e6 / max(p.now.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r%-9s [%s%s] %3.0f%%  %.1f MB/s", phase, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), frac*100, rate)
}

func (p *progressBar) finish() {
	if p.phase != "" {
		fmt.Fprintln(p.w)
	}
}

// printList writes a list as indented JSON (an empty list as []) or as
// aligned columns under a tab-separated header.
func printList[T any](a *app, asJSON bool, list []T, header string, line func(T) string) error {
	if asJSON {
		if list == nil {
			list = []T{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, x := range list {
		fmt.Fprintln(w, line(x))
	}
	return w.Flush()
}
