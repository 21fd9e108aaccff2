package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// learningStore holds three conversations: two the model labelled, one
// whose customer's text is hostile markup, and one an agent already
// labelled, which the list must never offer again.
type learningStore struct {
	d                *deskSite
	eve, ann, bob    int64 // conversations
	eveC, annC, bobC int64 // their contacts
}

const learningHostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`

func newLearningStore(t *testing.T, db *store.DB) *learningStore {
	t.Helper()
	d := startDesk(t, db)
	l := &learningStore{d: d}
	l.eve = d.message(obj{"customer_email": "eve@example.com", "subject": "hmm " + learningHostile, "body": "Look " + learningHostile + " something about the thing"})
	l.ann = d.message(obj{"customer_email": "ann@example.com", "subject": "question", "body": "Is this the right place to ask?"})
	l.bob = d.message(obj{"customer_email": "bob@example.com", "subject": "question", "body": "Can you help me with something"})
	for _, c := range []struct {
		conv int64
		id   *int64
	}{{l.eve, &l.eveC}, {l.ann, &l.annC}, {l.bob, &l.bobC}} {
		var source string
		if err := db.QueryRow(context.Background(), `SELECT id, topic_source FROM contacts WHERE conversation_id = ?`, c.conv).Scan(c.id, &source); err != nil || source != "model" {
			t.Fatalf("conversation %d's contact: %v, source %q", c.conv, err, source)
		}
	}
	d.deskAPI("POST", fmt.Sprintf("/api/v1/conversations/%d/topic", l.bob), obj{"topic": "account"}, http.StatusOK)
	return l
}

func contactTopic(t *testing.T, db *store.DB, id int64) (topic, source string) {
	t.Helper()
	if err := db.QueryRow(context.Background(), `SELECT topic, topic_source FROM contacts WHERE id = ?`, id).Scan(&topic, &source); err != nil {
		t.Fatal(err)
	}
	return topic, source
}

// Agents label the contacts the model is least sure about in one click,
// through the conversation page's topic action; analysts see the figures
// but never what customers wrote.
func TestTopicsLearningPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLearningStore(t, db)
		ctx := context.Background()
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO topic_trainings (at, labels, agent_labels, trained_on, shipped, reason, sets) VALUES (?, 130, 40, 8747, FALSE, ?, ?)`,
				now.Add(-48*time.Hour).Unix(), "worse on recent agent labels (8)", `[{"name":"recent agent labels","n":8,"old_macro_f1":0.9,"new_macro_f1":0.5}]`)
			if err != nil {
				return err
			}
			// Set names and reasons may name the store's own topics: text
			// to escape, like everything else.
			_, err = tx.Exec(ctx, `INSERT INTO topic_trainings (at, labels, agent_labels, trained_on, shipped, reason, sets, skipped) VALUES (?, 130, 40, 8747, FALSE, ?, ?, ?)`,
				now.Add(-24*time.Hour).Unix(), "worse on real messages (170)",
				`[{"name":"recent agent labels","n":9,"families":5,"old_macro_f1":0.2,"new_macro_f1":1},{"name":"real messages","n":170,"old_macro_f1":0.3073,"new_macro_f1":0.214}]`,
				`[{"name":"<i>own</i> set","n":12,"why":"the store's taxonomy is not the default one: <script>x</script> added"}]`)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		analyst := l.d.visitor().login("analyst@example.com")
		body := analyst.page("/topics/learning", http.StatusOK)
		mustContain(t, body, `id="trainings"`, "worse on recent agent labels (8)", "<b>0.500</b> (0.900)", `id="learning-chart"`,
			"recent agent labels (9 in 5 families): 1.000 (0.200)", "real messages (170): <b>0.214</b> (0.307)",
			`<span class="skipped">&lt;i&gt;own&lt;/i&gt; set (12): not judged, the store&#39;s taxonomy is not the default one: &lt;script&gt;x&lt;/script&gt; added</span>`)
		if strings.Contains(body, "<script>x") || strings.Contains(body, "<i>own") {
			t.Error("a set's name or reason reached the page unescaped")
		}
		for _, secret := range []string{"Look", "right place to ask", "uncertain-list"} {
			if strings.Contains(body, secret) {
				t.Errorf("an analyst sees %q", secret)
			}
		}
		if r := analyst.post("/topics/learning/label", url.Values{"csrf": {analyst.csrf(analyst.get("/topics/learning"))}, "conversation": {fmt.Sprint(l.ann)}, "contact": {fmt.Sprint(l.annC)}, "topic": {"refund"}}); r.status != http.StatusForbidden {
			t.Errorf("an analyst labelled a contact: %d", r.status)
		}

		agent := l.d.visitor().login("agent@example.com")
		page := agent.get("/topics/learning")
		body = string(page.body)
		mustContain(t, body, fmt.Sprintf(`id="uncertain-%d"`, l.eveC), fmt.Sprintf(`id="uncertain-%d"`, l.annC), "&lt;img src=x", "right place to ask", `class="guess"`)
		if strings.Contains(body, learningHostile) || strings.Contains(body, fmt.Sprintf(`id="uncertain-%d"`, l.bobC)) {
			t.Errorf("the list shows raw markup or an agent's label:\n%s", body)
		}
		csrf := agent.csrf(page)
		// A contact that is no longer its conversation's latest is refused,
		// and nothing changes.
		if r := agent.post("/topics/learning/label", url.Values{"csrf": {csrf}, "conversation": {fmt.Sprint(l.ann)}, "contact": {fmt.Sprint(l.eveC)}, "topic": {"refund"}}); r.status != http.StatusConflict {
			t.Errorf("a contact of another conversation: %d", r.status)
		}
		if r := agent.post("/topics/learning/label", url.Values{"csrf": {csrf}, "conversation": {fmt.Sprint(l.ann)}, "contact": {fmt.Sprint(l.annC)}, "topic": {"nonsense"}}); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "not a topic") {
			t.Errorf("an unknown topic: %d", r.status)
		}
		if topic, source := contactTopic(t, db, l.annC); source != "model" {
			t.Errorf("refused labels changed the contact: %s %s", topic, source)
		}
		r := agent.post("/topics/learning/label", url.Values{"csrf": {csrf}, "conversation": {fmt.Sprint(l.ann)}, "contact": {fmt.Sprint(l.annC)}, "topic": {"product_question"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/topics/learning#uncertain" {
			t.Fatalf("label: %d %s", r.status, r.body)
		}
		if topic, source := contactTopic(t, db, l.annC); topic != "product_question" || source != "agent" {
			t.Errorf("labelled contact: %s %s", topic, source)
		}
		var events int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM desk_events WHERE conversation_id = ? AND kind = 'topic' AND detail LIKE '%→ product_question'`, l.ann).Scan(&events); err != nil || events != 1 {
			t.Errorf("the label was recorded on the conversation %d times (%v)", events, err)
		}
		body = agent.page("/topics/learning", http.StatusOK)
		if strings.Contains(body, fmt.Sprintf(`id="uncertain-%d"`, l.annC)) || !strings.Contains(body, fmt.Sprintf(`id="uncertain-%d"`, l.eveC)) {
			t.Errorf("after labelling, the list:\n%s", body)
		}
	})
}

// TestBrowserTopicsLearning labels an uncertain contact in one click in
// Chromium and sees it leave the list; the customer's markup is shown as
// text and runs nothing.
func TestBrowserTopicsLearning(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	l := newLearningStore(t, db)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	if err := logIn(t, ctx, l.d.url+"/topics/learning", "agent@example.com", `#uncertain-list`); err != nil {
		fail("log in", err)
	}
	row := fmt.Sprintf(`#uncertain-%d`, l.eveC)
	text, err := chromedp.Run(step(t, ctx), chromedp.Text(row+` .message`))
	if err != nil {
		fail("read the row", err)
	}
	if !strings.Contains(text, "Look "+learningHostile) {
		t.Errorf("the row shows %q, want the customer's text as written", text)
	}
	safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`window.__pwned === undefined && !document.querySelector('#uncertain-list img, #uncertain-list script')`))
	if err != nil || !safe {
		t.Errorf("the customer's markup ran or was drawn (%v)", err)
	}
	guess, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('`+row+` button.guess').dataset.topic`))
	if err != nil || guess == "" {
		fail("read the first guess", err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Click(row+` button.guess`), chromedp.WaitNotPresent(row), chromedp.WaitVisible(fmt.Sprintf(`#uncertain-%d`, l.annC))); err != nil {
		fail("label in one click", err)
	}
	if topic, source := contactTopic(t, db, l.eveC); topic != guess || source != "agent" {
		t.Errorf("after one click the contact is %s (%s), want %s by an agent", topic, source, guess)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported: %q", p)
	}
}
