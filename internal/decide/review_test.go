package decide_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestReviewFindsTheCohortBehindAMove: CPO wobbles a little for ten weeks
// on three carriers, then one carrier's jumps. The review flags CPO, puts
// it on that carrier, and the carriers' parts add up to the change.
func TestReviewFindsTheCohortBehindAMove(t *testing.T) {
	s := scenario{weeks: 11, cohorts: []string{"Alpha", "Beta", "Gamma"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 60, revenue: 100, cogs: 40, contacts: 0.2 + 0.05*float64(w%3)/3}
		if w == 10 && c == "Beta" {
			cw.contacts = 0.8
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s.build(t, db)
		r, err := newDecider(db, s.now()).Review(context.Background(), s.lastWeek())
		if err != nil {
			t.Fatal(err)
		}
		var cpo *decide.Move
		for i := range r.Moved {
			if r.Moved[i].Metric == "cpo" {
				cpo = &r.Moved[i]
			}
		}
		if cpo == nil {
			t.Fatalf("CPO did not move: %+v", r.Moved)
		}
		if cpo.By != "carrier" || len(cpo.Drivers) != 3 || cpo.Drivers[0].Group != "Beta" || cpo.Better {
			t.Fatalf("move %+v", cpo)
		}
		var sum float64
		for _, d := range cpo.Drivers {
			sum += d.Contribution
		}
		if math.Abs(sum-cpo.Change) > 1e-5 {
			t.Errorf("the carriers' parts add up to %v, the change is %v", sum, cpo.Change)
		}
	})
}

// TestRisingTopics: a topic far above its usual weekly count is rising, one
// never seen before is new, and the steady ones and a small one are not.
func TestRisingTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var rows []string
		add := func(week, n int, topic string) {
			for i := range n {
				at := firstMonday.AddDate(0, 0, 7*week+i%7).Add(10 * time.Hour)
				rows = append(rows, fmt.Sprintf("C%d,%s,email,%s,x", len(rows), at.Format(time.DateTime), topic))
			}
		}
		for w := range 9 {
			add(w, 20+w%3, "sizing")
			add(w, 12, "refund")
			add(w, 2, "payment")
		}
		add(8, 40, "sizing")      // 60 in the last week against about 21
		add(8, 15, "broken_code") // new
		add(8, 6, "payment")      // 8 against 2: too few to tell
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,topic,text", rows)
		// A steady 200 orders a week, but for the last week's 220.
		var orders []string
		for w := range 9 {
			for i := range 200 + 20*(w/8) {
				orders = append(orders, fmt.Sprintf("O%d-%d,%s,10", w, i, firstMonday.AddDate(0, 0, 7*w+i%7).Add(9*time.Hour).Format(time.DateTime)))
			}
		}
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", orders)
		week := decide.WeekOf(firstMonday, time.UTC).Add(8)
		got, err := newDecider(db, week.End().Add(48*time.Hour)).RisingTopics(context.Background(), week)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Topic != "broken_code" || !got[0].New || got[1].Topic != "sizing" || got[1].New || got[1].Contacts < 60 || got[1].PerOrder <= got[1].MedianPerOrder {
			t.Errorf("rising %+v", got)
		}
	})
}

// In a week of twice the orders, twice the contacts on every topic is
// nothing rising: topics are judged per order.
func TestRisingTopicsArePerOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var contacts, orders []string
		for w := range 9 {
			scale := 1 + w/8 // the last week doubles
			for i := range 200 * scale {
				orders = append(orders, fmt.Sprintf("O%d-%d,%s,10", w, i, firstMonday.AddDate(0, 0, 7*w+i%7).Add(9*time.Hour).Format(time.DateTime)))
			}
			for _, topic := range []string{"sizing", "refund"} {
				for i := range 20 * scale {
					at := firstMonday.AddDate(0, 0, 7*w+i%7).Add(11 * time.Hour)
					contacts = append(contacts, fmt.Sprintf("C%d,%s,email,%s,x", len(contacts), at.Format(time.DateTime), topic))
				}
			}
		}
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", orders)
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,topic,text", contacts)
		week := decide.WeekOf(firstMonday, time.UTC).Add(8)
		got, err := newDecider(db, week.End().Add(48*time.Hour)).RisingTopics(context.Background(), week)
		if err != nil || len(got) != 0 {
			t.Errorf("a surge of orders made topics rise: %+v %v", got, err)
		}
	})
}

// A past week's review shows the program as it stood at the end of that
// week, not today's day.
func TestReviewShowsTheProgramAsOfItsWeek(t *testing.T) {
	s := scenario{weeks: 9, cohorts: []string{"A"}, spec: func(int, string) cohortWeek {
		return cohortWeek{orders: 40, revenue: 100, cogs: 40, contacts: 0.1}
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		if err := db.SetSetting(ctx, decide.ProgramStartSetting, firstMonday.Format(time.DateOnly)); err != nil {
			t.Fatal(err)
		}
		d := newDecider(db, s.now())
		first := decide.WeekOf(firstMonday, time.UTC)
		for w, wantDay := range map[int]int{2: 20, 6: 48} {
			r, err := d.Review(ctx, first.Add(w))
			if err != nil {
				t.Fatal(err)
			}
			if r.Program == nil || r.Program.Day != wantDay {
				t.Errorf("review of week %d: program %+v, want day %d (its Sunday)", w, r.Program, wantDay)
			}
		}
	})
}
