package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/store"
)

// The demo's desk: the contacts of the last DeskWeeks weeks become
// conversations with their threads — the customer's message, the agents'
// answers and questions, the customer's follow-ups, on every channel — so
// that an agent who logs in finds an inbox at work: conversations open and
// unanswered (some past the first-response target), waiting on the
// customer, snoozed, assigned or not, with internal notes that mention the
// demo's agent, and closed ones with satisfaction answers.
//
// It adds no contact. The threads are written around the contacts the
// store already has, as the desk's contact rules (desk.RecordMessage)
// would have placed them: every message after the first stays inside the
// contact's active window, so none would have started another. The
// customer's first message is the contact's own text. Every figure of the
// store's weeks stays what it was — contacts, CPO, costs, and first-contact
// resolution wherever it had a value (each conversation holds one contact)
// — and the team figures (first response, resolution, replies,
// satisfaction, backlog) get their data for the desk's weeks. Messages may
// come after the last Sunday, up to Options.Now: the desk lives on after
// the store's last complete week.
//
// Rows are written in bulk, many per statement with reserved ids, like the
// rest of the store; the few things agents did of late (assignments, notes
// with mentions, snoozes, tags) go through the desk's own actions, so they
// look exactly as if done in the inbox.

// The brand's addresses and the demo's agent login (quietdesk demo gives
// it a password and prints it).
const (
	BrandDomain    = "atelier-brume.example"
	SupportAddress = "support@" + BrandDomain
	AgentEmail     = "agent@" + BrandDomain
	AgentName      = "Sam Laurent"
	AgentTeam      = "tier1"
)

// DeskWeeks is how many weeks before the last Sunday the desk's threads
// go back: every contact of those weeks is a conversation. The record of
// the weeks before gives their contacts' service (gen.service) and leaves
// these weeks' to their threads.
const DeskWeeks = 8

// trackingURLTemplate is the store's desk.tracking_url: the demo's carriers'
// events carry a tracking number but no link.
const trackingURLTemplate = "https://track." + BrandDomain + "/{carrier}/{number}"

// deskStream is the desk's own random stream of the store's seed, so that
// the rest of the store does not move when the desk changes.
const deskStream = 0x6a09e667f3bcc908

// noPassword is the password hash of the desk's users: no password hashes
// to it, so nobody logs in as them until given a password (quietdesk demo
// gives the demo's agent one; quietdesk user passwd any of them).
const noPassword = "!"

// DeskCounts is what the desk holds once the demo is made, at
// Options.Now.
type DeskCounts struct {
	Conversations int64 `json:"conversations"` // every conversation, the native ones included
	Messages      int64 `json:"messages"`
	Open          int64 `json:"open"`    // open and awake: the agents' turn
	Waiting       int64 `json:"waiting"` // waiting on the customer, awake
	Snoozed       int64 `json:"snoozed"`
}

type deskGen struct {
	r     *rand.Rand
	loc   *time.Location
	now   int64
	users map[string]int64 // by name
	teams map[string]int64
	plans map[int64]planned // by contact id
	// The conversations of the present's plans, for act; whether the two
	// customers who paste HTML have been found.
	present                  []*deskConv
	hostileMail, hostileName bool
}

