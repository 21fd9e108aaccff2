package topics

import (
	"fmt"

	"quietdesk/internal/wordvec"
)

// kindDense marks the keys of the word-vector block ("e000" … "e099"): one
// feature per dimension of the mean word vector of a message.
const kindDense = 'e'

// denseShare is the word-vector block's share of a vector's squared length
// in models trained now (internal/topics/README.md has the settings grid,
// docs/topics.md#word-vectors the figures).
var denseShare = 0.15

// denseKeys are the word-vector block's keys, in index order.
func denseKeys() []string {
	keys := make([]string, wordvec.Dims)
	for d := range keys {
		keys[d] = fmt.Sprintf("%c%03d", kindDense, d)
	}
	return keys
}

// meanWordVector adds the vectors of toks' content words to dst, each
// weighted by its idf (a word no training text had counts as the rarest),
// and reports whether any was found. Stopwords are left out: "where is my"
// is near every question. The block is normalised afterwards, so the sum is
// a weighted mean.
func (v *Vectorizer) meanWordVector(toks []string, dst []float32) bool {
	tab := wordvec.Default()
	found := false
	for _, t := range toks {
		if stopwords[t] {
			continue
		}
		idf := v.maxIDF
		if i, ok := v.index[fnvAdd(fnvByte(fnvOffset, kindWord), t)]; ok {
			idf = v.IDF[i]
		}
		if tab.AddScaled(t, idf, dst) {
			found = true
		}
	}
	return found
}

// wordVectorsID names the table a vectorizer's word-vector block reads, or
// is empty when it has none.
func (v *Vectorizer) wordVectorsID() string {
	if v.Dense == 0 {
		return ""
	}
	return wordvec.ID
}
