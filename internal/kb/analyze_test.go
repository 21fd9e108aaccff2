package kb

import (
	"strings"
	"testing"
)

// Each language stems its own words; accents fold; stopwords and single
// letters go; a locale without a stemmer keeps whole words.
func TestAnalyzerByLanguage(t *testing.T) {
	for _, c := range []struct {
		locale, text, want string
	}{
		{"en", "Where are my Parcels? Shipping delayed!", "where parcel ship delay"},
		{"en-GB", "refunded refunds", "refund refund"},
		{"fr", "Où est ma commande livrée ? Remboursement", "command livr rembours"},
		{"fr", "commande livree", "command livre"}, // without accents the stemmer sees another word; parse maps it back
		{"de", "Größe der Rücksendung", "gross rucksend"},
		{"pt-BR", "devoluções e encomendas", "devolu encomend"},
		{"es", "Los pedidos devueltos", "ped devuelt"},
		{"ja", "Crème brûlée x", "creme brulee"},
	} {
		if got := strings.Join(analyzerFor(c.locale, false).terms(c.text), " "); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.locale, c.text, got, c.want)
		}
	}
	if got := strings.Join(analyzerFor("en", true).terms("Refunded parcels"), " "); got != "refunded parcels" {
		t.Errorf("plain: %q", got)
	}
}

func TestDamerauLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"refund", "refund", 0}, {"refnud", "refund", 1}, {"refnd", "refund", 1}, {"rfnud", "refund", 2}, {"cancelaton", "cancellation", 2}, {"abc", "xyz", 3}} {
		if got := damerauLevenshtein([]rune(c.a), []rune(c.b), 3); got != c.d {
			t.Errorf("%s/%s: %d, want %d", c.a, c.b, got, c.d)
		}
	}
	if got := damerauLevenshtein([]rune("abcdefgh"), []rune("zyxwvuts"), 1); got != 2 {
		t.Errorf("past the limit: %d, want limit+1", got)
	}
}

func TestPlainText(t *testing.T) {
	md := "## Follow your parcel\n\n- Open the **link** in [your email](https://x.example/a), or\n- go to <https://x.example>.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n1. First <b>step</b> &amp; `code`\n"
	want := "Follow your parcel. Open the link in your email, or go to https://x.example. A B 1 2. First step & code"
	if got := PlainText(md); got != want {
		t.Errorf("PlainText:\n got %q\nwant %q", got, want)
	}
}
