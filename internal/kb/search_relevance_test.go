package kb_test

import (
	"testing"

	"quietdesk/internal/kb"
)

// The starter knowledge base parses whole: every article valid, every
// French one a translation of an English one.
func TestStarterParses(t *testing.T) {
	arts, err := kb.ReadDir(kb.Starter, "starter")
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]map[string]*kb.Article{}
	for _, a := range arts {
		if by[a.Locale] == nil {
			by[a.Locale] = map[string]*kb.Article{}
		}
		by[a.Locale][a.Slug] = a
	}
	if len(by["en"]) < 24 || len(by["fr"]) < 10 {
		t.Fatalf("%d English and %d French articles; want at least 24 and 10", len(by["en"]), len(by["fr"]))
	}
	for slug := range by["fr"] {
		if by["en"][slug] == nil {
			t.Errorf("fr/%s translates no English article", slug)
		}
	}
	topics := map[string]bool{}
	for _, a := range by["en"] {
		if a.Status != kb.Published || len(a.Topics) == 0 || len(a.Synonyms) == 0 {
			t.Errorf("en/%s: status %s, topics %q, synonyms %q", a.Slug, a.Status, a.Topics, a.Synonyms)
		}
		for _, tp := range a.Topics {
			topics[tp] = true
		}
	}
	for _, tp := range []string{"where_is_my_order", "delivery_delay", "return", "refund", "cancel", "change_order", "damaged_or_defective",
		"wrong_or_missing_item", "product_question", "sizing", "payment", "discount_promo", "account", "subscription"} {
		if !topics[tp] {
			t.Errorf("no starter article answers topic %s", tp)
		}
	}
}
