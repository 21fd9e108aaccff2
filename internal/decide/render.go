package decide

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// WriteJSON writes the review as the API returns it.
func (r WeeklyReview) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Markdown writes the review for a chat post, an email's text part or a
// README.
func (r WeeklyReview) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Weekly review %s (%s to %s)\n\n", r.Week, r.From, r.To)
	if r.Program != nil {
		p("Program day %d, phase %d (%s): %s.\n\n", r.Program.Day, r.Program.Phase, r.Program.Name, r.Program.Focus)
	}

	p("## 1. What changed this week?\n\n")
	ch := r.Changed
	n := 0
	for _, c := range ch.CorrectionsStarted {
		p("- Correction started: **%s** (#%d, %s, %s), owner %s, expected %s (%s to %s).\n", c.Title, c.ID, c.Metric, c.Scope, c.Owner, num(c.Expected.Base), num(c.Expected.Low), num(c.Expected.High))
		n++
	}
	for _, c := range ch.CorrectionsReviewed {
		p("- Correction due for review: **%s** (#%d), review date %s.\n", c.Title, c.ID, c.ReviewDate)
		n++
	}
	for _, c := range ch.CorrectionsEnded {
		p("- Correction decided: **%s** (#%d) %s.\n", c.Title, c.ID, strings.ReplaceAll(c.Status, "_", " "))
		n++
	}
	for _, c := range ch.GuardrailsEdited {
		by := ""
		if c.By != "" {
			by = " by " + c.By
		}
		p("- Guardrail `%s` edited%s: %s.\n", c.Guardrail, by, c.Change)
		n++
	}
	for _, t := range ch.Topics {
		if t.New {
			p("- New topic: **%s**, %s contacts.\n", t.Topic, num(t.Contacts))
		} else {
			p("- Topic spiking: **%s**, %s contacts against a median of %s.\n", t.Topic, num(t.Contacts), num(t.Median))
		}
		n++
	}
	for _, c := range ch.TopicChanges {
		p("- %s.\n", c.Sentence())
		n++
	}
	for _, c := range ch.ProactiveRules {
		p("- %s.\n", c.Sentence())
		n++
	}
	for _, c := range ch.Proactive {
		p("- Proactive notices: %d × \"%s\".\n", c.Notices, c.Subject)
		n++
	}
	if n == 0 {
		p("Nothing: no correction started or ended, no guardrail edited, no topic spiking, no change to the topics, no proactive rule switched, no proactive campaign.\n")
	}

	p("\n## 2. Which metric moved meaningfully?\n\n")
	if len(r.Moved) == 0 {
		p("None beyond noise (|z| ≥ 2 against the trailing 8 weekly changes).\n")
	}
	for _, m := range r.Moved {
		dir := "worse"
		if m.Better {
			dir = "better"
		}
		p("- **%s** %s → %s (%+s, z = %.1f, %s)", m.Metric, num(m.Previous), num(m.Value), num(m.Change), m.Z, dir)
		if m.Why != "" {
			p(": %s", m.Why)
		}
		if m.VolumeSurge {
			p(" (a volume-surge week: orders far outside their normal range)")
		}
		if m.By != "" && len(m.Drivers) > 0 {
			var parts []string
			for _, dr := range m.Drivers {
				parts = append(parts, fmt.Sprintf("%s %+s (%s → %s)", dr.Group, num(dr.Contribution), num(dr.Previous), num(dr.Value)))
			}
			p(". Driven by %s: %s", m.By, strings.Join(parts, "; "))
		}
		p(".\n")
	}

	p("\n## 3. Did contribution quality improve?\n\n")
	c := r.Contribution
	p("%s\n\n", c.Verdict)
	p("| | this week | last week |\n|---|---|---|\n")
	p("| contribution per order (return-adjusted) | %s | %s |\n", num(c.PerOrder), num(c.Previous))
	p("| return-cost ratio | %s | %s |\n", num(c.ReturnCostRatio[0]), num(c.ReturnCostRatio[1]))
	p("| CPO | %s | %s |\n", num(c.CPO[0]), num(c.CPO[1]))
	if c.EstimatedReturns > 0 {
		p("\n%s per order of this week's returns is estimated: they have not arrived yet.\n", num(c.EstimatedReturns))
	}
	if line := r.ServiceLine(); line != "" {
		p("\n**Service**: %s\n", line)
	}

	p("\n## 4. What do we keep, adjust or stop next week?\n\n")
	dec := r.Decisions
	if len(dec.Verdicts) > 0 {
		p("**Verdicts due**\n\n")
		for _, v := range dec.Verdicts {
			p("- #%d %s: **%s**. %s\n", v.ID, v.Title, strings.ReplaceAll(v.Status, "_", " "), sentence(v.Reason))
			if v.OverrideReason != "" {
				p("  Overridden: %s\n", v.OverrideReason)
			}
		}
		p("\n")
	}
	if len(dec.Alerts) > 0 {
		p("**Alerts, in priority order**\n\n")
		for i, a := range dec.Alerts {
			owner := a.Owner
			if owner == "" {
				owner = "no owner"
			}
			p("%d. `%s` %s: %s %s (since %s, %s), %s → %s.\n", i+1, a.Guardrail, a.Scope, a.Metric, alertFigure(a), a.Since, strings.ReplaceAll(a.State, "_", " "), owner, a.Action)
		}
		p("\n")
	} else {
		p("No alert fired.\n\n")
	}
	if len(dec.Waiting) > 0 {
		p("Not evaluated, no threshold yet: %s (accept the proposals: `quietdesk guardrails propose`).\n\n", strings.Join(dec.Waiting, ", "))
	}
	if len(dec.Open) > 0 {
		p("**Corrections running or planned**\n\n")
		for _, c := range dec.Open {
			p("- #%d %s (%s, %s), owner %s, review %s.\n", c.ID, c.Title, c.Metric, c.Scope, c.Owner, c.ReviewDate)
		}
		p("\n")
	}
	if len(dec.OwnerCompletion) > 0 {
		p("**Owner completion this week**: ")
		var parts []string
		for _, o := range dec.OwnerCompletion {
			parts = append(parts, fmt.Sprintf("%s %s (%s of %s)", o.Owner, pct(o.Rate), num0(o.Done), num0(o.Due)))
		}
		p("%s.\n", strings.Join(parts, ", "))
	}
	return b.String()
}