// writeDesk threads the contacts of the DeskWeeks weeks before end (the
// Monday after the store's last week) and sets up the desk's people,
// saved replies and settings. since is when the store's history begins.
// The contacts are written deskBatch to a transaction, so that a store of
// millions of orders threads its hundreds of thousands of contacts in
// little memory.
func writeDesk(ctx context.Context, db *store.DB, opt Options, since, end int64, progress func(done, total int64)) (DeskCounts, error) {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return DeskCounts{}, err
	}
	d := &deskGen{r: rand.New(rand.NewPCG(opt.Seed, deskStream)), loc: loc, now: opt.Now.Unix(),
		users: map[string]int64{}, teams: map[string]int64{}, plans: map[int64]planned{}}
	from := end - DeskWeeks*7*day
	var total int64
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := d.setUp(ctx, tx, since, end); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE conversation_id IS NULL AND started_at >= ? AND started_at < ?`, from, end).Scan(&total); err != nil {
			return err
		}
		return d.planPresent(ctx, tx, max(from, d.now-9*day), end)
	})
	if err != nil {
		return DeskCounts{}, fmt.Errorf("fill the desk: %w", err)
	}
	// A bulk load, as for the rest of the store: the desk's tables' indexes
	// and triggers are set aside while the threads go in, and built once
	// after. What the triggers record is rebuilt too: the demo's marker
	// setting, written last, marks every day for the rollups.
	load, err := db.StartBulkLoad(ctx, deskTables)
	if err != nil {
		return DeskCounts{}, err
	}
	defer func() {
		if ctx.Err() == nil {
			load.Finish(ctx)
		}
	}()
	var done int64
	for after := (deskCursor{start: from - 1}); ; {
		var n int
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			contacts, err := loadDeskContacts(ctx, tx, after, end, deskBatch)
			if err != nil || len(contacts) == 0 {
				return err
			}
			n = len(contacts)
			last := contacts[n-1]
			after = deskCursor{last.start, last.id}
			return d.write(ctx, tx, d.generate(contacts))
		})
		if err != nil {
			return DeskCounts{}, fmt.Errorf("fill the desk: %w", err)
		}
		done += int64(n)
		progress(done, total)
		if n < deskBatch {
			break
		}
	}
	if err := load.Finish(ctx); err != nil {
		return DeskCounts{}, err
	}
	if err := db.WriteTx(ctx, func(tx *store.Tx) error { return d.act(ctx, tx) }); err != nil {
		return DeskCounts{}, fmt.Errorf("fill the desk: %w", err)
	}
	return CountDesk(ctx, db, opt.Now)
}

// deskTables are the tables the desk's threads fill.
var deskTables = []string{"conversations", "messages", "desk_events"}

// deskBatch is how many contacts one transaction threads.
const deskBatch = 5000

// deskCursor is where a batch of contacts starts: after this one.
type deskCursor struct{ start, id int64 }

// planPresent chooses the contacts of [from, to) whose conversations make
// the inbox's present: among the e-mail, SMS and social ones, newest
// first.
func (d *deskGen) planPresent(ctx context.Context, tx *store.Tx, from, to int64) error {
	rows, err := tx.Query(ctx, `SELECT id, started_at FROM contacts WHERE conversation_id IS NULL AND started_at >= ? AND started_at < ?
		AND channel IN ('email', 'sms', 'social') ORDER BY started_at DESC, id DESC LIMIT 500`, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids, starts []int64
	for rows.Next() {
		var id, start int64
		if err := rows.Scan(&id, &start); err != nil {
			return err
		}
		ids, starts = append(ids, id), append(starts, start)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	d.choosePlans(ids, starts)
	return nil
}

// CountDesk counts the desk's conversations and messages, and those open,
// waiting and snoozed at now, as the inbox's views count them.
func CountDesk(ctx context.Context, db *store.DB, now time.Time) (DeskCounts, error) {
	var n DeskCounts
	err := db.QueryRow(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN state = 'open' AND (snoozed_until IS NULL OR snoozed_until <= ?) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'waiting' AND (snoozed_until IS NULL OR snoozed_until <= ?) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state <> 'closed' AND snoozed_until > ? THEN 1 ELSE 0 END), 0)
		FROM conversations`, now.Unix(), now.Unix(), now.Unix()).Scan(&n.Conversations, &n.Open, &n.Waiting, &n.Snoozed)
	if err != nil {
		return n, err
	}
	err = db.QueryRow(ctx, `SELECT COUNT(*) FROM messages`).Scan(&n.Messages)
	return n, err
}

