package desk

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The inbox's views (docs/desk.md#views).
const (
	ViewUnassigned = "unassigned" // open, awake, nobody's
	ViewMine       = "mine"       // open, awake, the asking agent's
	ViewMentions   = "mentions"   // where a note mentions the asking agent, unread
	ViewWaiting    = "waiting"    // waiting on the customer, awake
	ViewSnoozed    = "snoozed"    // not closed, snoozed until later
	ViewClosed     = "closed"
	ViewOpen       = "open"    // every open, awake conversation
	ViewTeam       = "team"    // open, awake, of InboxFilter.TeamID
	ViewTopic      = "topic"   // open, awake, whose latest contact has InboxFilter.Topic
	ViewChannel    = "channel" // open, awake, started on InboxFilter.Channel
	ViewAll        = "all"     // every conversation in any state: where a search looks
)

// InboxViews lists the views in the order the inbox shows them.
var InboxViews = []string{ViewUnassigned, ViewMine, ViewMentions, ViewOpen, ViewWaiting, ViewSnoozed, ViewClosed, ViewAll, ViewTeam, ViewTopic, ViewChannel}

// InboxFilter narrows a view. Now is the clock's: a snooze ends and a
// customer's wait is measured against it, never the database's clock.
type InboxFilter struct {
	UserID  int64 // the agent asking: mine and mentions are theirs
	TeamID  int64 // ViewTeam
	Topic   string
	Channel string
	Tag     string // any view: only conversations carrying the tag
	// Search, in any view: customers by name (from its start), email,
	// phone or external id; orders by number; the text of recent messages.
	Search string
	Now    time.Time
	Limit  int // rows per page: DefaultInboxLimit when 0, MaxInboxLimit at most
}

// Page sizes of the inbox.
const (
	DefaultInboxLimit = 50
	MaxInboxLimit     = 200
)

// InboxCursor is where a page of a view starts: after the conversation
// with this last message time and id. The zero cursor is the first page.
type InboxCursor struct {
	LastMessageAt int64
	ID            int64
}

// IsZero reports whether the cursor is the first page's.
func (c InboxCursor) IsZero() bool { return c.ID == 0 }

