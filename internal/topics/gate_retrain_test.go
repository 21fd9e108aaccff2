package topics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/topics"
)

// The gate judged on the real messages: a retraining worse there alone, or
// worse on the held-out families of the store's labels alone, is refused
// and nothing is stored; a better one ships; a store with another taxonomy
// skips the real messages and says why. The stores' labels are messages we
// wrote in the manner of the real set's (a bank card ordered, late, broken,
// charged for), never its own texts.

// phrasings crosses what customers write about with how they say it.
func phrasings(format string, what, how []string) []string {
	var out []string
	for _, h := range how {
		for _, w := range what {
			out = append(out, fmt.Sprintf(format, w, h))
		}
	}
	return out
}

var (
	ourCards  = []string{"my new card", "the card you sent me", "my replacement card", "my debit card", "the card i ordered"}
	cardWhere = phrasings("%s %s", ourCards, []string{"has not arrived", "has not been delivered", "is not in my mailbox", "where is it, can i track it", "when will it get here"})
	cardLate  = phrasings("%[2]s %[1]s", ourCards, []string{"i have waited two weeks for", "it is taking far too long to get", "still waiting after ten days for", "why is it so slow to deliver"})
	cardFee   = phrasings("%[2]s %[1]s", []string{"my card payment", "a purchase with my card", "a card payment abroad", "my card top up"},
		[]string{"i was charged an extra fee for", "there is a surprise charge on", "why is there a fee on", "i got overcharged for", "the statement shows a hidden charge for"})
	cardBroken = phrasings("%s %s", []string{"my card", "the new card", "my debit card", "the card you sent"},
		[]string{"has stopped working in every shop", "does not work at the till", "is broken in two", "gets declined because the chip is damaged", "is cracked", "will not work contactless anymore"})
	cardAsk = phrasings("%[2]s %[1]s", []string{"a virtual card", "a card to the us", "a card by express"},
		[]string{"how long does delivery take for", "is it possible to get", "can i pick a delivery day for", "what does it cost to get"})
)

// filedAsTheRealSetFiles are the topics the real set's labelling guide
// gives such messages.
func filedAsTheRealSetFiles() []labelled {
	return interleave(
		labelled{topics.WhereIsMyOrder, cardWhere}, labelled{topics.DeliveryDelay, cardLate}, labelled{topics.Payment, cardFee},
		labelled{topics.DamagedOrDefective, cardBroken}, labelled{topics.ProductQuestion, cardAsk})
}

type labelled struct {
	topic string
	texts []string
}

