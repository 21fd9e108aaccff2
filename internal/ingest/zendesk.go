package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The Zendesk ticket export (Admin Center > Reports > Export, CSV): one
// ticket per row, each one imported contact (docs/metrics.md#contacts). docs/formats.md §1.

func init() { RegisterFormat(zendeskFormat) }

var zendeskRequired = []string{"Id", "Created at", "Via"}

var zendeskFormat = &Format{
	Name: "zendesk",
	Kind: Contacts,
	Detect: func(header []string) bool {
		return len(missingColumns(headerIndex(header), zendeskRequired...)) == 0
	},
	Open: func(c *CSV, tp domain.TimeParser) (Source, error) {
		idx := headerIndex(c.Header())
		if missing := missingColumns(idx, zendeskRequired...); len(missing) > 0 {
			return nil, fmt.Errorf("line 1: not a Zendesk tickets export: missing column(s) %s", strings.Join(missing, ", "))
		}
		return &zendeskSource{csv: c, tp: tp, idx: idx, order: orderNumberColumn(c.Header()), seen: firstSeen{}}, nil
	},
}

type zendeskSource struct {
	csv   *CSV
	tp    domain.TimeParser
	idx   map[string]int
	order string // the "Order number [txt]" custom field, when the account has one
	seen  firstSeen
}

func (s *zendeskSource) Header() []string { return s.csv.Header() }

func (s *zendeskSource) Next() (Item, error) {
	rec, err := nextRow(s.csv)
	if err != nil {
		return Item{}, err
	}
	if len(rec.Problems) > 0 {
		return Item{Line: rec.Line, Problems: rec.Problems, Raw: [][]string{rec.Fields}}, nil
	}
	row := exportRow{idx: s.idx, fields: rec.Fields}
	if err := checkDateOrder(s.tp, rec.Line, "Created at", row.Get("Created at")); err != nil {
		return Item{}, err
	}
	r := &reader{row: row, tp: s.tp}
	id := r.str("Id")
	c := &desk.ImportedContact{
		StartedAt: r.when("Created at"),
		Channel:   zendeskChannel(r.str("Via")),
		// Requester id is always filled, even for callers without an email.
		Customer: commerce.CustomerRef{ExternalID: digits(r.str("Requester id")), System: "zendesk",
			Email: strings.ToLower(r.email("Requester email")), Name: r.str("Requester")},
		OrderExternalID: customValue(row, s.order),
		Agent:           r.str("Assignee"),
		Team:            r.str("Group"),
		Subject:         r.str("Subject"),
		Tags:            joinTags(strings.Fields(r.str("Tags"))),
	}
	if !c.StartedAt.IsZero() {
		// The service the ticket got (docs/formats.md §1.4): elapsed
		// calendar minutes from its creation, the time metrics being left
		// empty until reached.
		c.FirstResponseAt = r.after(c.StartedAt, "First reply time in minutes", time.Minute)
		if c.EndedAt = r.after(c.StartedAt, "Full resolution time in minutes", time.Minute); c.EndedAt == nil {
			c.EndedAt = r.optWhen("Solved at")
		}
		c.Replies = r.count("Replies")
		c.Satisfaction = zendeskSatisfaction(r, "Satisfaction Score", ratedAt(c.StartedAt, c.EndedAt))
	}
	if id == "" {
		r.problems.Add("Id", "is empty")
	} else {
		// Prefixed so that Zendesk and Gorgias ticket numbers never collide.
		c.ExternalID = "zendesk-" + id
		s.seen.check(&r.problems, "Id", id, rec.Line)
	}
	problems := r.problems
	if len(problems) == 0 {
		names := contactColumns("Id", "Created at", "Via")
		names["resolved_at"] = "Solved at" // the only end that can come before the start
		problems = renameProblems(c.Validate(), names)
	}
	return Item{Line: rec.Line, Record: c, Problems: problems, Raw: [][]string{rec.Fields}}, nil
}

