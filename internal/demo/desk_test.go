package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/desk"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// deskNow is a Wednesday: the store ends the Sunday before, and the desk
// has lived two and a half days since.
var deskNow = clocktest.Default

// TestDeskIsAtWork makes the demo store and checks that an agent finds an
// inbox at work: conversations open and unanswered (some past the
// first-response target), waiting on the customer, snoozed, assigned to
// the demo's agent or to nobody, notes that mention them, every channel,
// and that every thread is consistent with its contact.
func TestDeskIsAtWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sum := generate(t, db, Options{Seed: 1, Orders: 30000, Now: deskNow})
		now := deskNow.Unix()
		awake := ` AND (snoozed_until IS NULL OR snoozed_until <= ?)`

		// The present, as the inbox's views count it.
		for _, c := range []struct {
			what, query string
			min         float64
		}{
			{"open and unanswered", `SELECT COUNT(*) FROM conversations WHERE state = 'open' AND awaiting_since IS NOT NULL` + awake, 12},
			{"open, unanswered for less than the 24-hour target", `SELECT COUNT(*) FROM conversations WHERE state = 'open' AND awaiting_since >= ? - 86400` + awake, 5},
			{"open past the 24-hour target", `SELECT COUNT(*) FROM conversations WHERE state = 'open' AND awaiting_since < ? - 86400` + awake, 2},
			{"open and nobody's", `SELECT COUNT(*) FROM conversations WHERE state = 'open' AND assignee_id IS NULL` + awake, 3},
			{"waiting on the customer", `SELECT COUNT(*) FROM conversations WHERE state = 'waiting'` + awake, 5},
			{"snoozed until later", `SELECT COUNT(*) FROM conversations WHERE state <> 'closed' AND snoozed_until > ?`, 3},
			{"closed with a satisfaction answer", `SELECT COUNT(*) FROM csat s JOIN conversations v ON v.id = s.conversation_id WHERE v.state = 'closed' AND s.score IS NOT NULL AND s.answered_at < ?`, 20},
		} {
			args := []any{}
			for range strings.Count(c.query, "?") {
				args = append(args, now)
			}
			if n := q(t, db, c.query, args...); n < c.min {
				t.Errorf("%v conversations %s, want at least %v", n, c.what, c.min)
			}
		}
		counts, err := CountDesk(ctx, db, deskNow)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Desk != counts || counts.Open < 12 {
			t.Errorf("summary %+v, the desk holds %+v", sum.Desk, counts)
		}

		// The demo's agent: an agent of tier 1, with work of every kind,
		// mentioned in unread notes, and no password until quietdesk demo
		// gives one.
		var sam int64
		var role, name string
		if err := db.QueryRow(ctx, `SELECT u.id, u.role, u.name FROM users u JOIN teams t ON t.id = u.team_id WHERE u.email = ? AND t.name = ?`, AgentEmail, AgentTeam).
			Scan(&sam, &role, &name); err != nil || role != auth.RoleAgent || name != AgentName {
			t.Fatalf("the demo's agent: %v %q %q", err, role, name)
		}
		if _, err := auth.Authenticate(ctx, db, AgentEmail, "a-password-nobody-set"); err == nil {
			t.Error("the demo's agent logs in before any password was given")
		}
		for _, view := range []string{desk.ViewUnassigned, desk.ViewMine, desk.ViewMentions, desk.ViewWaiting, desk.ViewSnoozed, desk.ViewClosed} {
			page, err := desk.Inbox(ctx, db, view, desk.InboxFilter{UserID: sam, Now: deskNow}, desk.InboxCursor{})
			if err != nil {
				t.Fatalf("inbox %s: %v", view, err)
			}
			if len(page.Rows) == 0 {
				t.Errorf("the demo's agent finds the %s view empty", view)
			}
		}
		if n := q(t, db, `SELECT COUNT(*) FROM mentions m JOIN desk_events e ON e.id = m.event_id
			WHERE m.user_id = ? AND m.read_at IS NULL AND e.kind = 'note' AND e.detail LIKE '%@sam%'`, sam); n < 2 {
			t.Errorf("%v unread notes mention the demo's agent, want at least 2", n)
		}

		// Every channel, with what it adds.
		for _, ch := range []string{"email", "chat", "sms", "voice", "social"} {
			if n := q(t, db, `SELECT COUNT(*) FROM conversations WHERE channel = ?`, ch); n == 0 {
				t.Errorf("no %s conversation", ch)
			}
			if n := q(t, db, `SELECT COUNT(*) FROM messages WHERE channel = ? AND direction = 'out'`, ch); n == 0 {
				t.Errorf("no agent message on %s", ch)
			}
		}
		for _, via := range []string{"whatsapp", "instagram", "messenger"} {
			if n := q(t, db, `SELECT COUNT(*) FROM messages WHERE via = ?`, via); n == 0 {
				t.Errorf("no message came through %s", via)
			}
		}
		for _, c := range []struct{ what, query string }{
			{"mails without a sender or Message-ID", `SELECT COUNT(*) FROM messages WHERE channel = 'email' AND (from_addr = '' OR email_id IS NULL) AND contact_id IS NOT NULL AND external_id IS NULL`},
			{"agents' mails without a delivery status", `SELECT COUNT(*) FROM messages WHERE channel = 'email' AND direction = 'out' AND external_id IS NULL AND status NOT IN ('sent', 'failed')`},
			{"chat messages without a session", `SELECT COUNT(*) FROM messages WHERE channel = 'chat' AND session_id = ''`},
			{"messaging without the service it came through", `SELECT COUNT(*) FROM messages WHERE channel IN ('sms', 'social', 'voice') AND via NOT IN ('sms', 'voice', 'whatsapp', 'instagram', 'messenger')`},
			{"a service outside its channel", `SELECT COUNT(*) FROM messages WHERE (channel = 'social' AND via IN ('sms', 'voice')) OR (channel = 'email' AND via <> '')`},
			{"calls not opening with the call", `SELECT COUNT(*) FROM messages m WHERE m.channel = 'voice' AND m.direction = 'in' AND m.external_id IS NULL AND m.body NOT LIKE 'Call, %'`},
		} {
			if n := q(t, db, c.query); n != 0 {
				t.Errorf("%v %s", n, c.what)
			}
		}
		if n := q(t, db, `SELECT COUNT(*) FROM messages WHERE channel = 'email' AND direction = 'in' AND quoted <> ''`); n < 10 {
			t.Errorf("%v customer mails carry quoted history, want some", n)
		}
		if n := q(t, db, `SELECT COUNT(*) FROM messages WHERE direction = 'out' AND user_id IS NOT NULL`); n == 0 {
			t.Error("no agent message names its user")
		}

		// Customers' HTML, kept as they wrote it, for the pages to escape.
		if n := q(t, db, `SELECT COUNT(*) FROM customers WHERE name LIKE '%<b>%'`); n != 1 {
			t.Errorf("%v customers with HTML in their name, want 1", n)
		}
		var body, html string
		if err := db.QueryRow(ctx, `SELECT body, html FROM messages WHERE body LIKE '%<script>%'`).Scan(&body, &html); err != nil {
			t.Fatalf("the mail with pasted HTML: %v", err)
		}
		if strings.Contains(html, "<script") || strings.Contains(html, "onerror") {
			t.Errorf("stored HTML not sanitised: %q", html)
		}

		checkThreads(t, db, now)

		// What the composer and outbound mail need.
		addrs, err := desk.LoadSupportAddresses(ctx, db)
		if err != nil || !slices.Equal(addrs, desk.SupportAddresses{SupportAddress}) {
			t.Errorf("support addresses %v, %v", addrs, err)
		}
		replies, err := desk.SavedReplies(ctx, db)
		if err != nil || len(replies) < 6 {
			t.Fatalf("%d saved replies, %v", len(replies), err)
		}
		for _, r := range replies {
			if err := desk.CheckReplyVariables(r.Body); err != nil || !strings.Contains(r.Body, "{{") {
				t.Errorf("saved reply %q: %v (and it should use a variable)", r.Name, err)
			}
		}
	})
}