// setUp makes the desk's people — every agent of the brand's teams, and
// the demo's agent, new in tier 1 — its saved replies, its support
// address and its tracking links.
func (d *deskGen) setUp(ctx context.Context, tx *store.Tx, since, end int64) error {
	type person struct {
		name, email, team string
		joined            int64
	}
	// The demo's agent joined a week before the last Sunday.
	people := []person{{AgentName, AgentEmail, AgentTeam, end - 8*day}}
	for _, t := range teams {
		if _, err := tx.Exec(ctx, `INSERT INTO teams (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, t.name); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM teams WHERE name = ?`, t.name).Scan(&id); err != nil {
			return err
		}
		d.teams[t.name] = id
		for _, a := range t.agents {
			people = append(people, person{a, personEmail(a), t.name, since})
		}
	}
	for _, p := range people {
		if _, err := tx.Exec(ctx, `INSERT INTO users (email, role, password_hash, created_at, password_changed_at, name, team_id)
			VALUES (?, 'agent', ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`, p.email, noPassword, p.joined, p.joined, p.name, d.teams[p.team]); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = ?`, p.email).Scan(&id); err != nil {
			return err
		}
		d.users[p.name] = id
	}
	for _, kv := range [][2]string{{desk.SettingSupportAddresses, SupportAddress}, {desk.SettingTrackingURL, trackingURLTemplate}} {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kv[0], kv[1]); err != nil {
			return err
		}
	}
	for _, s := range deskSavedReplies {
		if _, _, err := desk.SaveReply(ctx, tx, desk.SavedReply{Name: s.name, Body: s.body}, time.Unix(since, 0)); err != nil {
			return fmt.Errorf("saved reply %q: %w", s.name, err)
		}
	}
	return nil
}

// personEmail is a colleague's address: lea.martin@atelier-brume.example.
func personEmail(name string) string {
	return strings.Join(asciiNames(strings.Fields(name)), ".") + "@" + BrandDomain
}

// loadDeskContacts reads up to limit contacts started after the cursor
// and before to that have no conversation yet, in the order they started,
// with their customer and order.
func loadDeskContacts(ctx context.Context, tx *store.Tx, after deskCursor, to int64, limit int) ([]*deskContact, error) {
	rows, err := tx.Query(ctx, `SELECT c.id, c.customer_id, c.channel, c.started_at, c.topic, c.subject, c.body, c.agent, c.team, c.handle_seconds,
			u.name, COALESCE((SELECT MIN(i.value) FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'email'), ''),
			COALESCE(o.name, ''), COALESCE(o.carrier, ''), COALESCE(o.discount_code, ''),
			COALESCE(o.country, (SELECT p.country FROM orders p WHERE p.customer_id = c.customer_id ORDER BY p.placed_at DESC LIMIT 1), ''),
			COALESCE((SELECT f.detail FROM fulfillment_events f WHERE f.order_id = o.id AND f.kind = 'shipped' ORDER BY f.at LIMIT 1), ''),
			COALESCE((SELECT l.product FROM order_lines l WHERE l.order_id = o.id ORDER BY l.unit_price * l.quantity DESC, l.line_key LIMIT 1), ''),
			COALESCE(o.promised_delivery_at, 0), COALESCE(o.delivered_at, 0),
			(SELECT COUNT(*) FROM csat s WHERE s.contact_id = c.id)
		FROM contacts c JOIN customers u ON u.id = c.customer_id LEFT JOIN orders o ON o.id = c.order_id
		WHERE c.conversation_id IS NULL AND (c.started_at > ? OR c.started_at = ? AND c.id > ?) AND c.started_at < ?
		ORDER BY c.started_at, c.id LIMIT ?`, after.start, after.start, after.id, to, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*deskContact
	for rows.Next() {
		c := &deskContact{}
		var tp, shipped string
		var surveys int
		if err := rows.Scan(&c.id, &c.customer, &c.channel, &c.start, &tp, &c.subject, &c.body, &c.agent, &c.team, &c.handle,
			&c.name, &c.email, &c.order, &c.carrier, &c.code, &c.country, &shipped, &c.product, &c.promised, &c.delivered, &surveys); err != nil {
			return nil, err
		}
		c.surveyed = surveys > 0
		c.topic = tOther
		if i := slices.Index(Topics, tp); i >= 0 {
			c.topic = topic(i)
		}
		if _, number, ok := strings.Cut(shipped, "tracking "); ok {
			c.tracking = strings.TrimSpace(number)
		}
		c.product = productName(c.product)
		out = append(out, c)
	}
	return out, rows.Err()
}

// write inserts the conversations, their messages, the surveys and the
// closing events, and links the contacts to them with the figures their
// messages make (first response, replies, end).
func (d *deskGen) write(ctx context.Context, tx *store.Tx, convs []*deskConv) error {
	ids, err := store.ReserveIDs(ctx, tx, "conversations", len(convs))
	if err != nil {
		return err
	}
	type msgRow struct {
		v *deskConv
		m *deskMsg
	}
	var msgs []msgRow
	conversations := make([][]any, len(convs))
	contacts := make([][]any, len(convs))
	var events, surveys [][]any
	for i, v := range convs {
		v.id = ids[i]
		c := v.c
		if v.plan != planRecord {
			d.present = append(d.present, v)
		}
		user, team := d.users[c.agent], d.teams[c.team]
		var firstResponse, awaiting any
		var replies int64
		last := v.msgs[len(v.msgs)-1]
		for j := range v.msgs {
			m := &v.msgs[j]
			msgs = append(msgs, msgRow{v, m})
			if !m.in {
				replies++
				if firstResponse == nil {
					firstResponse = m.at
				}
				awaiting = nil
			} else if awaiting == nil {
				awaiting = m.at
			}
		}
		state, closed, ended := "waiting", any(nil), any(nil)
		switch {
		case v.closed != 0:
			state, closed, ended, awaiting = "closed", v.closed, v.closed, nil
		case last.in:
			state = "open"
		}
		var assignee, teamID any = nullable(user), nullable(team)
		switch {
		case v.plan != planRecord:
			assignee, teamID = nil, nil // assigned by act, as in the inbox
		case firstResponse == nil && v.closed == 0:
			assignee = nil // nobody has picked it up yet
		}
		var token any
		if v.token != "" {
			token = v.token
		}
		updated := max(last.at, v.closed)
		conversations[i] = []any{v.id, c.customer, v.msgs[0].subject, state, c.start, last.at, closed, c.channel, assignee, teamID, token, awaiting, updated}
		contacts[i] = []any{c.id, v.id, last.at, firstResponse, replies, ended}
		if v.closed != 0 {
			events = append(events, []any{c.customer, v.id, desk.EventState, nullable(user), "closed", v.closed})
			// Closing asks how it went: by mail, or as a prompt in the
			// chat. A contact asked already (an imported rating) keeps its
			// answer.
			if (c.channel == "email" || c.channel == "chat") && !c.surveyed {
				surveys = append(surveys, d.survey(v))
			}
		}
	}
	if err := store.InsertRows(ctx, tx, "conversations", []string{"id", "customer_id", "subject", "state", "created_at", "last_message_at", "closed_at",
		"channel", "assignee_id", "team_id", "reply_token", "awaiting_since", "updated_at"}, conversations, ""); err != nil {
		return err
	}

	// Message ids follow time, as they would have been recorded.
	slices.SortStableFunc(msgs, func(a, b msgRow) int { return int(a.m.at - b.m.at) })
	mids, err := store.ReserveIDs(ctx, tx, "messages", len(msgs))
	if err != nil {
		return err
	}
	rows := make([][]any, len(msgs))
	for i, x := range msgs {
		m, c := x.m, x.v.c
		direction, author, agent, user := "in", "customer", "", any(nil)
		if !m.in {
			direction, author, agent, user = "out", "agent", c.agent, nullable(d.users[c.agent])
		}
		var emailID any
		if m.emailID != "" {
			emailID = m.emailID
		}
		rows[i] = []any{mids[i], x.v.id, c.id, c.customer, c.channel, direction, author, agent, desk.KindMessage, x.v.session, m.subject, m.body, m.at,
			emailID, m.fromAddr, m.quoted, m.html, m.status, m.statusDetail, user, viaOf(c.channel, c.id)}
	}
	if err := store.InsertRows(ctx, tx, "messages", []string{"id", "conversation_id", "contact_id", "customer_id", "channel", "direction", "author", "agent",
		"kind", "session_id", "subject", "body", "at", "email_id", "from_addr", "quoted", "html", "status", "status_detail", "user_id", "via"}, rows, ""); err != nil {
		return err
	}
	if err := updateContacts(ctx, tx, contacts); err != nil {
		return err
	}
	if err := store.InsertRows(ctx, tx, "desk_events", []string{"customer_id", "conversation_id", "kind", "actor_id", "detail", "at"}, events, ""); err != nil {
		return err
	}
	if err := store.InsertRows(ctx, tx, "csat", []string{"conversation_id", "contact_id", "channel", "agent", "topic", "asked_at", "score", "comment", "answered_at"}, surveys, ""); err != nil {
		return err
	}
	// The customer who typed HTML into the shop's name field.
	for _, v := range convs {
		if v.renamed {
			if _, err := tx.Exec(ctx, `UPDATE customers SET name = ? WHERE id = ?`, v.c.name, v.c.customer); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateContacts sets each contact's conversation and figures, many
// contacts per statement: (id, conversation_id, last_message_at,
// first_response_at, replies, ended_at) rows.
func updateContacts(ctx context.Context, tx *store.Tx, rows [][]any) error {
	const per = 500
	// Every value is cast: PostgreSQL would read untyped parameters of a
	// VALUES list as text.
	row := "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		values := make([]string, len(part))
		var args []any
		for i, r := range part {
			values[i] = row
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, `UPDATE contacts SET conversation_id = v.column2, last_message_at = v.column3, first_response_at = v.column4,
				replies = v.column5, ended_at = v.column6
			FROM (VALUES `+strings.Join(values, ", ")+`) AS v WHERE contacts.id = v.column1`, args...); err != nil {
			return fmt.Errorf("link contacts to their conversations: %w", err)
		}
	}
	return nil
}

// survey is the satisfaction question a closed conversation was asked.
// A quarter of customers answer, as the record of earlier weeks has it
// (gen.service): nine in ten satisfied when it was resolved within the
// day, fewer the longer it took.
func (d *deskGen) survey(v *deskConv) []any {
	r, c := d.r, v.c
	row := []any{v.id, c.id, c.channel, c.agent, Topics[c.topic], v.closed, nil, "", nil}
	rates, u := r.Float64() < 0.25, r.Float64()
	answered := v.closed + 120 + r.Int64N(4*hour)
	if !rates || answered >= d.now {
		return row
	}
	resolve := float64(v.closed-c.start) / 60
	satisfied := 0.92 - 0.08*math.Log2(1+resolve/(24*60))
	var score int
	switch {
	case u < satisfied*0.65:
		score = 5
	case u < satisfied:
		score = 4
	case u < satisfied+(1-satisfied)*0.4:
		score = 3
	case u < satisfied+(1-satisfied)*0.7:
		score = 2
	default:
		score = 1
	}
	comment := ""
	if r.Float64() < 0.3 {
		if score >= 4 {
			comment = v.s.say(r, csatGood)
		} else if score <= 2 {
			comment = v.s.say(r, csatBad)
		}
	}
	row[6], row[7], row[8] = score, comment, answered
	return row
}

// act does what agents did on the present's conversations, through the
// desk's own actions: triage and assignment (to the demo's agent, to a
// colleague, to a team or nobody), handovers with a note that mentions the
// demo's agent, other notes, tags, snoozes.
func (d *deskGen) act(ctx context.Context, tx *store.Tx) error {
	sam := d.users[AgentName]
	at := func(t int64) time.Time { return time.Unix(min(t, d.now-60), 0) }
	for _, v := range d.present {
		c := v.c
		first, last := v.msgs[0].at, v.msgs[len(v.msgs)-1].at
		replied := len(v.msgs) > 1
		colleague := desk.Actor{UserID: d.users[c.agent], Name: c.agent}
		self := desk.Actor{UserID: sam, Name: AgentName}
		team := d.teams[c.team]
		// Who has it: by plan and rank, so that the demo's agent has some
		// of every kind and the unassigned view is never empty.
		var to desk.Assignment
		var by desk.Actor
		handover := false
		switch rank := v.nth % 4; {
		case v.plan == planWaiting && rank%3 == 0, v.plan == planSnoozed && rank == 0:
			to, by, handover = desk.Assignment{UserID: &sam, TeamID: &team}, colleague, true
		case (v.plan == planFresh || v.plan == planBreach) && rank == 1:
			to, by = desk.Assignment{UserID: &sam, TeamID: &team}, self
			handover = replied
		case (v.plan == planFresh || v.plan == planBreach) && rank == 2:
			to, by = desk.Assignment{TeamID: &team}, colleague
		case (v.plan == planFresh || v.plan == planBreach) && (rank == 0 || !replied):
			// Nobody's yet.
		default:
			uid := d.users[c.agent]
			to, by = desk.Assignment{UserID: &uid, TeamID: &team}, colleague
		}
		triage := first + 3*60 + d.r.Int64N(40*60)
		if handover {
			triage = last + 10*60 + d.r.Int64N(60*60)
		}
		if to.UserID != nil || to.TeamID != nil {
			if handover && by.UserID != sam {
				// The colleague leaves a note for the demo's agent first.
				text := d.note(v, handoverNotes)
				if _, err := desk.AddNote(ctx, tx, by, v.id, text, at(triage)); err != nil {
					return err
				}
			}
			if _, err := desk.Assign(ctx, tx, by, v.id, to, at(triage+60)); err != nil {
				return fmt.Errorf("assign conversation %d: %w", v.id, err)
			}
		}
		switch {
		case v.plan == planFresh && v.nth%4 == 1 && !handover:
			// A colleague from tier 2 flags something to the demo's agent.
			lead := desk.Actor{UserID: d.users[teams[1].agents[1]], Name: teams[1].agents[1]}
			if _, err := desk.AddNote(ctx, tx, lead, v.id, d.note(v, headsUpNotes), at(max(triage+300, last+5*60))); err != nil {
				return err
			}
		case v.plan == planWaiting && v.nth%3 == 1, v.plan == planBreach && v.nth == 3:
			if _, err := desk.AddNote(ctx, tx, colleague, v.id, d.note(v, []string{plainNote(c.topic)}), at(max(triage+180, last+5*60))); err != nil {
				return err
			}
		}
		if tag := deskTag(v); tag != "" {
			if _, _, err := desk.Tag(ctx, tx, colleague, v.id, []string{tag}, nil, at(max(triage+120, last+6*60))); err != nil {
				return err
			}
		}
		if v.plan == planSnoozed {
			actor := colleague
			if handover {
				actor = self
			}
			if _, err := desk.Snooze(ctx, tx, actor, v.id, time.Unix(v.snooze, 0), at(max(triage+240, last+8*60))); err != nil {
				return fmt.Errorf("snooze conversation %d: %w", v.id, err)
			}
		}
	}
	// The actions stamp the conversations with their own times; a message
	// after them is the latest change.
	_, err := tx.Exec(ctx, `UPDATE conversations SET updated_at = last_message_at WHERE updated_at < last_message_at`)
	return err
}

// note writes a note for the conversation from one of the texts.
func (d *deskGen) note(v *deskConv, texts []string) string {
	return strings.ReplaceAll(pick(d.r, texts), "{carrier}", cmpOr(v.c.carrier, "carrier"))
}

// deskTag is the tag an agent puts on a conversation of the present, if
// any.
func deskTag(v *deskConv) string {
	switch {
	case v.plan == planSnoozed:
		return "carrier claim"
	case v.c.topic == tDamaged || v.c.topic == tWrong:
		return "quality"
	case v.c.topic == tSizing && v.plan == planWaiting:
		return "exchange"
	case v.hostile:
		return "urgent"
	}
	return ""
}

// nullable is NULL for a zero id.
func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// viaOf is the service a demo message came through inside its channel
// (docs/channels.md): social messaging is shared between WhatsApp,
// Instagram and Messenger, about 5:3:2. It is drawn from the contact's id,
// not from the generator's random stream, so the rest of the demo stays
// what it was.
func viaOf(channel string, contactID int64) string {
	switch channel {
	case "sms", "voice":
		return channel
	case "social":
		switch contactID * 7919 % 10 {
		case 0, 1, 2, 3, 4:
			return "whatsapp"
		case 5, 6, 7:
			return "instagram"
		default:
			return "messenger"
		}
	}
	return ""
}