func num0(v float64) string { return fmt.Sprintf("%.0f", v) }

func sentence(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func alertFigure(a Alert) string {
	if a.Value == nil {
		return ""
	}
	if a.Threshold == nil {
		return num(*a.Value)
	}
	op := "vs"
	switch a.Trigger {
	case BelowFloor, CompletionBelow:
		op = "<"
	case AboveCeiling, CohortSpike:
		op = ">"
	}
	return fmt.Sprintf("%s %s %s", num(*a.Value), op, num(*a.Threshold))
}

// Sentence tells a proactive rule's change for the review: "Proactive
// rule late_shipment switched on by ann on 2026-11-24", "Campaign
// parcelnow-nov sent by ann on 2026-11-25: 120 orders, 108 scheduled, 12
// held out".
func (c RuleChange) Sentence() string {
	by := ""
	if c.By != "" {
		by = " by " + c.By
	}
	switch c.Change {
	case "campaign_sent":
		return fmt.Sprintf("Campaign %s sent%s on %s: %d orders, %d scheduled, %d held out", c.Rule, by, c.At, c.Orders, c.Scheduled, c.HeldOut)
	case "enabled":
		return fmt.Sprintf("Proactive rule %s switched on%s on %s", c.Rule, by, c.At)
	}
	return fmt.Sprintf("Proactive rule %s switched off%s on %s", c.Rule, by, c.At)
}

//go:embed review.html
var reviewFS embed.FS

var reviewTemplate = template.Must(template.New("review.html").Funcs(template.FuncMap{
	"num":      num,
	"pct":      pct,
	"spark":    sparkline,
	"figure":   alertFigure,
	"words":    func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"sentence": sentence,
}).ParseFS(reviewFS, "review.html"))

// HTML writes the review as a standalone page with its charts drawn as
// inline SVG, so that it reads the same in a mail client, which runs no
// scripts, as in a browser.
func (r WeeklyReview) HTML() (string, error) {
	var b bytes.Buffer
	err := reviewTemplate.Execute(&b, r)
	return b.String(), err
}

// HTMLBody is the review without its page: for a page of the web UI.
func (r WeeklyReview) HTMLBody() (template.HTML, error) {
	var b bytes.Buffer
	err := reviewTemplate.ExecuteTemplate(&b, "review-body", r)
	return template.HTML(b.String()), err
}

// sparkline draws a series as an SVG line with its last point marked.
func sparkline(values []*float64) template.HTML {
	const w, h, pad = 220.0, 48.0, 4.0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if v != nil {
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
		}
	}
	if math.IsInf(lo, 1) {
		return ""
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	x := func(i int) float64 { return pad + float64(i)*(w-2*pad)/float64(max(1, len(values)-1)) }
	y := func(v float64) float64 { return h - pad - (v-lo)/(hi-lo)*(h-2*pad) }
	var path strings.Builder
	var lastX, lastY float64
	move := "M"
	for i, v := range values {
		if v == nil {
			move = "M"
			continue
		}
		lastX, lastY = x(i), y(*v)
		fmt.Fprintf(&path, "%s%.1f %.1f ", move, lastX, lastY)
		move = "L"
	}
	return template.HTML(fmt.Sprintf(`<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img"><path d="%s" fill="none" stroke="#3b6ea5" stroke-width="2"/><circle cx="%.1f" cy="%.1f" r="3" fill="#3b6ea5"/></svg>`,
		w, h, w, h, strings.TrimSpace(path.String()), lastX, lastY))
}