// checkThreads holds every thread to its contact: the customer's
// conversation, inside the contact's windows, the contact's first
// response, replies and end those of its messages.
func checkThreads(t *testing.T, db *store.DB, now int64) {
	t.Helper()
	for _, c := range []struct{ what, query string }{
		{"messages of another customer than their conversation's",
			`SELECT COUNT(*) FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.customer_id <> v.customer_id`},
		{"messages of a contact of another conversation or customer",
			`SELECT COUNT(*) FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.conversation_id <> m.conversation_id OR c.customer_id <> m.customer_id`},
		{"messages before their contact started",
			`SELECT COUNT(*) FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.at < c.started_at`},
		{"contacts whose first response is not their first agent message",
			`SELECT COUNT(*) FROM contacts c WHERE c.conversation_id IS NOT NULL AND COALESCE(c.first_response_at, -1) <>
				COALESCE((SELECT MIN(m.at) FROM messages m WHERE m.contact_id = c.id AND m.author = 'agent'), -1)`},
		{"contacts whose replies are not their agent messages",
			`SELECT COUNT(*) FROM contacts c WHERE c.conversation_id IS NOT NULL AND c.replies <> (SELECT COUNT(*) FROM messages m WHERE m.contact_id = c.id AND m.author = 'agent')`},
		{"contacts whose last message is not their last message",
			`SELECT COUNT(*) FROM contacts c WHERE c.conversation_id IS NOT NULL AND c.last_message_at <> (SELECT MAX(m.at) FROM messages m WHERE m.contact_id = c.id)`},
		{"contacts ended other than when their conversation closed",
			`SELECT COUNT(*) FROM contacts c JOIN conversations v ON v.id = c.conversation_id WHERE v.state = 'closed' AND (c.ended_at IS NULL OR c.ended_at <> v.closed_at)`},
		{"contacts of an open conversation that ended",
			`SELECT COUNT(*) FROM contacts c JOIN conversations v ON v.id = c.conversation_id WHERE v.state <> 'closed' AND c.ended_at IS NOT NULL`},
		{"conversations of more than one contact",
			`SELECT COUNT(*) FROM (SELECT conversation_id FROM contacts WHERE conversation_id IS NOT NULL GROUP BY conversation_id HAVING COUNT(*) > 1) x`},
		{"conversations whose state is not their last message's",
			`SELECT COUNT(*) FROM conversations v WHERE v.state <> 'closed' AND v.state <> CASE
				WHEN (SELECT m.direction FROM messages m WHERE m.conversation_id = v.id ORDER BY m.at DESC, m.id DESC LIMIT 1) = 'in' THEN 'open' ELSE 'waiting' END`},
		{"open conversations not awaiting since their oldest unanswered message",
			`SELECT COUNT(*) FROM conversations v WHERE v.state = 'open' AND v.awaiting_since <> (SELECT MIN(m.at) FROM messages m WHERE m.conversation_id = v.id AND m.direction = 'in'
				AND m.at > COALESCE((SELECT MAX(o.at) FROM messages o WHERE o.conversation_id = v.id AND o.direction = 'out'), -1))`},
	} {
		if n := q(t, db, c.query); n != 0 {
			t.Errorf("%v %s", n, c.what)
		}
	}
	if n := q(t, db, `SELECT COUNT(*) FROM messages WHERE at > ?`, now); n != 0 {
		t.Errorf("%v messages after now", n)
	}
	// The contact rules keep each message in its contact: none comes
	// longer after the one before than the contact's window.
	rows, err := db.Query(context.Background(), `SELECT contact_id, channel, at FROM messages WHERE contact_id IS NOT NULL ORDER BY contact_id, at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var prevContact, prevAt int64
	for rows.Next() {
		var contact, at int64
		var channel string
		if err := rows.Scan(&contact, &channel, &at); err != nil {
			t.Fatal(err)
		}
		window := desk.ActiveWindow
		if channel == "chat" {
			window = desk.ChatIdle
		}
		if contact == prevContact && time.Duration(at-prevAt)*time.Second > window {
			t.Errorf("contact %d: a %s message %s after the one before, past the contact's window", contact, channel, time.Duration(at-prevAt)*time.Second)
		}
		prevContact, prevAt = contact, at
	}
}

// TestDeskKeepsTheStoresFigures: the desk adds no contact and moves no
// figure of the store's weeks — only conversations and their team
// figures come with it.
func TestDeskKeepsTheStoresFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, with *store.DB) {
		without := storetest.Open(t, with.Dialect)
		sum := generate(t, with, Options{Seed: 3, Orders: 2500})
		base := generate(t, without, Options{Seed: 3, Orders: 2500, noDesk: true})
		if sum.Contacts != base.Contacts || sum.Orders != base.Orders || base.Desk.Conversations != 0 || sum.Desk.Conversations <= base.Conversations {
			t.Fatalf("with the desk %+v, without %+v", sum, base)
		}
		contacts := `SELECT id, customer_id, order_id, attribution, channel, source, started_at, topic, handle_seconds, agent, team, subject, body, is_repeat FROM contacts`
		if a, b := dumpQuery(t, with, contacts), dumpQuery(t, without, contacts); !slices.Equal(a, b) {
			t.Errorf("the desk changed the contacts: %d rows against %d", len(a), len(b))
		}
		end := time.Date(sum.To.Year(), sum.To.Month(), sum.To.Day()+1, 0, 0, 0, 0, mustZone(t)).Unix()
		if n := q(t, with, `SELECT COUNT(*) FROM contacts WHERE started_at >= ? AND conversation_id IS NULL`, end-DeskWeeks*7*86400); n > 0 {
			t.Errorf("%v contacts of the desk's weeks have no conversation", n)
		}
		now := func() time.Time { return testNow }
		for _, db := range []*store.DB{with, without} {
			if err := (&metrics.Engine{DB: db, Now: now}).Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		from, to := sum.From.Format(time.DateOnly), sum.To.Format(time.DateOnly)
		for _, def := range metrics.Defs {
			if def.Side == metrics.SideService || def.Side == metrics.SideSatisfaction || def.Side == metrics.SideBacklog {
				continue // the desk's own figures
			}
			for _, by := range []string{"", "channel", "agent", "carrier"} {
				if by != "" && !metrics.Applies(def.Name, by) {
					continue
				}
				query := metrics.Query{Metric: def.Name, From: from, To: to, Grain: "week", By: by}
				a, err1 := (&metrics.Engine{DB: with, Now: now}).Run(context.Background(), query)
				b, err2 := (&metrics.Engine{DB: without, Now: now}).Run(context.Background(), query)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s by %q: %v %v", def.Name, by, err1, err2)
				}
				rows := map[string]metrics.Row{}
				for _, r := range a.Rows {
					rows[r.Period+"/"+deref(r.Group)] = r
				}
				for _, r := range b.Rows {
					got, ok := rows[r.Period+"/"+deref(r.Group)]
					// Each conversation holds one contact, so first-contact
					// resolution is what it was wherever it had a value; the
					// desk's closed conversations give it one in more weeks.
					if def.Name == "first_contact_resolution" && r.Value == nil {
						continue
					}
					if !ok || deref(got.Value) != deref(r.Value) || got.Numerator != r.Numerator && def.Name != "first_contact_resolution" {
						t.Errorf("%s by %q, %s %s: %v with the desk, %v without", def.Name, by, r.Period, deref(r.Group), show(got), show(r))
					}
				}
			}
		}
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func show(r metrics.Row) any {
	if r.Value == nil {
		return "none"
	}
	return *r.Value
}

// dumpQuery returns the rows of a query as text, in id order.
func dumpQuery(t *testing.T, db *store.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query+` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				v = string(x)
			case bool: // SQLite has no booleans
				v = map[bool]int64{false: 0, true: 1}[x]
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	return out
}

// TestDeskSameSeedSameRows: the same seed makes the same desk, row for
// row; another seed another.
func TestDeskSameSeedSameRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, a *store.DB) {
		b, c := storetest.Open(t, a.Dialect), storetest.Open(t, a.Dialect)
		generate(t, a, Options{Seed: 9, Orders: 2000, Now: deskNow})
		generate(t, b, Options{Seed: 9, Orders: 2000, Now: deskNow})
		generate(t, c, Options{Seed: 10, Orders: 2000, Now: deskNow})
		for _, table := range []string{"conversations", "messages", "contacts", "desk_events", "mentions", "csat", "users", "saved_replies", "customers"} {
			x, y := dump(t, a, table), dump(t, b, table)
			if !slices.Equal(x, y) {
				t.Errorf("%s: the same seed made different rows (%d and %d)", table, len(x), len(y))
			}
		}
		if slices.Equal(dump(t, a, "messages"), dump(t, c, "messages")) {
			t.Error("seeds 9 and 10 made the same messages")
		}
	})
}

