package topics

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// splitFixture is a store's labels over the starter's templated texts of
// four topics, where near-copies abound: every third an agent's, each a
// day older than the one before.
func splitFixture(t *testing.T) []storeLabel {
	t.Helper()
	ex, err := StarterData()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	per := map[string]int{}
	var out []storeLabel
	for _, e := range ex {
		switch e.Label {
		case WhereIsMyOrder, Cancel, Refund, Account:
		default:
			continue
		}
		if per[e.Label] >= 150 {
			continue
		}
		per[e.Label]++
		src := SourceImported
		if len(out)%3 == 0 {
			src = SourceAgent
		}
		out = append(out, storeLabel{Example: e, Source: src, At: now.AddDate(0, 0, -len(out))})
	}
	return out
}

func TestSplitLabelsHoldsOutWholeFamilies(t *testing.T) {
	labels := splitFixture(t)
	fit, agent, other, skipped := splitLabels(labels, nil, 1)
	if len(skipped) != 0 {
		t.Fatalf("skipped %+v", skipped)
	}
	if len(fit)+len(agent.Examples)+len(other.Examples) != len(labels) {
		t.Fatalf("%d trained + %d + %d held out of %d labels", len(fit), len(agent.Examples), len(other.Examples), len(labels))
	}
	// Every family is on one side only.
	ex := make([]Example, len(labels))
	for i, l := range labels {
		ex[i] = l.Example
	}
	group := Groups(ex)
	trained := map[Example]bool{}
	for _, l := range fit {
		trained[l.Example] = true
	}
	side := map[int]bool{}
	seen := map[int]bool{}
	for i, l := range labels {
		g, in := group[i], trained[l.Example]
		if seen[g] && side[g] != in {
			t.Errorf("family %d has members both trained on and held out (%q)", g, l.Text)
		}
		seen[g], side[g] = true, in
	}
	// A fifth of the agents' labels, the newest families.
	var agents, heldAt, fitAt []time.Time
	isHeld := map[Example]bool{}
	for _, e := range agent.Examples {
		isHeld[e] = true
	}
	for _, l := range labels {
		if l.Source != SourceAgent {
			continue
		}
		agents = append(agents, l.At)
		if isHeld[l.Example] {
			heldAt = append(heldAt, l.At)
		} else {
			fitAt = append(fitAt, l.At)
		}
	}
	target := heldOutShare * float64(len(agents))
	if n := float64(len(agent.Examples)); n < 0.75*target || n > target+max(1, target/4) {
		t.Errorf("held out %v of %d agents' labels, want about %.0f", n, len(agents), target)
	}
	newest := slices.MaxFunc(agents, func(a, b time.Time) int { return a.Compare(b) })
	if !slices.ContainsFunc(heldAt, newest.Equal) || !mean(heldAt).After(mean(fitAt)) {
		t.Errorf("the held-out agents' labels are not the newest: mean age %v against %v trained on", mean(heldAt), mean(fitAt))
	}
	// A fifth of each topic of the others.
	count, held := map[string]int{}, map[string]int{}
	for _, l := range labels {
		if l.Source != SourceAgent {
			count[l.Label]++
		}
	}
	for _, e := range other.Examples {
		held[e.Label]++
	}
	for l, n := range count {
		target := heldOutShare * float64(n)
		if h := float64(held[l]); h < 0.5*target || h > target+max(1, target/4)+float64(len(agent.Examples)) {
			t.Errorf("%s: held out %v of %d imported labels, want about %.0f", l, h, n, target)
		}
	}
	if agent.Families == 0 || agent.Families > len(agent.Examples) || other.Families == 0 || other.Families > len(other.Examples) {
		t.Errorf("families: %d for %d agents' labels, %d for %d others", agent.Families, len(agent.Examples), other.Families, len(other.Examples))
	}
	// The same labels and seed give the same split.
	fit2, agent2, other2, _ := splitLabels(labels, nil, 1)
	if fmt.Sprint(fit2, agent2, other2) != fmt.Sprint(fit, agent, other) {
		t.Error("the same labels and seed gave another split")
	}
}

// The starter's templated texts are near-copies of each other: holding
// out every fifth row would judge on texts whose phrasing family trains;
// splitLabels holds out none.
func TestSplitLabelsByFamilyNotByRow(t *testing.T) {
	labels := splitFixture(t)
	ex := make([]Example, len(labels))
	for i, l := range labels {
		ex[i] = l.Example
	}
	group := Groups(ex)
	leaks := func(held func(i int) bool) (n int) {
		trains := map[int]bool{}
		for i := range ex {
			if !held(i) {
				trains[group[i]] = true
			}
		}
		for i := range ex {
			if held(i) && trains[group[i]] {
				n++
			}
		}
		return n
	}
	byRow := leaks(func(i int) bool { return i%5 == 0 })
	_, agent, other, _ := splitLabels(labels, nil, 1)
	held := map[Example]bool{}
	for _, e := range append(agent.Examples, other.Examples...) {
		held[e] = true
	}
	byFamily := leaks(func(i int) bool { return held[ex[i]] })
	t.Logf("held-out texts whose family trains: %d by row, %d by family", byRow, byFamily)
	if byFamily != 0 || byRow < len(ex)/10 {
		t.Errorf("held-out texts whose family trains: %d by row (want many), %d by family (want none)", byRow, byFamily)
	}
}

// One family too large to hold out alone: the set is not judged on, and
// the retraining says so.
func TestSplitLabelsSaysWhenNothingFits(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var labels []storeLabel
	for i := range 20 {
		labels = append(labels, storeLabel{Example: Example{Text: "refund", Label: Refund}, Source: SourceAgent, At: at.Add(-time.Duration(i) * time.Hour)})
	}
	fit, agent, _, skipped := splitLabels(labels, nil, 1)
	if len(fit) != 20 || len(agent.Examples) != 0 || len(skipped) != 1 || skipped[0].Name != SetAgentLabels || skipped[0].N != 20 {
		t.Errorf("trained on %d, held out %d, skipped %+v", len(fit), len(agent.Examples), skipped)
	}
}

func mean(ts []time.Time) time.Time {
	var sum int64
	for _, t := range ts {
		sum += t.Unix()
	}
	return time.Unix(sum/int64(max(len(ts), 1)), 0).UTC()
}

func TestTaxonomyDifference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		diff, err := taxonomyDifference(ctx, db, []string{Refund, Cancel, Other})
		if err != nil || len(diff) != 0 {
			t.Fatalf("a new store's taxonomy differs: %v %v", diff, err)
		}
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := RetireTopic(ctx, tx, Subscription, now); err != nil {
				return err
			}
			if _, err := MergeTopic(ctx, tx, Cancel, Refund, now); err != nil {
				return err
			}
			return AddTopic(ctx, tx, "loyalty", "Loyalty points", now)
		})
		if err != nil {
			t.Fatal(err)
		}
		diff, err = taxonomyDifference(ctx, db, []string{Refund, "shipping_status", "loyalty", "shipping_status"})
		want := []string{"cancel merged into refund", "subscription retired", "loyalty added", "labels outside it: shipping_status"}
		if err != nil || !slices.Equal(diff, want) {
			t.Errorf("differences %q, want %q (%v)", diff, want, err)
		}
		many := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}
		diff, err = taxonomyDifference(ctx, db, many)
		if err != nil || diff[len(diff)-1] != "labels outside it: a1, a2, a3, a4, a5, a6, and 2 more" {
			t.Errorf("differences %q (%v)", diff, err)
		}
	})
}
