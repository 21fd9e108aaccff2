package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"quietdesk/internal/clock"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDecisionCommands drives the decision loop from the command line on a
// small demo store: guardrails, alerts in the JSON of docs/decisions.md#alerts, a correction
// added, reviewed and decided, the review, owners and actions.
func TestDecisionCommands(t *testing.T) {
	// As of the Monday after 2026-W47, the store's last complete week.
	now := clock.Fixed(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	mustRun := func(t *testing.T, args ...string) result { t.Helper(); return mustRunAt(t, now, args...) }
	run := func(t *testing.T, args ...string) result { t.Helper(); return runAt(t, now, "", args...) }
	db := filepath.Join(t.TempDir(), "d.db")
	mustRun(t, "demo", "--no-serve", "--orders", "20000", "--db", db)

	out := mustRun(t, "guardrails", "list", "--db", db).stdout
	for _, name := range []string{"contribution_floor", "return_cost_spike", "variable_cost_trend", "owner_completion", "cpo_ceiling"} {
		if !strings.Contains(out, name) {
			t.Errorf("guardrails list lacks %s:\n%s", name, out)
		}
	}
	r := mustRun(t, "guardrails", "set", "cpo_ceiling", "--threshold", "0.2", "--owner", "Malik", "--by", "carrier", "--db", db)
	if !strings.Contains(r.stdout, "above 0.2 for 2 consecutive weeks, by carrier; owner Malik") {
		t.Errorf("set: %s", r.stdout)
	}
	if r := run(t, "guardrails", "set", "cpo_ceiling", "--by", "colour", "--db", db); r.code != 1 || !strings.Contains(r.stderr, `"colour" is not a dimension`) {
		t.Errorf("a bad dimension: %d %s", r.code, r.stderr)
	}

	// alerts --format json: the shape of docs/decisions.md#alerts.
	var alerts struct {
		Week   string `json:"week"`
		Alerts []struct {
			ID                                               int
			Guardrail, Metric, Trigger, Owner, Action, Since string
			State, Note                                      string
			Scope                                            map[string]string
			Value, Threshold                                 *float64
		} `json:"alerts"`
	}
	out = mustRun(t, "alerts", "--week", "2026-W47", "--format", "json", "--db", db).stdout
	if err := json.Unmarshal([]byte(out), &alerts); err != nil || alerts.Week != "2026-W47" || len(alerts.Alerts) == 0 {
		t.Fatalf("alerts: %v\n%s", err, out)
	}
	for _, a := range alerts.Alerts {
		if a.Guardrail == "" || a.Metric == "" || a.Trigger == "" || a.Since == "" || a.Scope == nil || a.Value == nil {
			t.Errorf("alert lacks a field: %+v", a)
		}
	}
	if again := mustRun(t, "alerts", "--week", "2026-W47", "--format", "json", "--db", db).stdout; again != out {
		t.Error("evaluating the week again changed the alerts")
	}
	if r := run(t, "alerts", "--week", "2026-W48", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "not complete yet") {
		t.Errorf("the current week: %d %s", r.code, r.stderr)
	}

	// Acknowledge an alert, and make its owner an action from it.
	first := alerts.Alerts[0]
	alertID := strconv.Itoa(first.ID)
	mustRun(t, "alerts", "ack", alertID, "--note", "looking into it", "--db", db)
	out = mustRun(t, "alerts", "--week", "2026-W47", "--format", "json", "--db", db).stdout
	if !strings.Contains(out, `"state": "acknowledged"`) || !strings.Contains(out, `"note": "looking into it"`) {
		t.Errorf("after ack:\n%s", out)
	}
	if r := run(t, "alerts", "ack", "9999", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "no alert 9999") {
		t.Errorf("ack of no alert: %d %s", r.code, r.stderr)
	}
	fromAlert := strings.TrimSpace(mustRun(t, "actions", "add", "--alert", alertID, "--db", db).stdout)
	if out := mustRun(t, "actions", "list", "--owner", first.Owner, "--open", "--db", db).stdout; fromAlert != "alert-"+alertID || !strings.Contains(out, fromAlert) || !strings.Contains(out, first.Scope["group"]) {
		t.Errorf("action from alert %s (%s for %s):\n%s", alertID, fromAlert, first.Owner, out)
	}

	id := strings.TrimSpace(mustRun(t, "corrections", "add", "--title", "Delay notices for late parcels", "--metric", "cpo", "--scope", "carrier=ParcelNow",
		"--expected-low", "0.01", "--expected-base", "0.03", "--expected-high", "0.05", "--owner", "Malik", "--start", "2026-11-09", "--force", "--db", db).stdout)
	var review struct {
		Metric      string             `json:"metric"`
		Pre         *float64           `json:"pre"`
		ControlPost *float64           `json:"control_post"`
		Realized    *float64           `json:"realized"`
		Expected    map[string]float64 `json:"expected"`
		Guards      []map[string]any   `json:"guards"`
		Verdict     string             `json:"verdict"`
		Reason      string             `json:"reason"`
	}
	// Guards: the return-cost ratio, and satisfaction (the demo's desk
	// asks it when conversations close).
	out = mustRun(t, "corrections", "review", id, "--format", "json", "--db", db).stdout
	if err := json.Unmarshal([]byte(out), &review); err != nil || review.Metric != "cpo" || review.Realized == nil || review.Pre == nil || review.ControlPost == nil ||
		len(review.Guards) != 2 || review.Expected["base"] != 0.03 || review.Verdict == "" || review.Reason == "" {
		t.Fatalf("review: %v\n%s", err, out)
	}
	other := map[string]string{"keep": "roll_back", "adjust": "keep", "roll_back": "keep"}[review.Verdict]
	if r := run(t, "corrections", "decide", id, "--verdict", other, "--db", db); r.code != 1 || !strings.Contains(r.stderr, "needs a written reason") {
		t.Errorf("override without a reason: %d %s", r.code, r.stderr)
	}
	mustRun(t, "corrections", "decide", id, "--verdict", other, "--reason", "The carrier changed its depot that week; we judge it again next week.", "--db", db)
	if out := mustRun(t, "corrections", "list", "--db", db).stdout; !strings.Contains(out, "Delay notices for late parcels") {
		t.Errorf("list:\n%s", out)
	}

	md := mustRun(t, "review", "--week", "2026-W47", "--db", db).stdout
	for _, want := range []string{"# Weekly review 2026-W47", "## 1. What changed this week?", "## 4. What do we keep, adjust or stop next week?"} {
		if !strings.Contains(md, want) {
			t.Errorf("review lacks %q:\n%s", want, md)
		}
	}
	var js map[string]json.RawMessage
	if err := json.Unmarshal([]byte(mustRun(t, "review", "--week", "2026-W47", "--format", "json", "--db", db).stdout), &js); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"week", "changed", "moved", "contribution", "decisions"} {
		if js[k] == nil {
			t.Errorf("review JSON lacks %q", k)
		}
	}
	if html := mustRun(t, "review", "--format", "html", "--week", "2026-W47", "--db", db).stdout; !strings.Contains(html, "<svg") {
		t.Error("the HTML review has no chart")
	}

	mustRun(t, "owners", "set", "Malik", "--email", "malik@brand.example", "--db", db)
	if r := run(t, "owners", "set", "Malik", "--email", "not an address", "--db", db); r.code != 1 {
		t.Errorf("a bad address was taken: %s", r.stderr)
	}
	if out := mustRun(t, "owners", "list", "--db", db).stdout; !strings.Contains(out, "malik@brand.example") {
		t.Errorf("owners:\n%s", out)
	}
	actionID := strings.TrimSpace(mustRun(t, "actions", "add", "--owner", "Tom", "--title", "Pause SPRING30", "--due", "2026-11-27", "--db", db).stdout)
	mustRun(t, "actions", "done", actionID, "--at", "2026-11-26 10:00:00", "--db", db)
	if out := mustRun(t, "actions", "list", "--owner", "Tom", "--db", db).stdout; !strings.Contains(out, actionID) || !strings.Contains(out, "true") {
		t.Errorf("actions:\n%s", out)
	}
	if r := run(t, "actions", "add", "--owner", "Tom", "--title", "x", "--due", "soon", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "due_date") {
		t.Errorf("a bad due date: %d %s", r.code, r.stderr)
	}
}