// nextRow returns the next row that is not blank (spreadsheets leave some).
func nextRow(c *CSV) (Record, error) {
	for {
		rec, err := c.Read()
		if err != nil || !rec.Empty() {
			return rec, err
		}
	}
}

// zendeskVia maps Zendesk's "Via" labels, lower-cased, to our channels.
// Forms are written and asynchronous, so they count as email. Anything
// else, such as "Closed Ticket" follow-ups whose first channel the row
// does not say, is "other". docs/formats.md §1.3.
var zendeskVia = map[string]string{
	"mail": "email", "email": "email", "web form": "email", "web widget": "email", "mobile sdk": "email",
	"chat": "chat", "native messaging": "chat", "messaging": "chat",
	"voicemail": "voice", "phone call (inbound)": "voice", "phone call (outbound)": "voice",
	"cti phone call (inbound)": "voice", "cti phone call (outbound)": "voice", "cti voicemail": "voice",
	"text": "sms", "sms": "sms",
	"twitter": "social", "twitter dm": "social", "twitter like": "social", "x": "social", "x dm": "social",
	"facebook post": "social", "facebook private message": "social", "facebook messenger": "social",
	"instagram dm": "social", "whatsapp": "social", "line": "social", "wechat": "social",
}

func zendeskChannel(via string) string {
	if ch, ok := zendeskVia[strings.ToLower(strings.TrimSpace(via))]; ok {
		return ch
	}
	return "other"
}

// The helpdesk connections (internal/zendesk, internal/gorgias) read the
// same tickets from the tools' APIs, and map them by the export's rules
// so that a ticket imported from a file and later synced is one contact
// with the same fields.

// ZendeskChannel maps a Zendesk "via" label to our channel (docs/formats.md §1.3).
func ZendeskChannel(via string) string { return zendeskChannel(via) }

// ZendeskRating maps a ticket's satisfaction score as the API writes it
// (good, bad, offered, unoffered) the way the export's Satisfaction Score
// is mapped; at is when it is taken to be given. A score keeps comment.
func ZendeskRating(score, comment string, at time.Time) (*desk.ImportedSatisfaction, error) {
	r := &reader{row: exportRow{idx: map[string]int{"satisfaction_rating.score": 0}, fields: []string{score}}}
	s := zendeskSatisfaction(r, "satisfaction_rating.score", at)
	if len(r.problems) > 0 {
		return nil, r.problems[0]
	}
	if s != nil && s.Score != 0 {
		s.Comment = strings.TrimSpace(comment)
	}
	return s, nil
}

// JoinTags stores tags one way whatever the tool: "a, b".
func JoinTags(tags []string) string { return joinTags(tags) }

// IsOrderNumberField says whether a ticket field's title names the order
// number, as the exports' "Order number [txt]" column does.
func IsOrderNumberField(title string) bool { return orderNumberColumn([]string{title}) != "" }

// RatedAt is when a ticket's rating is taken to be given when the tool
// does not say: its resolution, else its creation.
func RatedAt(start time.Time, ended *time.Time) time.Time { return ratedAt(start, ended) }

// RemoveImportedContacts removes the imported contacts with these external
// ids (tickets deleted in their helpdesk) and their imported ratings, and
// refreshes their customers' repeat flags. A contact of Quietdesk's own
// desk is never removed. It returns how many it removed.
func RemoveImportedContacts(ctx context.Context, tx *store.Tx, externalIDs []string) (int64, error) {
	var removed int64
	var customers []int64
	for _, id := range externalIDs {
		var contactID int64
		var customerID sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT id, customer_id FROM contacts WHERE external_id = ? AND source = 'imported'`, id).Scan(&contactID, &customerID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return removed, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM csat WHERE contact_id = ?`, contactID); err != nil {
			return removed, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = ?`, contactID); err != nil {
			return removed, err
		}
		removed++
		if customerID.Valid {
			customers = append(customers, customerID.Int64)
		}
	}
	if len(customers) > 0 {
		return removed, desk.RefreshRepeats(ctx, tx, customers)
	}
	return removed, nil
}
