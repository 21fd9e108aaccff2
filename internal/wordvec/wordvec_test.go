package wordvec

import (
	"math"
	"testing"
)

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// TestEmbeddedTable checks the table the binary carries: its size, that
// its vectors have length 1, and that it knows what shop words mean (each
// word is nearer the first word after it than the second).
func TestEmbeddedTable(t *testing.T) {
	tab := Default()
	if tab.Len() != Size {
		t.Fatalf("%d words, want %d", tab.Len(), Size)
	}
	for _, w := range []string{"refund", "parcel", "mattress", "coupon", "cancel", "the"} {
		v := tab.Vector(w)
		if v == nil {
			t.Fatalf("%q is not in the table", w)
		}
		var l float64
		for _, x := range v {
			l += float64(x) * float64(x)
		}
		if math.Abs(math.Sqrt(l)-1) > 0.02 {
			t.Errorf("%q has length %.3f, want 1", w, math.Sqrt(l))
		}
	}
	for _, c := range [][3]string{
		{"coupon", "discount", "mattress"},
		{"refund", "reimbursement", "pillow"},
		{"parcel", "package", "password"},
		{"broken", "damaged", "coupon"},
		{"mattress", "pillow", "refund"},
		{"late", "delayed", "size"},
	} {
		a, near, far := tab.Vector(c[0]), tab.Vector(c[1]), tab.Vector(c[2])
		if a == nil || near == nil || far == nil {
			t.Fatalf("%v: a word is missing", c)
		}
		if cn, cf := cosine(a, near), cosine(a, far); cn <= cf {
			t.Errorf("%s is as near %s (%.3f) as %s (%.3f)", c[0], c[2], cf, c[1], cn)
		}
	}
	if tab.Vector("Refund") != nil || tab.Vector("don't") != nil || tab.Add("qqqzzx", make([]float32, Dims)) {
		t.Error("a word the tokeniser never writes is in the table")
	}
}

func TestEncodeDecode(t *testing.T) {
	words := []string{"alpha", "beta", "gamma"}
	vecs := make([][]float64, len(words))
	for i := range vecs {
		vecs[i] = make([]float64, Dims)
		for d := range Dims {
			vecs[i][d] = math.Sin(float64(i*Dims+d)) * float64(i+1)
		}
	}
	b, err := Encode(words, vecs)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 3 {
		t.Fatalf("%d words", tab.Len())
	}
	// Centred on the mean and scaled to length 1: beta - mean, normalised.
	want := make([]float32, Dims)
	var n float64
	for d := range Dims {
		m := (vecs[0][d] + vecs[1][d] + vecs[2][d]) / 3
		want[d] = float32(vecs[1][d] - m)
		n += float64(want[d]) * float64(want[d])
	}
	for d := range want {
		want[d] /= float32(math.Sqrt(n))
	}
	if c := cosine(tab.Vector("beta"), want); c < 0.9999 {
		t.Errorf("beta decodes at cosine %.5f from what was encoded", c)
	}
	for _, cut := range []int{0, 1, 5, len(b) / 2, len(b) - 1} {
		if _, err := Decode(b[:cut]); err == nil {
			t.Errorf("a table cut at %d bytes decodes", cut)
		}
	}
	if _, err := Encode([]string{"Has Space"}, vecs[:1]); err == nil {
		t.Error("a word the tokeniser never writes was encoded")
	}
}