// String writes the cursor as the API and the pages pass it: "1764670000-123".
func (c InboxCursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatInt(c.LastMessageAt, 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// ParseInboxCursor reads a cursor written by String; "" is the first page.
func ParseInboxCursor(s string) (InboxCursor, error) {
	if s == "" {
		return InboxCursor{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return InboxCursor{}, &domain.Error{Code: domain.EInvalid, Message: "bad cursor",
			Fields: []domain.FieldError{{Field: "cursor", Reason: fmt.Sprintf("%q is not a cursor from a previous page (pass next_cursor as it came)", s)}}}
	}
	return InboxCursor{at, id}, nil
}

// InboxRow is one conversation as a view lists it.
type InboxRow struct {
	ID             int64      `json:"id"`
	CustomerID     int64      `json:"customer_id"`
	Customer       string     `json:"customer"` // name, else email, else phone
	Subject        string     `json:"subject"`
	Snippet        string     `json:"snippet"` // the start of the latest message
	Channel        string     `json:"channel"`
	State          string     `json:"state"`
	AssigneeID     int64      `json:"assignee_id,omitempty"`
	Assignee       string     `json:"assignee,omitempty"`
	TeamID         int64      `json:"team_id,omitempty"`
	Team           string     `json:"team,omitempty"`
	Topic          string     `json:"topic,omitempty"` // of the latest contact
	Tags           []string   `json:"tags"`
	CreatedAt      time.Time  `json:"created_at"`
	LastMessageAt  time.Time  `json:"last_message_at"`
	SnoozedUntil   *time.Time `json:"snoozed_until,omitempty"`
	AwaitingSince  *time.Time `json:"awaiting_since,omitempty"`
	AgeSeconds     int64      `json:"age_seconds"`     // since the conversation started
	WaitingSeconds int64      `json:"waiting_seconds"` // since the oldest unanswered customer message; 0 when answered
	// Breached: the customer has waited past the first-response target.
	Breached bool `json:"first_response_breached"`
}

// InboxPage is one page of a view.
type InboxPage struct {
	Rows []InboxRow
	// Next is the cursor of the page after this one; zero on the last.
	Next InboxCursor
	// SearchCapped: the search matched more conversations than one search
	// reads (maxSearchHits); the rows are among the most recent of them.
	SearchCapped bool
	Target       ResponseTarget
}

// snippetChars is how much of the latest message a row carries.
const snippetChars = 200

// Inbox lists one page of a view, newest conversation first, paged by
// (last_message_at, id) so a page costs the same however deep it is.
func Inbox(ctx context.Context, q Querier, view string, f InboxFilter, cur InboxCursor) (InboxPage, error) {
	var page InboxPage
	if f.Now.IsZero() {
		return page, fmt.Errorf("inbox: no clock time given")
	}
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultInboxLimit
	case limit > MaxInboxLimit:
		limit = MaxInboxLimit
	}
	var found []int64
	if strings.TrimSpace(f.Search) != "" {
		ids, capped, err := searchConversations(ctx, q, f.Search)
		if err != nil {
			return page, err
		}
		page.SearchCapped = capped
		if len(ids) == 0 {
			page.Target, err = LoadResponseTarget(ctx, q)
			return page, err
		}
		found = ids
	}
	query, args, err := inboxQuery(view, f, cur, found, limit+1)
	if err != nil {
		return page, err
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var r InboxRow
		var created, last int64
		var snoozed, awaiting sql.NullInt64
		var tags, name, email, phone, userName, userEmail string
		if err := rows.Scan(&r.ID, &r.CustomerID, &r.Subject, &r.Channel, &r.State, &r.AssigneeID, &r.TeamID, &tags, &created, &last, &snoozed, &awaiting,
			&name, &email, &phone, &userName, &userEmail, &r.Team, &r.Snippet, &r.Topic); err != nil {
			return page, err
		}
		r.Customer = customerLabel(name, email, phone, r.CustomerID)
		r.Assignee = displayName(userName, userEmail)
		r.Tags = splitTags(tags)
		r.CreatedAt, r.LastMessageAt = time.Unix(created, 0).UTC(), time.Unix(last, 0).UTC()
		r.Snippet = snippet(r.Snippet)
		r.AgeSeconds = max(0, f.Now.Unix()-created)
		if snoozed.Valid {
			t := time.Unix(snoozed.Int64, 0).UTC()
			r.SnoozedUntil = &t
		}
		if awaiting.Valid {
			t := time.Unix(awaiting.Int64, 0).UTC()
			r.AwaitingSince = &t
			r.WaitingSeconds = max(0, f.Now.Unix()-awaiting.Int64)
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		last := page.Rows[limit-1]
		page.Next = InboxCursor{last.LastMessageAt.Unix(), last.ID}
	}
	if page.Target, err = LoadResponseTarget(ctx, q); err != nil {
		return page, err
	}
	for i := range page.Rows {
		r := &page.Rows[i]
		// A customer waiting on a closed conversation is answered by
		// closing it; the target applies to conversations still open.
		r.Breached = r.AwaitingSince != nil && r.State != "closed" && page.Target.Breached(*r.AwaitingSince, f.Now)
	}
	return page, nil
}

// inboxQuery is the SQL of a page of a view: limit rows after cur, among
// the conversations found by a search when found is not nil.
func inboxQuery(view string, f InboxFilter, cur InboxCursor, found []int64, limit int) (string, []any, error) {
	where, args, err := viewCondition(view, f)
	if err != nil {
		return "", nil, err
	}
	if f.Tag != "" {
		tag, err := normalizeTag(f.Tag)
		if err != nil {
			return "", nil, invalidField("tag", err.Error())
		}
		// Tags are stored "a,b": wrapped in commas, one tag matches whole.
		where = append(where, `(',' || c.tags || ',') LIKE ?`)
		args = append(args, "%,"+tag+",%")
	}
	if found != nil {
		where = append(where, `c.id IN (`+store.Placeholders(len(found))+`)`)
		args = append(args, store.Args(found)...)
	}
	if !cur.IsZero() {
		// The first term is a range the view's index can start from; the
		// second breaks ties on the same second.
		where = append(where, `c.last_message_at <= ? AND (c.last_message_at < ? OR c.id < ?)`)
		args = append(args, cur.LastMessageAt, cur.LastMessageAt, cur.ID)
	}
	query := `SELECT c.id, c.customer_id, c.subject, c.channel, c.state, COALESCE(c.assignee_id, 0), COALESCE(c.team_id, 0), c.tags,
			c.created_at, c.last_message_at, c.snoozed_until, c.awaiting_since, cu.name,
			COALESCE((SELECT i.value FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'email' ORDER BY i.value LIMIT 1), ''),
			COALESCE((SELECT i.value FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'phone' ORDER BY i.value LIMIT 1), ''),
			COALESCE(u.name, ''), COALESCE(u.email, ''), COALESCE(t.name, ''),
			COALESCE((SELECT substr(m.body, 1, ` + strconv.Itoa(snippetChars+1) + `) FROM messages m WHERE m.conversation_id = c.id ORDER BY m.at DESC, m.id DESC LIMIT 1), ''),
			COALESCE((SELECT k.topic FROM contacts k WHERE k.conversation_id = c.id ORDER BY k.started_at DESC, k.id DESC LIMIT 1), '')
		FROM conversations c
		JOIN customers cu ON cu.id = c.customer_id
		LEFT JOIN users u ON u.id = c.assignee_id
		LEFT JOIN teams t ON t.id = c.team_id
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`
	return query, append(args, limit), nil
}

// viewCondition is the WHERE terms of a view. The terms start with what the
// view's index starts with (state, assignee, team, channel), so each page
// is read in order from an index.
func viewCondition(view string, f InboxFilter) ([]string, []any, error) {
	now := f.Now.Unix()
	awake := `(c.snoozed_until IS NULL OR c.snoozed_until <= ?)`
	open := []string{`c.state = 'open'`, awake}
	switch view {
	case ViewUnassigned:
		return []string{`c.assignee_id IS NULL`, `c.state = 'open'`, awake}, []any{now}, nil
	case ViewMine:
		if f.UserID == 0 {
			return nil, nil, invalidField("view", "mine is the view of a logged-in agent; an API token has none (use view=open)")
		}
		return []string{`c.assignee_id = ?`, `c.state = 'open'`, awake}, []any{f.UserID, now}, nil
	case ViewMentions:
		if f.UserID == 0 {
			return nil, nil, invalidField("view", "mentions is the view of a logged-in agent; an API token has none")
		}
		return []string{`c.id IN (SELECT e.conversation_id FROM mentions mm JOIN desk_events e ON e.id = mm.event_id WHERE mm.user_id = ? AND mm.read_at IS NULL)`}, []any{f.UserID}, nil
	case ViewWaiting:
		return []string{`c.state = 'waiting'`, awake}, []any{now}, nil
	case ViewSnoozed:
		return []string{`c.snoozed_until > ?`, `c.state <> 'closed'`}, []any{now}, nil
	case ViewClosed:
		return []string{`c.state = 'closed'`}, nil, nil
	case ViewOpen, "":
		return open, []any{now}, nil
	case ViewAll:
		return []string{`1 = 1`}, nil, nil
	case ViewTeam:
		if f.TeamID == 0 {
			return nil, nil, invalidField("team", "the team view needs a team")
		}
		return append([]string{`c.team_id = ?`}, open...), []any{f.TeamID, now}, nil
	case ViewTopic:
		if f.Topic == "" {
			return nil, nil, invalidField("topic", "the topic view needs a topic")
		}
		return append(open, `(SELECT k.topic FROM contacts k WHERE k.conversation_id = c.id ORDER BY k.started_at DESC, k.id DESC LIMIT 1) = ?`), []any{now, f.Topic}, nil
	case ViewChannel:
		if !slices.Contains(Channels, f.Channel) {
			return nil, nil, invalidField("channel", fmt.Sprintf("%q is not one of %s", f.Channel, strings.Join(Channels, ", ")))
		}
		return append([]string{`c.channel = ?`}, open...), []any{f.Channel, now}, nil
	}
	return nil, nil, invalidField("view", fmt.Sprintf("%q is not one of %s", view, strings.Join(InboxViews, ", ")))
}

// countCap bounds the counts beside the views: past it the inbox says
// "999+" rather than count a backlog row by row on every page load.
const countCap = 1000

// InboxCounts counts the conversations of the views agents work from
// (unassigned, mine, mentions, open, waiting, snoozed), each up to
// countCap. The closed and all views are not counted: they only grow.
func InboxCounts(ctx context.Context, q Querier, userID int64, now time.Time) (map[string]int, error) {
	out := map[string]int{}
	for _, view := range []string{ViewUnassigned, ViewMine, ViewMentions, ViewOpen, ViewWaiting, ViewSnoozed} {
		if userID == 0 && (view == ViewMine || view == ViewMentions) {
			continue
		}
		where, args, err := viewCondition(view, InboxFilter{UserID: userID, Now: now})
		if err != nil {
			return nil, err
		}
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM conversations c WHERE `+strings.Join(where, " AND ")+` LIMIT `+strconv.Itoa(countCap)+`) capped`, args...).Scan(&n); err != nil {
			return nil, err
		}
		out[view] = n
	}
	return out, nil
}

// CountCapped reports whether a count from InboxCounts reached its cap.
func CountCapped(n int) bool { return n >= countCap }

// Search bounds (docs/desk.md#search): how many conversations one search
// reads, and how far back message text is searched.
const (
	maxSearchHits       = 500
	maxSearchCustomers  = 200
	searchRecentMessage = 100_000
)

// searchConversations returns the conversations a search names, newest
// first: those of customers whose name starts with the text or who have
// it as an email, phone or external id; of the order with that number;
// and those whose recent messages contain it. capped is true when there
// were more than one search reads.
func searchConversations(ctx context.Context, q Querier, text string) ([]int64, bool, error) {
	text = strings.TrimSpace(text)
	if len([]rune(text)) < 2 {
		return nil, false, invalidField("q", "write at least 2 characters to search")
	}
	if len(text) > 200 {
		return nil, false, invalidField("q", "a search is at most 200 characters")
	}
	lower := strings.ToLower(text)
	customers := map[int64]bool{}
	addCustomers := func(query string, args ...any) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			customers[id] = true
		}
		return rows.Err()
	}
	// Identities are matched whole (emails are stored lower-cased, phones
	// as digits): equality uses the index under any collation.
	values := []any{lower, text}
	if p := normalizePhoneish(text); p != "" {
		values = append(values, p)
	}
	if err := addCustomers(`SELECT customer_id FROM customer_identities WHERE value IN (`+store.Placeholders(len(values))+`) LIMIT ?`, append(values, maxSearchCustomers)...); err != nil {
		return nil, false, err
	}
	// A search that names someone exactly (an email, a phone, an order
	// number) is answered by that alone: reading message text would only
	// slow it down.
	exact := len(customers) > 0
	// Names from their start, through the index on lower(name). The range's
	// end is the text with its last character moved one up; rows that
	// a linguistic collation lets into the range are checked in Go below.
	if err := addNamePrefix(ctx, q, lower, customers); err != nil {
		return nil, false, err
	}
	// Orders by number, with or without its '#'.
	bare := strings.TrimPrefix(text, "#")
	before := len(customers)
	if err := addCustomers(`SELECT customer_id FROM orders WHERE (name IN (?, ?) OR external_id IN (?, ?)) AND customer_id IS NOT NULL LIMIT ?`,
		"#"+bare, bare, bare, text, maxSearchCustomers); err != nil {
		return nil, false, err
	}
	exact = exact || len(customers) > before
	found := map[int64]int64{} // conversation → last message time
	addConversations := func(query string, args ...any) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				return err
			}
			found[id] = at
		}
		return rows.Err()
	}
	ids := make([]int64, 0, len(customers))
	for id := range customers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for start := 0; start < len(ids); start += 100 {
		part := ids[start:min(start+100, len(ids))]
		if err := addConversations(`SELECT id, last_message_at FROM conversations WHERE customer_id IN (`+store.Placeholders(len(part))+`) ORDER BY last_message_at DESC LIMIT ?`,
			append(store.Args(part), maxSearchHits+1)...); err != nil {
			return nil, false, err
		}
	}
	// Message text: the most recent messages only, so a search for a rare
	// word reads a bounded slice of the table, not all of it.
	var maxID sql.NullInt64
	if err := q.QueryRow(ctx, `SELECT MAX(id) FROM messages`).Scan(&maxID); err != nil {
		return nil, false, err
	}
	if maxID.Valid && !exact {
		like := "%" + escapeLike(lower) + "%"
		if err := addConversations(`SELECT m.conversation_id, MAX(m.at) FROM messages m WHERE m.id > ? AND (lower(m.body) LIKE ? ESCAPE '\' OR lower(m.subject) LIKE ? ESCAPE '\')
			GROUP BY m.conversation_id ORDER BY MAX(m.at) DESC LIMIT ?`, maxID.Int64-searchRecentMessage, like, like, maxSearchHits+1); err != nil {
			return nil, false, err
		}
	}
	out := make([]int64, 0, len(found))
	for id := range found {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b int64) int {
		if c := cmp.Compare(found[b], found[a]); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	capped := len(out) > maxSearchHits
	if capped {
		out = out[:maxSearchHits]
	}
	return out, capped, nil
}

func addNamePrefix(ctx context.Context, q Querier, prefix string, into map[int64]bool) error {
	r := []rune(prefix)
	r[len(r)-1]++
	rows, err := q.Query(ctx, `SELECT id, lower(name) FROM customers WHERE lower(name) >= ? AND lower(name) < ? LIMIT ?`, prefix, string(r), maxSearchCustomers)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if strings.HasPrefix(name, prefix) {
			into[id] = true
		}
	}
	return rows.Err()
}

// normalizePhoneish turns a search that looks like a phone number into the
// digits (and leading +) phones are stored as; "" when it does not.
func normalizePhoneish(s string) string {
	var b strings.Builder
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return ""
		}
	}
	if digits < 5 {
		return ""
	}
	return b.String()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// customerLabel is how a row names its customer.
func customerLabel(name, email, phone string, id int64) string {
	switch {
	case strings.TrimSpace(name) != "":
		return name
	case email != "":
		return email
	case phone != "":
		return phone
	}
	return "customer " + strconv.FormatInt(id, 10)
}

// displayName is a user's name as colleagues see it: the name, else the
// email's local part (as auth.User.DisplayName).
func displayName(name, email string) string {
	if name != "" {
		return name
	}
	local, _, _ := strings.Cut(email, "@")
	return local
}

func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > snippetChars {
		return string(r[:snippetChars-1]) + "…"
	}
	return s
}

func invalidField(field, reason string) error {
	return &domain.Error{Code: domain.EInvalid, Message: "bad " + field, Fields: []domain.FieldError{{Field: field, Reason: reason}}}
}
