package decide_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/topics"
)

// A candidate promoted in the week is in the week's review with the
// contacts it relabelled and its top terms; changes made the week before
// or after are not; a name with markup is escaped in the HTML; a week
// without changes has an empty list, not null.
func TestReviewListsTheWeeksTopicChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		week, err := decide.ParseWeek("2026-W10", time.UTC) // Monday 2 March to Sunday 8 March
		if err != nil {
			t.Fatal(err)
		}
		// Twelve customers write about one customs hold in February; six
		// ask one-off questions.
		var rows []string
		for i := range 12 {
			rows = append(rows, fmt.Sprintf("C%d,2026-02-%02d 10:00:00,email,parcel %d stuck at customs: the duty is unpaid and it is held", i, 10+i, i))
		}
		for i, q := range []string{"Do you sponsor local football clubs?", "Is the Bordeaux store wheelchair accessible?", "Who designs your prints?",
			"Can I bring my dog into your store?", "Are you hiring for the summer?", "Is your packaging recyclable?"} {
			rows = append(rows, fmt.Sprintf("Q%d,2026-02-%02d 11:00:00,email,%s", i, 10+i, q))
		}
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,text", rows)
		// Whatever the starter model made of them, none was placed surely.
		if _, err := db.Exec(ctx, `UPDATE contacts SET topic = 'other', topic_source = 'model', topic_confidence = 0.2`); err != nil {
			t.Fatal(err)
		}
		feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		cands, err := topics.Discover(ctx, db, topics.DiscoverOptions{From: feb, To: feb.AddDate(0, 1, 0), Now: feb.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) != 1 || cands[0].Size != 12 {
			t.Fatalf("candidates %+v: want the twelve customs messages", cands)
		}
		cand := cands[0]
		at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }
		edit := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.WriteTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		var relabelled, merged int
		edit(func(tx *store.Tx) error { return topics.RenameTopic(ctx, tx, "sizing", "Fit", at(1, 23)) }) // Sunday before
		edit(func(tx *store.Tx) error {
			relabelled, err = topics.Promote(ctx, tx, cand.ID, "customs_hold", "Parcel stuck at customs", at(4, 10))
			return err
		})
		edit(func(tx *store.Tx) error {
			return topics.RenameTopic(ctx, tx, "customs_hold", `<script>alert("held")</script>`, at(5, 9))
		})
		edit(func(tx *store.Tx) error {
			merged, err = topics.MergeTopic(ctx, tx, "customs_hold", "delivery_delay", at(8, 22))
			return err
		})
		edit(func(tx *store.Tx) error { return topics.RetireTopic(ctx, tx, "subscription", at(9, 0)) }) // Monday after
		if relabelled != 12 || merged != 12 {
			t.Fatalf("promotion relabelled %d, merge moved %d: want 12 each", relabelled, merged)
		}

		r, err := newDecider(db, at(10, 12)).Review(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Changed.TopicChanges
		for _, c := range got {
			t.Logf("%s", c.Sentence())
		}
		if len(got) != 3 {
			t.Fatalf("topic changes %+v: want the promotion, the rename and the merge of the week", got)
		}
		p := got[0]
		if p.Kind != "promoted" || p.Topic != "customs_hold" || p.Name != "Parcel stuck at customs" || p.Contacts != 12 || !p.NewTopic ||
			p.Candidate != cand.ID || strings.Join(p.Terms, ",") != strings.Join(cand.Terms, ",") || p.At != "2026-03-04" {
			t.Errorf("promotion %+v: want candidate %d %v into the new topic customs_hold, 12 contacts, on 2026-03-04", p, cand.ID, cand.Terms)
		}
		want := fmt.Sprintf("Candidate #%d (terms: %s) promoted to the new topic customs_hold “Parcel stuck at customs” on 2026-03-04: 12 contacts relabelled",
			cand.ID, strings.Join(cand.Terms[:min(5, len(cand.Terms))], ", "))
		if p.Sentence() != want {
			t.Errorf("promotion reads\n %s\nwant\n %s", p.Sentence(), want)
		}
		if !strings.Contains(strings.Join(cand.Terms, " "), "customs") {
			t.Errorf("candidate terms %v: want customs among them", cand.Terms)
		}
		if got[1].Kind != "renamed" || got[1].OldName != "Parcel stuck at customs" || got[1].At != "2026-03-05" {
			t.Errorf("rename %+v", got[1])
		}
		if m := got[2]; m.Kind != "merged" || m.Topic != "customs_hold" || m.Into != "delivery_delay" || m.IntoName != "Delivery delay" || m.Contacts != 12 || m.At != "2026-03-08" {
			t.Errorf("merge %+v", m)
		}

		// Markdown, HTML page and body, JSON.
		md := r.Markdown()
		if !strings.Contains(md, "- "+want+".\n") {
			t.Errorf("the Markdown lacks the promotion:\n%s", md)
		}
		page, err := r.HTML()
		if err != nil {
			t.Fatal(err)
		}
		body, err := r.HTMLBody()
		if err != nil {
			t.Fatal(err)
		}
		for name, html := range map[string]string{"page": page, "body": string(body)} {
			if strings.Contains(html, "<script>alert") {
				t.Errorf("the HTML %s carries a topic name's markup unescaped", name)
			}
			if !strings.Contains(html, "&lt;script&gt;alert(&#34;held&#34;)&lt;/script&gt;") {
				t.Errorf("the HTML %s lacks the escaped name", name)
			}
			if !strings.Contains(html, `<li class="topic-change">Candidate #`) || !strings.Contains(html, "12 contacts relabelled") {
				t.Errorf("the HTML %s lacks the promotion", name)
			}
		}
		var buf bytes.Buffer
		if err := r.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		var out struct {
			Changed struct {
				TopicChanges []map[string]any `json:"topic_changes"`
			} `json:"changed"`
		}
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil || len(out.Changed.TopicChanges) != 3 || out.Changed.TopicChanges[0]["contacts"] != 12.0 {
			t.Errorf("JSON topic_changes %v (%v)", out.Changed.TopicChanges, err)
		}

		// The weeks around it hold only their own change.
		before, err := newDecider(db, at(10, 12)).Review(ctx, week.Add(-1))
		if err != nil {
			t.Fatal(err)
		}
		if c := before.Changed.TopicChanges; len(c) != 1 || c[0].Kind != "renamed" || c[0].Topic != "sizing" {
			t.Errorf("the week before: %+v", c)
		}
		empty, err := newDecider(db, at(10, 12)).Review(ctx, week.Add(-3))
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		empty.WriteJSON(&buf)
		if !strings.Contains(buf.String(), `"topic_changes": []`) {
			t.Errorf("a week without changes: want \"topic_changes\": [] in\n%s", buf.String())
		}
	})
}
