// Package wordvec holds English word vectors: 40,000 common words, each a
// point in 100 dimensions where words used alike lie close ("coupon" near
// "discount", "mattress" near "pillow"). The topic classifier adds the mean
// vector of a message's words to its features, so a message in words the
// training examples never used still lands near the examples that meant the
// same. The table is GloVe's (SOURCE.md), embedded in the binary: nothing is
// fetched at run time.
package wordvec

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

const (
	// Dims is the width of every vector.
	Dims = 100
	// Size is the number of words kept, the most frequent first.
	Size = 40000
	// File is the table's file name in this package.
	File = "glove-6b-100d-40k.bin"
	// ID names this table in model files: a model trained on one table
	// cannot be read with another.
	ID = "glove-6b-100d-40k/1"
)

const magic = "QDWV1\n"

//go:embed glove-6b-100d-40k.bin
var embedded []byte

// Table maps words to unit vectors, stored as bytes: each vector is its
// values scaled to fill -127..127, with the scale beside it.
type Table struct {
	index  map[string]int32
	values []int8
	scale  []float32
}

var (
	once   sync.Once
	shared *Table
)

// Default returns the embedded table, read once.
func Default() *Table {
	once.Do(func() {
		t, err := Decode(embedded)
		if err != nil {
			panic("wordvec: embedded table: " + err.Error())
		}
		shared = t
	})
	return shared
}

// Keeps says whether the table has room for w's form: lower-case ASCII
// letters only, as the topic tokeniser writes words (it drops apostrophes,
// and numbers become placeholders).
func Keeps(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// Len is the number of words.
func (t *Table) Len() int { return len(t.scale) }

// Add adds w's vector to dst (of length Dims) and reports whether w is in
// the table.
func (t *Table) Add(w string, dst []float32) bool { return t.AddScaled(w, 1, dst) }

// AddScaled adds f times w's vector to dst (of length Dims) and reports
// whether w is in the table.
func (t *Table) AddScaled(w string, f float32, dst []float32) bool {
	i, ok := t.index[w]
	if !ok {
		return false
	}
	s := t.scale[i] * f
	row := t.values[int(i)*Dims : int(i+1)*Dims]
	for d, q := range row {
		dst[d] += float32(q) * s
	}
	return true
}

// Vector returns a copy of w's vector, or nil.
func (t *Table) Vector(w string) []float32 {
	v := make([]float32, Dims)
	if !t.Add(w, v) {
		return nil
	}
	return v
}

// Encode centres the vectors on their mean and scales each to length 1
// (GloVe's vectors share a large common part and their lengths follow word
// frequency; neither says what a word means), then writes them as bytes.
func Encode(words []string, vecs [][]float64) ([]byte, error) {
	if len(words) != len(vecs) || len(words) == 0 {
		return nil, errors.New("wordvec: no words, or words and vectors differ in number")
	}
	mean := make([]float64, Dims)
	for _, v := range vecs {
		for d := range Dims {
			mean[d] += v[d] / float64(len(vecs))
		}
	}
	out := []byte(magic)
	out = binary.AppendUvarint(out, uint64(len(words)))
	for _, w := range words {
		if !Keeps(w) || len(w) > 255 {
			return nil, fmt.Errorf("wordvec: cannot keep %q", w)
		}
		out = append(out, byte(len(w)))
		out = append(out, w...)
	}
	row := make([]float64, Dims)
	for _, v := range vecs {
		var n, peak float64
		for d := range Dims {
			row[d] = v[d] - mean[d]
			n += row[d] * row[d]
		}
		n = math.Sqrt(n)
		for d := range Dims {
			row[d] /= n
			peak = max(peak, math.Abs(row[d]))
		}
		s := peak / 127
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(s)))
		for d := range Dims {
			out = append(out, byte(int8(math.Round(row[d]/s))))
		}
	}
	return out, nil
}

// Decode reads a table written by Encode.
func Decode(b []byte) (*Table, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a word-vector table")
	}
	b = b[len(magic):]
	n, k := binary.Uvarint(b)
	if k <= 0 || n == 0 || n > 1<<22 {
		return nil, errors.New("bad word count")
	}
	b = b[k:]
	t := &Table{index: make(map[string]int32, n), values: make([]int8, int(n)*Dims), scale: make([]float32, n)}
	for i := range int32(n) {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return nil, fmt.Errorf("word %d: truncated", i)
		}
		t.index[string(b[1:1+b[0]])] = i
		b = b[1+b[0]:]
	}
	if len(b) != int(n)*(4+Dims) {
		return nil, fmt.Errorf("vectors: %d bytes, want %d", len(b), int(n)*(4+Dims))
	}
	for i := range int(n) {
		t.scale[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
		for d := range Dims {
			t.values[i*Dims+d] = int8(b[4+d])
		}
		b = b[4+Dims:]
	}
	return t, nil
}