// TestTasksCommand runs the background tasks from the command line, for a
// store no server runs on, and lists their last runs.
func TestTasksCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	mustRun(t, "demo", "--no-serve", "--orders", "1000", "--db", db)
	out := mustRun(t, "tasks", "run", "all", "--db", db).stdout
	for _, name := range []string{"rollups", "guardrails", "outbox", "review", "chat-unseen", "proactive", "connections", "retrain"} {
		if !strings.Contains(out, name+": done") {
			t.Errorf("tasks run all:\n%s", out)
		}
	}
	var list []struct {
		Name         string  `json:"name"`
		LastFinished *string `json:"last_finished_at"`
		LastError    string  `json:"last_error"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "tasks", "--json", "--db", db).stdout), &list); err != nil || len(list) != backgroundTasks() {
		t.Fatalf("tasks --json: %v %+v", err, list)
	}
	for _, st := range list {
		if st.LastFinished == nil || st.LastError != "" {
			t.Errorf("task %+v", st)
		}
	}
	if r := run(t, "tasks", "run", "nope", "--db", db); r.code != 1 || !strings.Contains(r.stderr, `no such task "nope"`) {
		t.Errorf("an unknown task: %+v", r)
	}
}

// TestREADMESampleReviewReproduces runs the commands the README prints
// beside its sample review and compares the output with the sample.
func TestREADMESampleReviewReproduces(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "#### Weekly review 2026-W47")
	end := strings.Index(text, "### Email and chat notifications")
	if start < 0 || end < start {
		t.Fatal("the README has no sample review of 2026-W47")
	}
	// The README nests the review's headings three levels down.
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(text[start:end]), "\n") {
		if strings.HasPrefix(line, "####") {
			line = line[3:]
		}
		want = append(want, line)
	}
	now := clock.Fixed(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	db := filepath.Join(t.TempDir(), "sample.db")
	mustRunAt(t, now, "demo", "--no-serve", "--db", db)
	got := strings.TrimSpace(mustRunAt(t, now, "review", "--db", db).stdout)
	if got != strings.Join(want, "\n") {
		t.Errorf("quietdesk review on the demo store no longer prints the README's sample:\n%s", got)
	}
}