// TestDeskTexts: every list of texts has, in every language, a variant
// that needs no value a conversation may lack, and uses only known slots;
// dates and quote headers are written as people's mail programs write
// them.
func TestDeskTexts(t *testing.T) {
	lists := map[string]phrase{"chases": deskChases, "parcel chases": deskChasesParcel, "refund chases": deskChasesRefund, "holding": deskHolding,
		"thanks": deskThanks, "closings": deskClosings, "csatGood": csatGood, "csatBad": csatBad}
	var followUps phrase
	for l := range langCount {
		for _, qa := range deskFollowUps[l] {
			followUps[l] = append(followUps[l], qa[0], qa[1])
		}
	}
	lists["followUps"] = followUps
	for tp := range topicCount {
		lists["answers "+Topics[tp]] = deskAnswers[tp]
		lists["asks "+Topics[tp]] = orOther(deskAsks, tp)
		lists["answersToAsks "+Topics[tp]] = orOther(deskAnswersToAsks, tp)
	}
	slot := regexp.MustCompile(`\{[a-z]+\}`)
	known := []string{"{first}", "{agent}", "{order}", "{carrier}", "{tracking}", "{trackurl}", "{product}", "{code}", "{date}", "{deadline}"}
	for name, p := range lists {
		for l := range langCount {
			if len(p[l]) == 0 {
				t.Errorf("%s: nothing in language %d", name, l)
				continue
			}
			usable := false
			for _, text := range p[l] {
				for _, s := range slot.FindAllString(text, -1) {
					if !slices.Contains(known, s) {
						t.Errorf("%s: %q has the unknown slot %s", name, text, s)
					}
				}
				if !slices.ContainsFunc(optionalSlots, func(s string) bool { return strings.Contains(text, s) }) {
					usable = true
				}
			}
			if !usable {
				t.Errorf("%s: every variant in language %d needs a value a conversation may lack", name, l)
			}
		}
	}
	// Filled with nothing known, no slot is left and no gap shows.
	s := deskSlots{first: "Camille", agent: "Léa", lang: langFR, loc: time.UTC}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		out := s.say(r, deskAnswers[tWISMO])
		if strings.Contains(out, "{") || strings.Contains(out, "  ") {
			t.Errorf("filled without values: %q", out)
		}
	}
	wed := time.Date(2026, 12, 2, 10, 12, 0, 0, time.UTC)
	for l, want := range map[lang]string{langEN: "Wednesday 2 December", langFR: "mercredi 2 décembre", langDE: "Mittwoch, 2. Dezember", langES: "miércoles 2 de diciembre"} {
		if got := longDate(wed, l, time.UTC); got != want {
			t.Errorf("longDate %d = %q, want %q", l, got, want)
		}
	}
	for locale, want := range map[string]string{
		"en": "On Wed, 2 Dec 2026 at 10:12, Atelier Brume <s@x> wrote:",
		"fr": "Le mer. 2 déc. 2026 à 10:12, Atelier Brume <s@x> a écrit :",
		"de": "Am Mi., 2. Dez. 2026 um 10:12 Uhr schrieb Atelier Brume <s@x>:",
		"es": "El mié, 2 dic 2026 a las 10:12, Atelier Brume <s@x> escribió:",
	} {
		if got := quoteHeader(locale, wed, "Atelier Brume <s@x>"); got != want {
			t.Errorf("quoteHeader %s = %q, want %q", locale, got, want)
		}
	}
	if got := callLength(252); got != "Call, 4 min 12 s" {
		t.Errorf("callLength(252) = %q", got)
	}
}
