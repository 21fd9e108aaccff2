package topics

import (
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Where is my order #1001?", "where is my order"},
		{"#1001 never came", "order never came"},
		{"order 12345 hasn't arrived", "order hasnt arrived"},
		{"Order no. 88231, tracking 1Z999AA10123456784", "order tracking _tracking_"},
		{"my order number: 88231", "my order"},
		{"USPS says 9400 1000 0000 0000 0000 00", "usps says _num_"},
		{"tracking number 940010000000000000", "tracking number _tracking_"},
		{"I paid $49.99 and €12,50 and 20 euros", "i paid _money_ and _money_ and _money_"},
		{"ordered on 2026-01-05, due 12/01 or 5th January", "ordered on _date_ due _date_ or _date_"},
		{"may I change it? It's due May 5", "may i change it its due _date_"},
		{"mail me at jane.doe@example.com or see https://shop.example/track?id=1", "mail me at _email_ or see _url_"},
		{"LOVE the jumper 😍😍 but it’s TOO small!!! 👎🏽", "love the jumper but its too small"},
		{"ref BR-10023 please", "ref order please"},
		{"i need 2 t-shirts", "i need _num_ t shirts"},
		{"Élodie: commande reçue?", "élodie commande reçue"},
	}
	for _, c := range cases {
		got := strings.Join(Tokens(c.in, nil), " ")
		if got != c.want {
			t.Errorf("Tokens(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestFeatureKeysHashAsLookedUp(t *testing.T) {
	toks := Tokens("Élodie whereis ordr #1001 now 1Z999AA10123456784", nil)
	var keys []string
	var hashes []uint64
	emit(toks, true, func(h uint64, key string, _ int) { keys, hashes = append(keys, key), append(hashes, h) })
	for i, k := range keys {
		if featureHash(k) != hashes[i] {
			t.Errorf("key %q: hash %x, in-place hash %x", k, featureHash(k), hashes[i])
		}
	}
	want := []string{"c o", "c ord", "cdr ", "cordr", "c él", "cdie ", "wwhereis", "bwhereis ordr", "bordr order", "border now", "w_tracking_"}
	for _, w := range want {
		if !slices.Contains(keys, w) {
			t.Errorf("no feature %q in %q", w, keys)
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "c_") {
			t.Errorf("placeholder split into characters: %q", k)
		}
	}
}
