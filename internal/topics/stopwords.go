package topics

import "strings"

// stopwords are words that say nothing about what a message is about.
// Classification keeps them (the model learns their weights, and "where is
// my" means something); discovery drops them, because between unrelated
// short questions they are all there is in common.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about after again all am an and any are as at be been before being but by can could
		did do does doing dont for from get got had has have having he her hers him his hi hello hey how i id if im in into is it its
		ive just me more most my no nor not of off on once only or other our ours out over own please same she should so some
		such than thank thanks that the their them then there these they this those through to too under until up very was we
		were what when where which while who whom why will with would you your yours yourself thx pls`) {
		m[w] = true
	}
	return m
}()

func withoutStopwords(toks []string) []string {
	out := toks[:0]
	for _, t := range toks {
		if !stopwords[t] {
			out = append(out, t)
		}
	}
	return out
}
