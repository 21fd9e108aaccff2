package topics_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/topics"
)

// A store whose model was trained before discount codes were a topic: the
// starter data without discount_promo (trained once for all subtests).
var noDiscountModel = sync.OnceValues(func() (*topics.Model, error) {
	ex, err := topics.StarterExamplesFrom("starter")
	if err != nil {
		return nil, err
	}
	kept := ex[:0:0]
	for _, e := range ex {
		if e.Label != topics.DiscountPromo {
			kept = append(kept, e)
		}
	}
	return topics.Train(kept, topics.TrainOptions{Seed: 3})
})

// save20 writes n messages about one broken code in varied wording, as
// many customers would.
func save20(r *rand.Rand, n int) []string {
	openers := []string{"", "Hi, ", "Hello team, ", "hey ", "Good morning, "}
	says := []string{
		"the SAVE20 code is not working at checkout",
		"SAVE20 code not working at checkout",
		"I tried to use SAVE20 but the checkout says the code is invalid",
		"your SAVE20 promo code doesn't work",
		"why is SAVE20 rejected at checkout?",
		"save20 wont apply to my basket",
		"the code SAVE20 from your email gives an error when I pay",
		"SAVE20 says expired but your email says it runs all week",
		"I entered SAVE20 three times and the price didn't change",
		"is SAVE20 still valid? checkout refuses it",
		"code save20 isnt accepted, can you apply it manually",
		"the SAVE20 discount code fails at checkout",
	}
	closers := []string{"", " Thanks", " Please help.", " Very annoying!", " Can you fix it?"}
	out := make([]string, n)
	for i := range out {
		out[i] = openers[r.IntN(len(openers))] + says[r.IntN(len(says))] + closers[r.IntN(len(closers))]
	}
	return out
}

// noise is what else customers write: one-off questions no topic covers,
// and messages the model knows well. Each is written once.
var noise = []string{
	"Do you have a shop in Lyon I can visit?", "Are you hiring for the summer?", "Can I bring my dog into your store?",
	"I'm a content creator and would love to collaborate", "Is your packaging recyclable?", "What are your opening hours on Sunday?",
	"Do you sponsor local football clubs?", "My grandmother loved the scarf, thank you", "Can I pay a visit to your workshop?",
	"Is there a student night at the Paris store?", "Who designs your prints?", "Can I sell your products in my boutique?",
	"My parcel hasn't arrived yet, where is it?", "I want to return the jacket", "The mug arrived broken",
	"Please cancel my order", "I can't log in to my account", "Which size should I take in the boots?",
	"qwerty test message please ignore", "Can I speak to someone about a partnership?", "How do I become an affiliate?",
	"Do you plant a tree for every order?", "Is the founder doing interviews?", "Can you send me a paper catalogue?",
	"Where can I find your press kit?", "Do you have an app for iPhone?", "I want to complain about the music in your store",
	"The website is very slow today", "Your last newsletter had a typo lol", "Can I reserve an item in store?",
	"Would you donate a prize to our school raffle?", "Is the cafe in your flagship open yet?", "My wife wants to know if you do engravings",
	"Can I leave a bag at the counter while I shop?", "What charity do you support this year?", "Is parking free near the Lille store?",
	"Hello, just testing the chat", "Do you ship plants abroad?", "Who took the photos on your homepage? Stunning",
	"Can my company order 200 tote bags with our logo?", "Are your candles safe for cats?", "I found a wallet in your fitting room",
	"Please stop calling my landline", "Do you offer internships for design students?", "Can I get a copy of the terms and conditions?",
	"Your Instagram link is broken", "Is the Bordeaux store wheelchair accessible?", "How old is the company?",
	"Which warehouse do you ship from?", "Do you accept returns of items bought at the pop-up?", "I'd like to write an article about your brand",
	"Can I pick up my order from the depot myself?", "Why did the store close early yesterday?", "Do you do repairs on old bags?",
	"Is the jumper made in Europe?", "How do I contact your CEO?", "Love the new logo!", "Can I get a job application form?",
	"Do you recycle old clothes?", "The lift in your shop is out of order",
}