// interleave lists the topics' texts one of each in turn, so that each
// topic has labels among the newest.
func interleave(ls ...labelled) []labelled {
	var out []labelled
	for i := 0; ; i++ {
		added := false
		for _, l := range ls {
			if i < len(l.texts) {
				out = append(out, labelled{l.topic, []string{l.texts[i]}})
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// addAgentLabels stores each text as an agent's label, the first a day
// old and each next one a day older.
func addAgentLabels(t *testing.T, db *store.DB, ls []labelled) {
	t.Helper()
	real, err := topics.RealExamples()
	if err != nil {
		t.Fatal(err)
	}
	// Not even one with a real message's content words.
	inReal := map[string]string{}
	for _, e := range real {
		inReal[strings.Join(topics.ContentWords(e.Text), " ")] = e.Text
	}
	for _, l := range ls {
		if r, ok := inReal[strings.Join(topics.ContentWords(l.texts[0]), " ")]; ok {
			t.Errorf("%q says what the real message %q says: no store may train on those", l.texts[0], r)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for i, l := range ls {
		addContact(t, db, l.topic, topics.SourceAgent, l.texts[0], now.AddDate(0, 0, -1-i), 0)
	}
}

// retrainJudged retrains the store's model as the weekly task does and
// checks the gate's own rule on the figures it recorded.
func retrainJudged(t *testing.T, db *store.DB) topics.Comparison {
	t.Helper()
	cmp, err := topics.Retrain(context.Background(), db, topics.RetrainOptions{Now: now, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", cmp.Reason)
	neverWorse(t, cmp)
	return cmp
}

func setNamed(cmp topics.Comparison, name string) (topics.SetScore, bool) {
	for _, s := range cmp.Sets {
		if s.Name == name {
			return s, true
		}
	}
	return topics.SetScore{}, false
}

// refusedAndNotStored checks that nothing changed in the store but one
// retraining recorded as not shipped, with the comparison's figures.
func refusedAndNotStored(t *testing.T, db *store.DB, cmp topics.Comparison) {
	t.Helper()
	ctx := context.Background()
	if cmp.Replaced || cmp.ModelID != 0 {
		t.Errorf("shipped: %+v", cmp)
	}
	if models, _ := topics.Models(ctx, db); len(models) != 0 {
		t.Errorf("a refused model was stored: %+v", models)
	}
	if c, _ := topics.Current(ctx, db); c.ModelID != 0 {
		t.Errorf("current model %d, want the starter", c.ModelID)
	}
	tr, err := topics.Trainings(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 1 || tr[0].Shipped || tr[0].NewModelID != 0 || tr[0].Reason != cmp.Reason || fmt.Sprint(tr[0].Sets) != fmt.Sprint(cmp.Sets) {
		t.Errorf("recorded %+v, want the comparison's figures", tr)
	}
}

// Agents file card messages under account, consistently, so the new model
// is better on their own held-out families, but it would give the real
// set's where-is-my-card and late-card messages the wrong topic.
func TestGateRefusesWorseOnRealMessagesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		returns := phrasings("%[2]s %[1]s", []string{"the jacket", "these shoes", "the dress i bought", "the blue shirt", "the lamp"},
			[]string{"how do i return", "i would like to send back", "can i get a return label for", "i want to return"})
		addAgentLabels(t, db, interleave(labelled{topics.Account, append(append([]string{}, cardWhere...), cardLate...)}, labelled{topics.Return, returns}))
		cmp := retrainJudged(t, db)
		agents, ok1 := setNamed(cmp, topics.SetAgentLabels)
		real, ok2 := setNamed(cmp, topics.SetRealMessages)
		if !ok1 || !ok2 || len(cmp.Sets) != 2 || len(cmp.Skipped) != 0 {
			t.Fatalf("judged on %+v, skipped %+v: want the agents' families and the real messages", cmp.Sets, cmp.Skipped)
		}
		if agents.NewF1 < agents.OldF1 || real.NewF1 >= real.OldF1 {
			t.Fatalf("the scenario is not worse on the real messages alone: %+v", cmp.Sets)
		}
		if !strings.HasPrefix(cmp.Reason, "worse on real messages (") || strings.Contains(cmp.Reason, "worse on recent agent labels") {
			t.Errorf("reason %q", cmp.Reason)
		}
		refusedAndNotStored(t, db, cmp)
	})
}

// Agents used to file card messages as the real set does; lately (their
// newest two fifths of labels) they file them as the model in use does.
// Trained on the older labels, the new model is worse on the newest held-out families, and is refused. The store
// has a topic of its own, so the real messages are not judged: the families
// alone must refuse it.
func TestGateRefusesWorseOnHeldOutFamiliesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, func(tx *store.Tx) error { return topics.AddTopic(ctx, tx, "loyalty", "Loyalty points", now) })
		ls := filedAsTheRealSetFiles()
		inUse := topics.Starter()
		for i := range 2 * len(ls) / 5 {
			ls[i].topic = inUse.Classify(ls[i].texts[0]).Topic
		}
		addAgentLabels(t, db, ls)
		cmp := retrainJudged(t, db)
		agents, ok := setNamed(cmp, topics.SetAgentLabels)
		if !ok || len(cmp.Sets) != 1 || len(cmp.Skipped) != 1 || cmp.Skipped[0].Name != topics.SetRealMessages {
			t.Fatalf("judged on %+v, skipped %+v: want the agents' families alone", cmp.Sets, cmp.Skipped)
		}
		if agents.NewF1 >= agents.OldF1 {
			t.Fatalf("the scenario is not worse on the held-out families: %+v", cmp.Sets)
		}
		if agents.Families == 0 || agents.Families > agents.N {
			t.Errorf("held out %d labels in %d families", agents.N, agents.Families)
		}
		if !strings.HasPrefix(cmp.Reason, "worse on recent agent labels (") {
			t.Errorf("reason %q", cmp.Reason)
		}
		refusedAndNotStored(t, db, cmp)
	})
}

// Agents file card messages as the real set's guide does: the new model is
// better on their held-out families and on the real messages, and ships.
func TestGateShipsBetterOnRealMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		addAgentLabels(t, db, filedAsTheRealSetFiles())
		cmp := retrainJudged(t, db)
		real, ok := setNamed(cmp, topics.SetRealMessages)
		if !cmp.Replaced || cmp.ModelID == 0 || !ok || real.NewF1 <= real.OldF1 || len(cmp.Skipped) != 0 {
			t.Fatalf("comparison %+v: the model that learnt the real set's topics should ship", cmp)
		}
		tr, err := topics.Trainings(ctx, db, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != 1 || !tr[0].Shipped || tr[0].NewModelID != cmp.ModelID || fmt.Sprint(tr[0].Sets) != fmt.Sprint(cmp.Sets) || len(tr[0].Skipped) != 0 {
			t.Errorf("recorded %+v", tr)
		}
		if c, _ := topics.Current(ctx, db); c.ModelID != cmp.ModelID {
			t.Errorf("current model %d, want %d", c.ModelID, cmp.ModelID)
		}
	})
}

// A store that merged a topic gives other topics than the real set's
// labels: the real messages are not judged on, and the record says why.
func TestGateSkipsRealMessagesInAnotherTaxonomy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		addAgentLabels(t, db, filedAsTheRealSetFiles())
		write(t, db, func(tx *store.Tx) error {
			_, err := topics.MergeTopic(ctx, tx, topics.DeliveryDelay, topics.WhereIsMyOrder, now)
			return err
		})
		cmp := retrainJudged(t, db)
		if _, judged := setNamed(cmp, topics.SetRealMessages); judged {
			t.Errorf("judged on the real messages in a store with a merged topic: %+v", cmp.Sets)
		}
		if _, ok := setNamed(cmp, topics.SetAgentLabels); !ok {
			t.Errorf("not judged on the agents' labels: %+v", cmp.Sets)
		}
		want := "the store's taxonomy is not the default one (delivery_delay merged into where_is_my_order)"
		if len(cmp.Skipped) != 1 || cmp.Skipped[0].Name != topics.SetRealMessages || cmp.Skipped[0].Why != want || cmp.Skipped[0].N == 0 ||
			!strings.Contains(cmp.Reason, "not judged on real messages") {
			t.Errorf("skipped %+v, reason %q", cmp.Skipped, cmp.Reason)
		}
		tr, err := topics.Trainings(ctx, db, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != 1 || len(tr[0].Skipped) != 1 || tr[0].Skipped[0] != cmp.Skipped[0] || tr[0].Reason != cmp.Reason {
			t.Errorf("recorded %+v", tr)
		}
	})
}
