package proactive_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestRenderFillsTheOrder(t *testing.T) {
	tpl := proactive.Template{Channel: "email", Locale: "en",
		Subject: "Order {{.OrderName}}\r\nBcc: x@evil.example",
		Body:    "Hi {{.FirstName}},\n{{range .Items}}- {{.}}\n{{end}}{{join .Items \"; \"}} <b>{{.Brand}}</b>\n"}
	subject, body, err := proactive.Render(tpl, proactive.NoticeData{OrderName: "#1001", FirstName: "Ann", Items: []string{"2 × Linen shirt"}, Brand: "A&B"})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Order #1001 Bcc: x@evil.example" {
		t.Errorf("subject %q: must be one line", subject)
	}
	if body != "Hi Ann,\n- 2 × Linen shirt\n2 × Linen shirt <b>A&B</b>" {
		t.Errorf("body %q (plain text: nothing escaped)", body)
	}
}

func TestCheckTemplatesNamesLineAndReason(t *testing.T) {
	cases := []struct {
		tpl   proactive.Template
		field string
		want  string
	}{
		{proactive.Template{Channel: "email", Locale: "en", Subject: "ok", Body: "Hi\n{{orderr .OrderName}}"}, "templates[1].body", `email/en line 2: function "orderr" not defined`},
		{proactive.Template{Channel: "sms", Locale: "fr", Body: "{{.Ordr}}"}, "templates[1].body", `sms/fr line 1: can't evaluate field Ordr`},
		{proactive.Template{Channel: "email", Locale: "fr", Subject: "{{if .OrderName}}", Body: "x"}, "templates[1].subject", `email/fr line 1: unexpected EOF`},
	}
	good := proactive.Template{Channel: "chat", Locale: "en", Body: "{{.OrderName}} {{.StatusURL}}"}
	for _, c := range cases {
		err := proactive.CheckTemplates([]proactive.Template{good, c.tpl})
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EInvalid || len(de.Fields) != 1 {
			t.Fatalf("%q: %v", c.tpl.Body, err)
		}
		if de.Fields[0].Field != c.field || de.Fields[0].Reason != c.want {
			t.Errorf("got %s: %s; want %s: %s", de.Fields[0].Field, de.Fields[0].Reason, c.field, c.want)
		}
	}
	if err := proactive.CheckTemplates([]proactive.Template{good}); err != nil {
		t.Error(err)
	}
}

// A broken template is refused by SaveRule and nothing is stored.
func TestSaveRuleRefusesABrokenTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		r := &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, HoldoutPct: 10,
			Templates: []proactive.Template{{Channel: "email", Locale: "en", Subject: "x", Body: "{{.Nope}}"}}}
		err := db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveRule(ctx, tx, r, "ann@example.com", now) })
		if err == nil || !strings.Contains(err.Error(), "templates[0].body: email/en line 1: can't evaluate field Nope") {
			t.Fatalf("saved: %v", err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM proactive_rules) + (SELECT COUNT(*) FROM proactive_templates) + (SELECT COUNT(*) FROM proactive_rule_changes)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows stored, %v", n, err)
		}
	})
}