func TestDiscoveryFindsAPlantedIssue(t *testing.T) {
	m, err := noDiscountModel()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, func(tx *store.Tx) error {
			_, err := topics.SaveModel(ctx, tx, m, nil, nil, true, now)
			return err
		})
		c, err := topics.Current(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		arrive := func(text string, at time.Time) int64 {
			a := c.Assign("", "", text)
			return addContact(t, db, a.Topic, a.Source, text, at, a.Confidence.Float64)
		}
		r := rand.New(rand.NewPCG(1, 2))
		// Three weeks from Monday 2026-03-02; the broken code gets worse
		// week by week (4, 12, 24 contacts) among steady noise.
		weekStart := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		planted := map[int64]bool{}
		for w, n := range []int{4, 12, 24} {
			for i, text := range save20(r, n) {
				planted[arrive(text, weekStart.AddDate(0, 0, 7*w+i%7))] = true
			}
		}
		for i, text := range noise {
			arrive(text, weekStart.Add(time.Duration(i)*8*time.Hour))
		}
		opt := topics.DiscoverOptions{From: weekStart, To: weekStart.AddDate(0, 0, 21), Now: now}
		cands, err := topics.Discover(ctx, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, cand := range cands {
			t.Logf("candidate %d: %d contacts, cohesion %.2f, terms %v, weekly %v, e.g. %q", cand.ID, cand.Size, cand.Cohesion, cand.Terms, cand.Weekly, cand.Examples)
		}
		// Discovery sees what the model could not place: a model that has
		// never heard of the issue still puts some of it confidently
		// elsewhere ("SAVE20 says expired" reads like a delay).
		eligible := 0
		for id := range planted {
			var topic string
			var conf float64
			db.QueryRow(ctx, `SELECT topic, topic_confidence FROM contacts WHERE id = ?`, id).Scan(&topic, &conf)
			if topic == topics.Other || conf < 0.6 {
				eligible++
			}
		}
		t.Logf("%d of %d planted contacts were in other or under 0.6 confidence", eligible, len(planted))
		if eligible*2 < len(planted) {
			t.Fatalf("only %d of %d planted contacts reach discovery: the scenario tests nothing", eligible, len(planted))
		}
		// The planted issue is found: the candidates holding any real share
		// of it are at least 90% the planted issue and name its code, there
		// are at most two of them (one wording, "SAVE20 says expired", may
		// group apart from "the code fails at checkout"), and together they
		// hold 80% of what discovery saw. The largest is checked below.
		var found *topics.Candidate
		holding, held := 0, 0
		for i := range cands {
			in := 0
			for _, id := range cands[i].Members {
				if planted[id] {
					in++
				}
			}
			if in*10 <= cands[i].Size {
				continue
			}
			holding++
			held += in
			if in*10 < cands[i].Size*9 {
				t.Errorf("candidate %v: %d of %d members are the planted issue, want 90%%", cands[i].Terms, in, cands[i].Size)
			}
			if !slices.Contains(cands[i].Terms, "save20") {
				t.Errorf("candidate %v holds %d of the planted issue without naming save20", cands[i].Terms, in)
			}
			if found == nil || in > countIn(found.Members, planted) {
				found = &cands[i]
			}
		}
		if holding > 2 {
			t.Errorf("the planted issue is split across %d candidates", holding)
		}
		if found == nil || held*10 < eligible*8 {
			t.Fatalf("candidates hold %d of the %d planted contacts discovery saw, want 80%%", held, eligible)
		}
		if !slices.Contains(found.Terms[:3], "save20") || !slices.ContainsFunc(found.Terms, func(s string) bool { return strings.Contains(s, "code") || strings.Contains(s, "checkout") }) {
			t.Errorf("top terms %v: want save20 among the first three, and code or checkout", found.Terms)
		}
		if len(found.Weekly) != 3 || found.Weekly[0].Week != "2026-W10" || !(found.Weekly[0].Count < found.Weekly[1].Count && found.Weekly[1].Count < found.Weekly[2].Count) {
			t.Errorf("weekly trend %v: want three rising weeks from 2026-W10", found.Weekly)
		}
		if len(found.Examples) != 3 || !strings.Contains(strings.ToLower(found.Examples[0]), "save20") {
			t.Errorf("representative messages %q", found.Examples)
		}

		// Promotion makes it a topic and labels its contacts.
		var n int
		write(t, db, func(tx *store.Tx) error {
			n, err = topics.Promote(ctx, tx, found.ID, "broken_save20", "SAVE20 code broken", now)
			return err
		})
		var labelled int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE topic = 'broken_save20' AND topic_source = 'promoted'`).Scan(&labelled)
		if n != found.Size || labelled != found.Size {
			t.Errorf("promote labelled %d (%d stored), want the candidate's %d", n, labelled, found.Size)
		}
		h, _ := topics.History(ctx, db, "broken_save20")
		if len(h) != 2 || h[1].Kind != "promoted" || h[1].Contacts != n {
			t.Errorf("history %+v", h)
		}
		write(t, db, func(tx *store.Tx) error {
			if _, err := topics.Promote(ctx, tx, found.ID, "again", "", now); err == nil {
				t.Error("a candidate promoted twice")
			}
			return nil
		})
	})
}

func countIn(members []int64, set map[int64]bool) int {
	n := 0
	for _, id := range members {
		if set[id] {
			n++
		}
	}
	return n
}
