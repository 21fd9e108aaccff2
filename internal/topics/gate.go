package topics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The gate a retrained model passes before it replaces the one in use:
// scored on the same held-out sets as contacts would be classified (the
// threshold and the store's taxonomy applied), it must not be worse on any
// of them. A set must hold texts neither model trained on.

// HeldOut is one named set of labelled texts the gate scores both models
// on.
type HeldOut struct {
	Name     string
	Examples []Example
	// Families is how many phrasing families (Groups) the examples were
	// held out as; 0 for a set not chosen by family.
	Families int
	// DefaultTaxonomy marks a set labelled onto the default taxonomy: it
	// is judged only in a store whose taxonomy is the default one, since
	// in another its labels are not the topics the store gives.
	DefaultTaxonomy bool
}

// SetScore is both models' macro-F1 on one held-out set.
type SetScore struct {
	Name     string  `json:"name"`
	N        int     `json:"n"`
	Families int     `json:"families,omitempty"`
	OldF1    float64 `json:"old_macro_f1"`
	NewF1    float64 `json:"new_macro_f1"`
}

// Size says how many texts the set held, and in how many families when it
// was chosen by family: "40" or "40 in 12 families".
func (s SetScore) Size() string {
	if s.Families == 0 {
		return fmt.Sprint(s.N)
	}
	return fmt.Sprintf("%d in %d %s", s.N, s.Families, plural(s.Families, "family", "families"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// SkippedSet is a held-out set a retraining did not judge on, and why.
type SkippedSet struct {
	Name string `json:"name"`
	N    int    `json:"n"`
	Why  string `json:"why"`
}

// Verdict is the gate's decision with the figures it was made on.
type Verdict struct {
	Ship bool       `json:"ship"`
	Why  string     `json:"why"`
	Sets []SetScore `json:"sets"`
}

// Gate reports whether new may replace old: its macro-F1 must be at least
// old's on every non-empty set (a tie ships: the new model learnt from
// more labels). why names the figures either way.
func Gate(old, new *Model, sets ...[]Example) (ship bool, why string) {
	named := make([]HeldOut, len(sets))
	for i, s := range sets {
		named[i] = HeldOut{Name: fmt.Sprintf("set %d", i+1), Examples: s}
	}
	v := Judge(&Classifier{Model: old}, &Classifier{Model: new}, named...)
	return v.Ship, v.Why
}

// Judge is Gate for classifiers with the store's taxonomy applied and
// named sets, with the figures of every set.
func Judge(old, new *Classifier, sets ...HeldOut) Verdict {
	v := Verdict{Ship: true, Sets: []SetScore{}}
	var worse, held []string
	for _, s := range sets {
		if len(s.Examples) == 0 {
			continue
		}
		sc := SetScore{Name: s.Name, N: len(s.Examples), Families: s.Families, OldF1: scoreClassifier(old, s.Examples).MacroF1, NewF1: scoreClassifier(new, s.Examples).MacroF1}
		v.Sets = append(v.Sets, sc)
		line := fmt.Sprintf("%s (%s): held-out macro-F1 %.4f against %.4f", sc.Name, sc.Size(), sc.NewF1, sc.OldF1)
		if sc.NewF1 < sc.OldF1 {
			worse = append(worse, line)
		} else {
			held = append(held, line)
		}
	}
	switch {
	case len(v.Sets) == 0:
		v.Ship, v.Why = false, "no held-out set to compare the models on: the model in use stays"
	case len(worse) > 0:
		v.Ship, v.Why = false, "worse on "+strings.Join(worse, "; ")+": the model in use stays"
	default:
		v.Why = "at least as good on " + strings.Join(held, "; ")
	}
	return v
}

// SetRealMessages is the real-message set (RealExamples) as a gate set:
// messages people wrote, labelled by hand, that no model trains on. It is
// registered here, in the package every retraining goes through (the
// command, the scheduled task), so all of them judge on it.
const SetRealMessages = "real messages"

func init() {
	RegisterGateSet(func() (HeldOut, error) {
		ex, err := RealExamples()
		return HeldOut{Name: SetRealMessages, Examples: ex, DefaultTaxonomy: true}, err
	})
}

// gateSets are held-out sets every retraining is also judged on, beside
// the store's own labels: texts no model trains on (e.g. real customer
// messages labelled by hand).
var gateSets struct {
	sync.Mutex
	list []func() (HeldOut, error)
}

// RegisterGateSet adds a held-out set every retraining must not get worse
// on. load is called at each retraining; its texts must be ones neither the
// starter data nor a store trains on. Call it from an init function.
func RegisterGateSet(load func() (HeldOut, error)) {
	gateSets.Lock()
	defer gateSets.Unlock()
	gateSets.list = append(gateSets.list, load)
}

func registeredGateSets() ([]HeldOut, error) {
	gateSets.Lock()
	list := gateSets.list
	gateSets.Unlock()
	var out []HeldOut
	for _, load := range list {
		s, err := load()
		if err != nil {
			return nil, fmt.Errorf("a held-out set for the retraining gate: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// taxonomyDifference says how the store's taxonomy differs from the default
// one, one phrase per difference ("cancel merged into refund",
// "loyalty added", "labels outside it: shipping_status"); none when it is
// the default. The store's taxonomy is its topics table and the labels it
// trains on: a label outside the default taxonomy that no topic names (a
// brand's own imported "shipping_status") is a topic of the store all the
// same.
func taxonomyDifference(ctx context.Context, q querier, labels []string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT id, status, COALESCE(merged_into, '') FROM topics ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	status := map[string]string{}
	var diff, added []string
	for rows.Next() {
		var id, st, into string
		if err := rows.Scan(&id, &st, &into); err != nil {
			return nil, err
		}
		status[id] = st
		switch {
		case st == "active" && !IsDefault(id):
			added = append(added, id+" added")
		case st != "active" && IsDefault(id) && into != "":
			diff = append(diff, id+" merged into "+into)
		case st != "active" && IsDefault(id):
			diff = append(diff, id+" retired")
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range DefaultIDs() {
		if _, ok := status[id]; !ok {
			diff = append(diff, id+" missing")
		}
	}
	diff = append(diff, added...)
	var outside []string
	for _, l := range labels {
		if !IsDefault(l) && status[l] == "" {
			outside = append(outside, l)
		}
	}
	slices.Sort(outside)
	if outside = slices.Compact(outside); len(outside) > 0 {
		diff = append(diff, "labels outside it: "+listSome(outside, ", ", maxListed))
	}
	return diff, nil
}

// maxListed bounds the differences a skipped set's reason names: a store
// with a taxonomy of its own may differ in dozens of topics.
const maxListed = 6

// listSome joins the first n items with sep, and says how many more.
func listSome(items []string, sep string, n int) string {
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s%sand %d more", strings.Join(items[:n], sep), sep, len(items)-n)
}
