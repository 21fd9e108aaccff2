package kb

import "quietdesk/internal/domain"

// Bulk loaders (the demo store) insert new sessions many rows per statement
// with ids they reserved. These give them exactly the columns and values
// UpsertSessions stores; internal/demo's TestBulkMatchesNormalWrites holds
// the two paths together.

// SessionColumns are the columns of SessionRow, in its order.
func SessionColumns() []string {
	return append([]string{"id", "external_id"}, append(sessionTable.Columns, "row_hash")...)
}

// SessionRow is the row UpsertSessions inserts for the new session s of
// customer customerID (0 for none), about the stored order orderID (0 when
// s names no order or one that is not stored), under id.
func SessionRow(id int64, s *Session, customerID, orderID int64) []any {
	var cust, order any
	if customerID != 0 {
		cust = customerID
	}
	if orderID != 0 {
		order = orderID
	}
	// The same fingerprint as UpsertSessions.
	h := domain.Hash(s.StartedAt, s.Outcome, customerID, s.OrderExternalID, orderID, s.Kind, s.Topic, s.Article)
	return []any{id, s.ExternalID, s.StartedAt.Unix(), s.Outcome, cust, order, s.Kind, s.Topic, s.Article, h}
}

// WebSessionColumns are the columns of WebRows.Session, in its order.
func WebSessionColumns() []string {
	return append(SessionColumns(), "channel", "last_at", "query", "conversation_id")
}

// Columns of WebRows' other tables (kb_searches' first is its id, which
// the loader reserves and sets).
var (
	ShownColumns    = []string{"session_id", "slug", "locale", "first_at", "best_rank", "opened"}
	SearchColumns   = []string{"id", "session_id", "at", "query", "locale", "channel", "results", "top_slug"}
	FeedbackColumns = []string{"session_id", "slug", "locale", "at", "helpful", "comment"}
)

// WebRows are the rows a whole self-service session leaves.
type WebRows struct {
	Session  []any
	Shown    [][]any
	Searches [][]any // id first, nil: the loader sets it
	Feedback [][]any
}

// WebSessionRows are the rows RecordEvent leaves when events, all of one
// new session id in time order and within SessionIdle of each other, are
// recorded one by one: the same session row, articles shown, searches and
// ratings. Only search, view, feedback and escalate events are told this
// way. customerID is the events' customer (0 for none); topicOf gives the
// first topic of a stored article ("" when there is none), as the view
// event reads it.
func WebSessionRows(id int64, events []Event, customerID int64, topicOf func(slug, locale string) string) WebRows {
	first := events[0]
	var cust, conv any
	if customerID != 0 {
		cust = customerID
	}
	outcome, query, topic, article := "resolved", "", "", ""
	type shown struct {
		locale string
		at     int64
		rank   int
		opened bool
		slug   string
	}
	seen := map[string]*shown{}
	var shownOrder []*shown
	mark := func(slug, locale string, rank int, opened bool, at int64) {
		if s := seen[slug]; s != nil {
			s.rank, s.opened = min(s.rank, rank), s.opened || opened
			return
		}
		s := &shown{slug: slug, locale: locale, at: at, rank: rank, opened: opened}
		seen[slug] = s
		shownOrder = append(shownOrder, s)
	}
	var rows WebRows
	searchAt := map[string]int{}
	feedbackAt := map[string]int{}
	for _, e := range events {
		at := e.At.Unix()
		switch e.Type {
		case EventSearch:
			query = e.Query
			top := ""
			if len(e.Shown) > 0 {
				top = e.Shown[0]
			}
			if i, ok := searchAt[e.Query]; ok {
				r := rows.Searches[i]
				r[2], r[6], r[7] = at, len(e.Shown), top
			} else {
				searchAt[e.Query] = len(rows.Searches)
				rows.Searches = append(rows.Searches, []any{nil, id, at, e.Query, e.Locale, e.Channel, len(e.Shown), top})
			}
			for i, slug := range e.Shown {
				mark(slug, e.Locale, i+1, false, at)
			}
		case EventView:
			mark(e.Slug, e.Locale, 1, true, at)
			article, topic = e.Slug, topicOf(e.Slug, e.Locale)
		case EventFeedback:
			row := []any{id, e.Slug, e.Locale, at, *e.Helpful, e.Comment}
			if i, ok := feedbackAt[e.Slug]; ok {
				rows.Feedback[i] = row
			} else {
				feedbackAt[e.Slug] = len(rows.Feedback)
				rows.Feedback = append(rows.Feedback, row)
			}
		case EventEscalate:
			outcome = "escalated"
			if e.ConversationID != 0 {
				conv = e.ConversationID
			}
		}
	}
	for _, s := range shownOrder {
		rows.Shown = append(rows.Shown, []any{id, s.slug, s.locale, s.at, s.rank, s.opened})
	}
	rows.Session = []any{id, "web:" + first.Session, first.At.Unix(), outcome, cust, nil, "article", topic, article, int64(0),
		first.Channel, events[len(events)-1].At.Unix(), query, conv}
	return rows
}
