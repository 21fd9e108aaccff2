package kb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The golden store: five customers, fifteen sessions in the first two
// weeks of November 2026 and one after, contacts placed inside, on and
// outside the 72-hour window, ratings and searches that found nothing.
// Every figure TestMeasureGolden asserts is worked out here by hand.
//
// Times are UTC; the period is [2 Nov 00:00, 16 Nov 00:00) and the measure
// is taken at 17 Nov 12:00, so sessions started after 14 Nov 12:00 are
// counted but not measured (their 72 hours have not passed).
//
//	S1  alice  2 Nov 09:00  search "shoe size" → sizing-guide, returns; opens sizing-guide; rates it helpful
//	S2  bob    3 Nov 09:00  search "size" → sizing-guide; opens it        (bob writes 7 Nov 10:00: 73 h later, outside)
//	S3  carol  4 Nov 09:00  search "sizes" → sizing-guide; rates it helpful
//	S4  —      5 Nov 09:00  search "sizing" → sizing-guide                (anonymous, resolved: not followed)
//	S5  dan    6 Nov 09:00  search "late parcel" → delivery-delay; opens it; rates it unhelpful (dan writes 09:10: followed)
//	S6  eve    7 Nov 09:00  search "delayed" → delivery-delay, returns; rates delivery-delay unhelpful
//	                        (eve writes 10 Nov 09:00: exactly 72 h, inside: followed)
//	S7  alice  8 Nov 09:00  search "delay" → delivery-delay; asks for a person (escalated: followed)
//	S8  bob    9 Nov 09:00  search "where is my parcel" → delivery-delay; opens it
//	                        (bob writes 9 Nov 09:00, the same second: not after the start, not followed)
//	S9  carol 10 Nov 09:00  search "return label" → returns; opens it; rates it helpful
//	S10 dan   11 Nov 09:00  searches "do you ship to brazil", "livraison au bresil" (fr): nothing; escalates
//	S11 —     12 Nov 09:00  search "Do you ship to Brazil?": nothing; "shipping countries" → shipping-countries
//	                        (no stored article); opens it; rates it unhelpful
//	S15 —     12 Nov 10:00  imported: read the returns article, resolved
//	S16 —      5 Nov 12:00  order-status look-up, escalated (not a help-centre session)
//	S12 eve   14 Nov 09:00  search "size guide" → sizing-guide; opens it   (eve writes 20 Nov: outside)
//	S13 alice 15 Nov 20:00  searches "gift wrapping", "Livraison au Brésil ?" (fr): nothing; "size" → sizing-guide
//	                        (not measured: 72 h after its start is 18 Nov 20:00, after the measure)
//	S14 bob   16 Nov 09:00  search "gift wrapping": nothing; "size" → sizing-guide (after the period: left out)
//
// Sessions: 15 (S1–S13, S15, S16); escalated 3 (S7, S10, S16), resolved 12.
// Compared (help-centre sessions, measured): S1–S12 and S15 = 13; followed 4
// (S5, S6, S7, S10), not followed 9.
//
// sizing-guide: shown 6 (S1–S4, S12, S13), opened 3 (S1, S2, S12); measured
// 5 (S13 not), all 5 not followed; others 13 − 5 = 8, of which 9 − 5 = 4
// not followed. 5/5 − 4/8 = 0.5; se = √(0 + 0.5·0.5/8) = 0.176777, ±1.96 se
// = ±0.346482: [0.153518, 0.846482], above zero with 5 and 8 sessions
// (MinSample 5): deflects. Helpful 2.
//
// delivery-delay: shown 4 (S5–S8), opened 2 (S5, S8); measured 4, not
// followed 1 (S8); others 9, not followed 8. 1/4 − 8/9 = −0.638889; se =
// √(0.25·0.75/4 + (8/9)(1/9)/9) = 0.240518: [−1.110304, −0.167473], cut
// to [−1, −0.167473] (a difference of shares is no less than −1). Below
// zero, but 4 sessions < 5: not yet known. Unhelpful 2. Fails twice:
// followed in 3 of 4 (75% ≥ 50%, shown in ≥ 3) and unhelpful 2 > helpful 0.
//
// returns: shown 4 (S1, S6, S9, S15), opened 2 (S9, S15 — an imported
// session opened what it names); not followed 3 (S6 is); others 9, not
// followed 6. 3/4 − 6/9 = 0.083333; se = √(0.75·0.25/4 + (6/9)(3/9)/9) =
// 0.267519: [−0.441004, 0.607670]: not yet known. Helpful 1.
//
// shipping-countries: shown 1 (S11), opened 1, not followed 1; others 12, 8
// not followed. 1 − 8/12 = 0.333333; se = √(0 + (8/12)(4/12)/12) = 0.136083:
// [0.066611, 0.600056]; 1 session: not yet known. Fails on its rating
// alone (unhelpful 1 > helpful 0), after delivery-delay (followed 0%).
//
// No result: "do you ship to brazil" 2 (S10, S11), "livraison au bresil" 2
// (S10, S13), "gift wrapping" 1 (S13; S14's is after the period).

