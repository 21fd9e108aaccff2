package proactive_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Every default text works, on every channel in both locales, and the
// texts for SMS fit one message with a typical link.
func TestDefaultRulesRender(t *testing.T) {
	rules := proactive.DefaultRules()
	var kinds []string
	for _, r := range rules {
		kinds = append(kinds, r.Kind)
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
		if r.Enabled || r.HoldoutPct != 10 || r.Name != r.Kind || len(r.Templates) != 8 {
			t.Errorf("%s: enabled %v, holdout %d, %d templates", r.Name, r.Enabled, r.HoldoutPct, len(r.Templates))
		}
		if err := proactive.CheckTemplates(r.Templates); err != nil {
			t.Error(err)
		}
		for _, tpl := range r.Templates {
			d := proactive.SampleNoticeData()
			subject, body, err := proactive.Render(tpl, d)
			if err != nil {
				t.Fatal(err)
			}
			if (tpl.Channel == "email") != (subject != "") || !strings.Contains(body, "#1001") || strings.Contains(body, "<no value>") {
				t.Errorf("%s %s/%s: subject %q body %q", r.Name, tpl.Channel, tpl.Locale, subject, body)
			}
			if r.Kind != proactive.KindDeliveredCheck && !strings.Contains(body, d.StatusURL) {
				t.Errorf("%s %s/%s: no status link", r.Name, tpl.Channel, tpl.Locale)
			}
			if tpl.Channel == "sms" && utf8.RuneCountInString(body) > 160 {
				t.Errorf("%s sms/%s is %d characters: %s", r.Name, tpl.Locale, utf8.RuneCountInString(body), body)
			}
			// Unknown name, carrier and link: nothing dangling.
			_, body, err = proactive.Render(tpl, proactive.NoticeData{OrderName: "#1001", Brand: "Shop"})
			if err != nil || strings.Contains(body, "Hi ,") || strings.Contains(body, ": \n") {
				t.Errorf("%s %s/%s with nothing known: %q %v", r.Name, tpl.Channel, tpl.Locale, body, err)
			}
		}
	}
	if fmt.Sprint(kinds) != "[late_shipment carrier_exception backorder partial_shipment delivered_check]" {
		t.Errorf("kinds %v", kinds)
	}
}

// The defaults are added once; a brand's edit is never undone.
func TestEnsureDefaultRulesNeverOverwrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var added []string
		if err := db.WriteTx(ctx, func(tx *store.Tx) (err error) {
			added, err = proactive.EnsureDefaultRules(ctx, tx, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(added) != 5 {
			t.Fatalf("added %v", added)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			r, err := proactive.GetRule(ctx, tx, "backorder")
			if err != nil {
				return err
			}
			r.HoldoutPct, r.Templates = 20, r.Templates[:1]
			return proactive.SaveRule(ctx, tx, r, "ann@example.com", now.Add(time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) (err error) {
			added, err = proactive.EnsureDefaultRules(ctx, tx, now.Add(2*time.Hour))
			return err
		}); err != nil || len(added) != 0 {
			t.Fatalf("second run added %v, %v", added, err)
		}
		r, err := proactive.GetRule(ctx, db, "backorder")
		if err != nil || r.HoldoutPct != 20 || len(r.Templates) != 1 || r.UpdatedBy != "ann@example.com" {
			t.Fatalf("backorder %+v %v", r, err)
		}
		var rules, templates, changes int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM proactive_rules), (SELECT COUNT(*) FROM proactive_templates), (SELECT COUNT(*) FROM proactive_rule_changes)`).Scan(&rules, &templates, &changes); err != nil {
			t.Fatal(err)
		}
		if rules != 5 || templates != 4*8+1 || changes != 6 {
			t.Errorf("%d rules, %d templates, %d changes", rules, templates, changes)
		}
	})
}
