package mail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"quietdesk/internal/clock/clocktest"
)

// corpusExpect is one row of testdata/corpus/expect.json: what a real
// message collected from a public mail-parsing project must read as.
type corpusExpect struct {
	Client      string   `json:"client"`
	Kind        string   `json:"kind"`
	From        string   `json:"from"`
	FromName    string   `json:"from_name"`
	Subject     string   `json:"subject"`
	Body        string   `json:"body"`     // Body starts with this ("" means Body is empty)
	BodyHas     string   `json:"body_has"` // and contains this
	BodyNot     string   `json:"body_not"` // the quoted line that must not be in Body
	Attachments []string `json:"attachments"`
	Inline      []string `json:"inline"`
	HTMLHas     string   `json:"html_has"`
	InReplyTo   string   `json:"in_reply_to"`
	DateZero    bool     `json:"date_zero"`
	Problems    []string `json:"problems"` // each is a substring of some problem
	Bounce      *struct {
		Recipient         string `json:"recipient"`
		Status            string `json:"status"`
		OriginalMessageID string `json:"original_message_id"`
		Permanent         bool   `json:"permanent"`
	} `json:"bounce"`
}

const corpusDir = "testdata/corpus"

func loadCorpusExpect(t *testing.T) map[string]corpusExpect {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]corpusExpect
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatalf("expect.json: %v", err)
	}
	return exp
}

// corpusMessages lists the raw messages of the corpus (the reply bodies of
// email_reply_parser are not whole messages and are tested by StripQuoted).
func corpusMessages(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		base := filepath.Base(f)
		if base == "LICENSE" || base == "SOURCE.md" || filepath.Base(filepath.Dir(f)) == "email_reply_parser" {
			continue
		}
		rel, _ := filepath.Rel(corpusDir, f)
		out = append(out, filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

func TestCorpusIsComplete(t *testing.T) {
	exp := loadCorpusExpect(t)
	files := corpusMessages(t)
	if len(files) < 30 {
		t.Fatalf("corpus has %d messages, want at least 30", len(files))
	}
	for _, f := range files {
		if _, ok := exp[f]; !ok {
			t.Errorf("%s has no row in expect.json", f)
		}
	}
	for name := range exp {
		if _, err := os.Stat(filepath.Join(corpusDir, name)); err != nil {
			t.Errorf("expect.json names %s, which is not in the corpus", name)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		for _, must := range []string{"LICENSE", "SOURCE.md"} {
			if _, err := os.Stat(filepath.Join(d, must)); err != nil {
				t.Errorf("%s has no %s", d, must)
			}
		}
		source, _ := os.ReadFile(filepath.Join(d, "SOURCE.md"))
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Name() == "LICENSE" || e.Name() == "SOURCE.md" {
				continue
			}
			if !strings.Contains(string(source), "`"+e.Name()+"`") {
				t.Errorf("%s/SOURCE.md does not name %s", d, e.Name())
			}
		}
	}
}

func TestCorpus(t *testing.T) {
	exp := loadCorpusExpect(t)
	for _, name := range corpusMessages(t) {
		want, ok := exp[name]
		if !ok {
			continue // reported by TestCorpusIsComplete
		}
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(corpusDir, name))
			if err != nil {
				t.Fatal(err)
			}
			m := Parse(raw, Options{Now: clocktest.Default})
			checkCorpusMessage(t, m, want)
		})
	}
}

func checkCorpusMessage(t *testing.T, m *Message, want corpusExpect) {
	t.Helper()
	if m.Kind != want.Kind {
		t.Errorf("Kind = %q, want %q", m.Kind, want.Kind)
	}
	if m.From.Addr != want.From {
		t.Errorf("From = %q, want %q", m.From.Addr, want.From)
	}
	if want.FromName != "" && m.From.Name != want.FromName {
		t.Errorf("From name = %q, want %q", m.From.Name, want.FromName)
	}
	if m.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", m.Subject, want.Subject)
	}
	if want.Body == "" {
		if m.Body != "" {
			t.Errorf("Body = %q, want empty", m.Body)
		}
	} else if !strings.HasPrefix(m.Body, want.Body) {
		t.Errorf("Body = %q, want it to start with %q", clip(m.Body, 300), want.Body)
	}
	if want.BodyHas != "" && !strings.Contains(m.Body, want.BodyHas) {
		t.Errorf("Body = %q, want it to contain %q", clip(m.Body, 300), want.BodyHas)
	}
	if want.BodyNot != "" {
		if strings.Contains(m.Body, want.BodyNot) {
			t.Errorf("Body still holds the quoted %q: %q", want.BodyNot, m.Body)
		}
		if !strings.Contains(m.Text, want.BodyNot) {
			t.Errorf("Text lost %q, which must be kept there", want.BodyNot)
		}
	}
	var names, inline []string
	for _, a := range m.Attachments {
		names = append(names, a.Name)
		if a.Inline {
			inline = append(inline, a.Name)
		}
		if a.Content != nil && int64(len(a.Content)) != a.Size {
			t.Errorf("attachment %q: Size %d but %d bytes of content", a.Name, a.Size, len(a.Content))
		}
	}
	if strings.Join(names, "|") != strings.Join(want.Attachments, "|") {
		t.Errorf("attachments = %q, want %q", names, want.Attachments)
	}
	if want.Inline != nil && strings.Join(inline, "|") != strings.Join(want.Inline, "|") {
		t.Errorf("inline attachments = %q, want %q", inline, want.Inline)
	}
	if want.HTMLHas != "" && !strings.Contains(m.HTML, want.HTMLHas) {
		t.Errorf("HTML = %q, want it to contain %q", clip(m.HTML, 300), want.HTMLHas)
	}
	if want.InReplyTo != "" && (len(m.InReplyTo) == 0 || m.InReplyTo[0] != want.InReplyTo) {
		t.Errorf("InReplyTo = %q, want %q", m.InReplyTo, want.InReplyTo)
	}
	if want.DateZero != m.Date.IsZero() && want.DateZero {
		t.Errorf("Date = %v, want zero", m.Date)
	}
	if !want.DateZero && m.Date.IsZero() && !hasProblem(m, "Date:") {
		t.Errorf("Date is zero without a problem saying why")
	}
	for _, p := range want.Problems {
		if !hasProblem(m, p) {
			t.Errorf("no problem mentions %q; problems: %q", p, m.Problems)
		}
	}
	if want.Problems == nil {
		for _, p := range m.Problems {
			if !strings.HasPrefix(p, "Date: missing") {
				t.Errorf("unexpected problem %q", p)
			}
		}
	}
	if want.Bounce != nil {
		if m.Bounce == nil {
			t.Fatalf("Bounce is nil")
		}
		got := m.Bounce
		if got.Recipient != want.Bounce.Recipient || got.Status != want.Bounce.Status ||
			got.OriginalMessageID != want.Bounce.OriginalMessageID || got.Permanent != want.Bounce.Permanent {
			t.Errorf("Bounce = %+v, want %+v", *got, *want.Bounce)
		}
	}
	if m.Kind == KindBounce && m.Bounce == nil {
		t.Errorf("a bounce without Bounce details")
	}
}

func hasProblem(m *Message, sub string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}