var (
	goldenFrom = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	goldenTo   = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	goldenNow  = time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC)
)

const goldenArticles = `---
title: Find your size
locale: en
category: Sizing
slug: sizing-guide
topics: [sizing]
---
Measure your foot.
`

func goldenStore(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	for _, f := range []string{goldenArticles,
		"---\ntitle: My parcel is late\nlocale: en\ncategory: Shipping\nslug: delivery-delay\ntopics: [delivery_delay]\n---\nParcels can be late.\n",
		"---\ntitle: Returns\nlocale: en\ncategory: Returns\nslug: returns\ntopics: [return]\nstatus: draft\n---\nSend it back.\n"} {
		a, err := kb.ParseFile("a.md", []byte(f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kb.Import(ctx, db, []*kb.Article{a}, "test", goldenFrom.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	who := func(name string) commerce.CustomerRef {
		if name == "" {
			return commerce.CustomerRef{}
		}
		return commerce.CustomerRef{Email: name + "@example.com", Name: name}
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	yes, no := true, false
	type ev = kb.Event
	sessions := []struct {
		id, customer string
		start        time.Time
		events       []ev
	}{
		{"S01", "alice", at(2, 9, 0), []ev{{Type: kb.EventSearch, Query: "shoe size", Shown: []string{"sizing-guide", "returns"}}, {Type: kb.EventView, Slug: "sizing-guide"}, {Type: kb.EventFeedback, Slug: "sizing-guide", Helpful: &yes}}},
		{"S02", "bob", at(3, 9, 0), []ev{{Type: kb.EventSearch, Query: "size", Shown: []string{"sizing-guide"}}, {Type: kb.EventView, Slug: "sizing-guide"}}},
		{"S03", "carol", at(4, 9, 0), []ev{{Type: kb.EventSearch, Query: "sizes", Shown: []string{"sizing-guide"}}, {Type: kb.EventFeedback, Slug: "sizing-guide", Helpful: &yes}}},
		{"S04", "", at(5, 9, 0), []ev{{Type: kb.EventSearch, Query: "sizing", Shown: []string{"sizing-guide"}}}},
		{"S05", "dan", at(6, 9, 0), []ev{{Type: kb.EventSearch, Query: "late parcel", Shown: []string{"delivery-delay"}}, {Type: kb.EventView, Slug: "delivery-delay"}, {Type: kb.EventFeedback, Slug: "delivery-delay", Helpful: &no}}},
		{"S06", "eve", at(7, 9, 0), []ev{{Type: kb.EventSearch, Query: "delayed", Shown: []string{"delivery-delay", "returns"}}, {Type: kb.EventFeedback, Slug: "delivery-delay", Helpful: &no}}},
		{"S07", "alice", at(8, 9, 0), []ev{{Type: kb.EventSearch, Query: "delay", Shown: []string{"delivery-delay"}}, {Type: kb.EventEscalate}}},
		{"S08", "bob", at(9, 9, 0), []ev{{Type: kb.EventSearch, Query: "where is my parcel", Shown: []string{"delivery-delay"}}, {Type: kb.EventView, Slug: "delivery-delay"}}},
		{"S09", "carol", at(10, 9, 0), []ev{{Type: kb.EventSearch, Query: "return label", Shown: []string{"returns"}}, {Type: kb.EventView, Slug: "returns"}, {Type: kb.EventFeedback, Slug: "returns", Helpful: &yes}}},
		{"S10", "dan", at(11, 9, 0), []ev{{Type: kb.EventSearch, Query: "do you ship to brazil"}, {Type: kb.EventSearch, Query: "livraison au bresil", Locale: "fr"}, {Type: kb.EventEscalate}}},
		{"S11", "", at(12, 9, 0), []ev{{Type: kb.EventSearch, Query: "Do you ship to Brazil?"}, {Type: kb.EventSearch, Query: "shipping countries", Shown: []string{"shipping-countries"}},
			{Type: kb.EventView, Slug: "shipping-countries"}, {Type: kb.EventFeedback, Slug: "shipping-countries", Helpful: &no}}},
		{"S16", "", at(5, 12, 0), []ev{{Type: kb.EventOrderStatus, OrderExternalID: "#1001", Outcome: "escalated"}}},
		{"S12", "eve", at(14, 9, 0), []ev{{Type: kb.EventSearch, Query: "size guide", Shown: []string{"sizing-guide"}}, {Type: kb.EventView, Slug: "sizing-guide"}}},
		{"S13", "alice", at(15, 20, 0), []ev{{Type: kb.EventSearch, Query: "gift wrapping"}, {Type: kb.EventSearch, Query: "Livraison au Brésil ?", Locale: "fr"}, {Type: kb.EventSearch, Query: "size", Shown: []string{"sizing-guide"}}}},
		{"S14", "bob", at(16, 9, 0), []ev{{Type: kb.EventSearch, Query: "gift wrapping"}, {Type: kb.EventSearch, Query: "size", Shown: []string{"sizing-guide"}}}},
	}
	customers := commerce.NewCustomers(clock.Fixed(goldenNow))
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		for _, s := range sessions {
			for i, e := range s.events {
				e.Session, e.Channel, e.Customer, e.At = "golden-session-"+s.id, kb.ChannelHelpCentre, who(s.customer), s.start.Add(time.Duration(i)*time.Minute)
				if e.Locale == "" {
					e.Locale = "en"
				}
				if _, err := kb.RecordEvent(ctx, tx, customers, e); err != nil {
					return err
				}
			}
		}
		if _, err := kb.UpsertSessions(ctx, tx, customers, []kb.Session{{ExternalID: "S15", StartedAt: at(12, 10, 0), Outcome: "resolved", Kind: "article", Topic: "return", Article: "returns"}}); err != nil {
			return err
		}
		contact := func(id, customer string, when time.Time) desk.ImportedContact {
			return desk.ImportedContact{ExternalID: id, StartedAt: when, Channel: "email", Customer: who(customer), Topic: "other", Text: "hello"}
		}
		_, _, err := desk.UpsertContacts(ctx, tx, customers, []desk.ImportedContact{
			contact("C1", "bob", at(7, 10, 0)), contact("C2", "dan", at(6, 9, 10)), contact("C3", "eve", at(10, 9, 0)),
			contact("C4", "bob", at(9, 9, 0)), contact("C5", "eve", at(20, 9, 0)),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	customers.Commit()
}

func f(v float64) *float64 { return &v }

func TestMeasureGolden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		goldenStore(t, db)
		m, err := kb.Measure(context.Background(), db, kb.MeasureOptions{From: goldenFrom, To: goldenTo, Now: goldenNow, MinSample: 5, FailMinShown: 3})
		if err != nil {
			t.Fatal(err)
		}
		if m.Sessions != 15 || m.Resolved != 12 || m.Escalated != 3 || m.Compared != 13 || m.Followed != 4 {
			t.Errorf("sessions %d resolved %d escalated %d compared %d followed %d; want 15 12 3 13 4", m.Sessions, m.Resolved, m.Escalated, m.Compared, m.Followed)
		}
		want := []kb.ArticleDeflection{
			{Slug: "sizing-guide", Locale: "en", Title: "Find your size", Status: "published", Topics: []string{"sizing"}, Shown: 6, Opened: 3,
				ShownMeasured: 5, ShownNoContact: 5, Others: 8, OthersNoContact: 4, ShownRate: f(1), OthersRate: f(0.5),
				Deflection: f(0.5), Low: f(0.153518), High: f(0.846482), Verdict: kb.VerdictDeflects, Helpful: 2},
			{Slug: "delivery-delay", Locale: "en", Title: "My parcel is late", Status: "published", Topics: []string{"delivery_delay"}, Shown: 4, Opened: 2,
				ShownMeasured: 4, ShownNoContact: 1, Others: 9, OthersNoContact: 8, ShownRate: f(0.25), OthersRate: f(0.888889),
				Deflection: f(-0.638889), Low: f(-1), High: f(-0.167473), Verdict: kb.VerdictUnknown, Unhelpful: 2},
			{Slug: "returns", Locale: "en", Title: "Returns", Status: "draft", Topics: []string{"return"}, Shown: 4, Opened: 2,
				ShownMeasured: 4, ShownNoContact: 3, Others: 9, OthersNoContact: 6, ShownRate: f(0.75), OthersRate: f(0.666667),
				Deflection: f(0.083333), Low: f(-0.441004), High: f(0.60767), Verdict: kb.VerdictUnknown, Helpful: 1},
			{Slug: "shipping-countries", Locale: "en", Topics: []string{}, Shown: 1, Opened: 1,
				ShownMeasured: 1, ShownNoContact: 1, Others: 12, OthersNoContact: 8, ShownRate: f(1), OthersRate: f(0.666667),
				Deflection: f(0.333333), Low: f(0.066611), High: f(0.600056), Verdict: kb.VerdictUnknown, Unhelpful: 1},
		}
		if !reflect.DeepEqual(m.Articles, want) {
			t.Errorf("articles:\n got %s\nwant %s", dumpJSON(m.Articles), dumpJSON(want))
		}
		wantFailing := []kb.FailingArticle{
			{Slug: "delivery-delay", Locale: "en", Title: "My parcel is late", ShownMeasured: 4, FollowedRate: f(0.75), Unhelpful: 2,
				Reasons: []string{"followed by a contact in 3 of 4 sessions shown it", "rated unhelpful 2 times, helpful 0"}},
			{Slug: "shipping-countries", Locale: "en", ShownMeasured: 1, FollowedRate: f(0), Unhelpful: 1, Reasons: []string{"rated unhelpful 1 times, helpful 0"}},
		}
		if !reflect.DeepEqual(m.Failing, wantFailing) {
			t.Errorf("failing:\n got %s\nwant %s", dumpJSON(m.Failing), dumpJSON(wantFailing))
		}
		wantNone := []kb.NoResultSearch{
			{Query: "do you ship to brazil", Example: "Do you ship to Brazil?", Locale: "en", Count: 2},
			{Query: "livraison au bresil", Example: "Livraison au Brésil ?", Locale: "fr", Count: 2},
			{Query: "gift wrapping", Example: "gift wrapping", Locale: "en", Count: 1},
		}
		if !reflect.DeepEqual(m.NoResult, wantNone) {
			t.Errorf("no result:\n got %s\nwant %s", dumpJSON(m.NoResult), dumpJSON(wantNone))
		}

		// A day later S13 is measured too: sizing-guide shown in 6
		// measured sessions, all not followed; the compared sessions 14.
		m, err = kb.Measure(context.Background(), db, kb.MeasureOptions{From: goldenFrom, To: goldenTo, Now: goldenNow.Add(36 * time.Hour), MinSample: 5})
		if err != nil {
			t.Fatal(err)
		}
		if a := m.Articles[0]; m.Compared != 14 || a.Slug != "sizing-guide" || a.ShownMeasured != 6 || a.ShownNoContact != 6 || a.Others != 8 {
			t.Errorf("a day later: compared %d, %+v", m.Compared, a)
		}
	})
}

func dumpJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

// A topic is answered by a published article that measurably deflects
// (sizing-guide, MinSample permitting), or by an imported session that
// resolved with an article (S15: return); delivery-delay is published but
// does not deflect, returns deflects nothing and is a draft.
func TestAnsweredTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		goldenStore(t, db)
		got, err := kb.AnsweredTopics(ctx, db, goldenFrom, goldenTo, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		// With the default MinSample of 30 nothing is known yet: only the
		// imported session answers.
		if want := map[string]bool{"return": true}; !reflect.DeepEqual(got, want) {
			t.Errorf("answered %v, want %v", got, want)
		}
		// 30 more sizing sessions, none followed, with 30 more followed
		// sessions shown nothing: sizing-guide deflects and answers sizing.
		customers := commerce.NewCustomers(clock.Fixed(goldenNow))
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			for i := range 30 {
				start := goldenFrom.Add(time.Duration(i) * time.Hour)
				if _, err := kb.RecordEvent(ctx, tx, customers, kb.Event{Session: fmt.Sprintf("more-sizing-%06d", i), Channel: kb.ChannelHelpCentre, Type: kb.EventSearch,
					Query: "size", Shown: []string{"sizing-guide"}, Locale: "en", At: start}); err != nil {
					return err
				}
				if _, err := kb.RecordEvent(ctx, tx, customers, kb.Event{Session: fmt.Sprintf("more-person-%06d", i), Channel: kb.ChannelChat, Type: kb.EventEscalate,
					At: start}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = kb.AnsweredTopics(ctx, db, goldenFrom, goldenTo, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]bool{"return": true, "sizing": true}; !reflect.DeepEqual(got, want) {
			t.Errorf("answered %v, want %v", got, want)
		}
		// Unpublished, it answers nothing.
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := kb.SetStatus(ctx, tx, "sizing-guide", "en", kb.Draft, "test", goldenNow)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ = kb.AnsweredTopics(ctx, db, goldenFrom, goldenTo, goldenNow); got["sizing"] {
			t.Error("a draft article answers its topic")
		}
	})
}
