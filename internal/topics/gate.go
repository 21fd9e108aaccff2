package topics

import (
	"fmt"
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
}

// SetScore is both models' macro-F1 on one held-out set.
type SetScore struct {
	Name  string  `json:"name"`
	N     int     `json:"n"`
	OldF1 float64 `json:"old_macro_f1"`
	NewF1 float64 `json:"new_macro_f1"`
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
		sc := SetScore{Name: s.Name, N: len(s.Examples), OldF1: scoreClassifier(old, s.Examples).MacroF1, NewF1: scoreClassifier(new, s.Examples).MacroF1}
		v.Sets = append(v.Sets, sc)
		line := fmt.Sprintf("%s (%d): held-out macro-F1 %.4f against %.4f", sc.Name, sc.N, sc.NewF1, sc.OldF1)
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
