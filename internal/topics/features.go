package topics

import (
	"math"
	"slices"
	"sort"

	"quietdesk/internal/wordvec"
)

// Feature keys are strings whose first byte says the kind: a word, a word
// bigram ("w1 w2") or a character n-gram of one word padded with spaces
// (" ord", "der "), so "ordr" and "order" share most features and a run-on
// "whereis" still shares "where". At classification time the keys are never
// built: their FNV-1a hashes are computed in place and looked up.
const (
	kindWord    = 'w'
	kindBigram  = 'b'
	kindChar    = 'c'
	kindConcept = 'k' // a concept (concepts.go); "k!" and the name when negated
)

// Char n-gram lengths, as in scikit-learn's char_wb analyser.
const (
	charMin = 2
	charMax = 5
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

// featureHash is the hash of a feature key as Vectorizer looks it up.
func featureHash(key string) uint64 { return fnvAdd(fnvOffset, key) }

// emit calls fn with the hash, the key (only when keys is set: training
// builds the vocabulary from them) and the block (0 words, 1 characters) of
// every feature occurrence in toks.
func emit(toks []string, keys bool, fn func(h uint64, key string, block int)) {
	var buf []byte
	concept := func(c string, negated bool) {
		h := fnvByte(fnvOffset, kindConcept)
		key := ""
		if negated {
			h = fnvByte(h, '!')
		}
		h = fnvAdd(h, c)
		if keys {
			key = string(kindConcept) + c
			if negated {
				key = string(kindConcept) + "!" + c
			}
		}
		fn(h, key, 0)
	}
	negation := 0 // words left in the current negation's scope
	next := ""    // stem of toks[i+1]
	if len(toks) > 0 {
		next = stem(toks[0])
	}
	for i, t := range toks {
		st := next
		next = ""
		if i+1 < len(toks) {
			next = stem(toks[i+1])
		}
		switch c := conceptOf(t, st); {
		case negators[t]:
			negation = negationScope + 1
		case negation > 0:
			if nc := conceptOfNegated[st]; nc != "" {
				concept(nc, false) // "not working" is simply BROKEN
			} else if c != "" {
				concept(c, true)
			}
		case c != "":
			concept(c, false)
		}
		negation--
		// A phrase, its words side by side or one word apart ("send it back").
		if seconds := conceptOfPhrase[st]; seconds != nil && i+1 < len(toks) {
			c := seconds[next]
			if c == "" && i+2 < len(toks) {
				c = seconds[stem(toks[i+2])]
			}
			if c != "" {
				concept(c, false)
			}
		}
		h := fnvAdd(fnvByte(fnvOffset, kindWord), t)
		key := ""
		if keys {
			key = string(kindWord) + t
		}
		fn(h, key, 0)
		if i+1 < len(toks) {
			n := toks[i+1]
			h = fnvAdd(fnvByte(fnvAdd(fnvByte(fnvOffset, kindBigram), t), ' '), n)
			if keys {
				key = string(kindBigram) + t + " " + n
			}
			fn(h, key, 0)
		}
		if isPlaceholder(t) {
			continue
		}
		// Char n-grams of " t " at rune boundaries, so accented letters stay
		// whole. bounds holds the byte offsets in " t " where runes start,
		// then its end; very long words are cut at 60 runes.
		var bounds [64]int
		nb := 1 // bounds[0] = 0, the leading space
		for j := range t {
			if nb == len(bounds)-2 {
				t = t[:j]
				break
			}
			bounds[nb] = j + 1
			nb++
		}
		bounds[nb], bounds[nb+1] = len(t)+1, len(t)+2
		nb += 2
		for a := 0; a < nb-1; a++ {
			for n := charMin; n <= charMax && a+n < nb; n++ {
				lo, hi := bounds[a], bounds[a+n]
				h := fnvByte(fnvOffset, kindChar)
				h = paddedHash(h, t, lo, hi)
				if keys {
					buf = buf[:0]
					buf = append(buf, kindChar)
					buf = appendPadded(buf, t, lo, hi)
					key = string(buf)
				}
				fn(h, key, 1)
			}
		}
	}
}

// paddedHash hashes bytes lo..hi of " "+t+" " without building it.
func paddedHash(h uint64, t string, lo, hi int) uint64 {
	for p := lo; p < hi; p++ {
		var c byte = ' '
		if p >= 1 && p <= len(t) {
			c = t[p-1]
		}
		h = fnvByte(h, c)
	}
	return h
}

func appendPadded(buf []byte, t string, lo, hi int) []byte {
	for p := lo; p < hi; p++ {
		c := byte(' ')
		if p >= 1 && p <= len(t) {
			c = t[p-1]
		}
		buf = append(buf, c)
	}
	return buf
}

// Vectorizer turns tokens into TF-IDF vectors: sublinear term frequency
// (1 + ln tf) times idf, each block of features L2-normalised to its share
// of the vector's squared length, so the whole vector has length 1 and no
// kind of feature drowns another. The blocks are concepts (ConceptShare),
// then words and word pairs and then character n-grams, which split the
// rest evenly, and last the mean word vector of the message's content words
// (DenseShare; package wordvec), which carries meaning to words no example
// used.
type Vectorizer struct {
	Keys     []string  // feature keys: concept block, word block, character block, each sorted, then the word-vector block
	IDF      []float32 // per feature
	Concepts int       // Keys[:Concepts] are the concept block
	Words    int       // Keys[Concepts:Words] are the word block
	// ConceptShare is the concept block's share; zero for models trained
	// before concepts, whose vectors are then exactly what they were.
	ConceptShare float64
	// Keys[len(Keys)-Dense:] are the word-vector block, one key per
	// dimension; Dense is zero in models trained before it.
	Dense      int
	DenseShare float64

	index  map[uint64]int32
	maxIDF float32 // the idf of a word no document had
}

// Vector is a sparse vector: indexes ascending, values beside them.
type Vector struct {
	Idx []int32
	Val []float32
}

// buildVectorizer keeps the features found in at least minDF documents,
// and the word-vector block when dense, its share, is above zero.
func buildVectorizer(docs [][]string, minDF int, dense float64) *Vectorizer {
	df := map[string]int{}
	seen := map[string]bool{}
	for _, toks := range docs {
		clear(seen)
		emit(toks, true, func(_ uint64, key string, _ int) {
			if !seen[key] {
				seen[key] = true
				df[key]++
			}
		})
	}
	var concepts, words, chars []string
	for k, n := range df {
		switch {
		case n < minDF:
		case k[0] == kindChar:
			chars = append(chars, k)
		case k[0] == kindConcept:
			concepts = append(concepts, k)
		default:
			words = append(words, k)
		}
	}
	sort.Strings(concepts)
	sort.Strings(words)
	sort.Strings(chars)
	var denseBlock []string
	if dense > 0 {
		denseBlock = denseKeys()
	}
	v := &Vectorizer{
		Keys:  slices.Concat(concepts, words, chars, denseBlock),
		Dense: len(denseBlock), DenseShare: dense,
		Concepts: len(concepts), Words: len(concepts) + len(words),
		ConceptShare: conceptShare,
	}
	v.IDF = make([]float32, len(v.Keys))
	n := float64(len(docs))
	for i, k := range v.Keys {
		v.IDF[i] = float32(math.Log((1+n)/(1+float64(df[k]))) + 1)
	}
	for i := len(v.Keys) - len(denseBlock); i < len(v.Keys); i++ {
		v.IDF[i] = 1
	}
	v.buildIndex()
	return v
}

func (v *Vectorizer) buildIndex() {
	v.index = make(map[uint64]int32, len(v.Keys))
	for i, k := range v.Keys {
		v.index[featureHash(k)] = int32(i)
		v.maxIDF = max(v.maxIDF, v.IDF[i])
	}
}

// Transform returns the TF-IDF vector of toks, reusing dst's storage.
func (v *Vectorizer) Transform(toks []string, dst Vector) Vector {
	idx := dst.Idx[:0]
	emit(toks, false, func(h uint64, _ string, _ int) {
		if i, ok := v.index[h]; ok {
			idx = append(idx, i)
		}
	})
	slices.Sort(idx)
	// Collapse repeats into (index, 1 + ln count) × idf.
	val := dst.Val[:0]
	out := idx[:0]
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[i] {
			j++
		}
		out = append(out, idx[i])
		tf := float32(1)
		if j-i > 1 {
			tf = float32(1 + math.Log(float64(j-i)))
		}
		val = append(val, tf*v.IDF[idx[i]])
		i = j
	}
	// Normalise each block; they come in index order.
	c := sort.Search(len(out), func(k int) bool { return int(out[k]) >= v.Concepts })
	w := c + sort.Search(len(out)-c, func(k int) bool { return int(out[c+k]) >= v.Words })
	e := len(out)
	rest := 1.0
	if v.Dense > 0 {
		var mean [wordvec.Dims]float32
		if v.meanWordVector(toks, mean[:]) {
			first := int32(len(v.Keys) - v.Dense)
			for d, x := range mean {
				out = append(out, first+int32(d))
				val = append(val, x)
			}
			normalize(val[e:], v.DenseShare)
			rest -= v.DenseShare
		}
	}
	if c > 0 {
		normalize(val[:c], v.ConceptShare)
		rest -= v.ConceptShare
	}
	normalize(val[c:w], rest*wordShare)
	normalize(val[w:e], rest*(1-wordShare))
	return Vector{Idx: out, Val: val}
}

// wordShare is the word block's share of what the concepts leave of a
// vector's squared length; the character block has the rest.
var wordShare = 0.5

// conceptShare is the concept block's share of a vector's squared length
// in models trained now.
var conceptShare = 0.2

// normalize scales val to length √share.
func normalize(val []float32, share float64) {
	var s float64
	for _, x := range val {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	f := float32(math.Sqrt(share / s))
	for i := range val {
		val[i] *= f
	}
}
