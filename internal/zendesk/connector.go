// Package zendesk connects a brand's Zendesk: every ticket becomes a
// contact on its channel, mapped as the ticket export's import maps it
// (internal/ingest/zendesk.go), backfilled from a start date and then kept
// current with the cursor-based incremental ticket export. See
// docs/helpdesk.md.
package zendesk

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// Kind is the connection kind.
const Kind = "zendesk"

func init() { connect.Register(Kind, Connector{}) }

// Connector is the Zendesk connector.
type Connector struct{}

// Every: a current Zendesk connection reads what changed every 5 minutes
// (the incremental export allows 10 requests a minute).
func (Connector) Every() time.Duration { return 5 * time.Minute }

// SinceLayout is how the start date of the history is written.
const SinceLayout = "2006-01-02"

// Check validates a Zendesk connection's config (subdomain, email, and
// optional since and endpoint) and credentials (api_token).
func (Connector) Check(config, creds map[string]string) error {
	if err := connect.CheckAccount(config, "subdomain", host); err != nil {
		return err
	}
	if err := connect.CheckEmail(config, "the Zendesk agent or admin the API token belongs to"); err != nil {
		return err
	}
	if _, err := time.Parse(SinceLayout, config["since"]); err != nil && config["since"] != "" {
		return domain.Errorf(domain.EInvalid, "since %q: give the first day of the history to read, like 2024-12-01", config["since"])
	}
	if err := connect.CheckEndpoint(config, "https://example."+host); err != nil {
		return err
	}
	if strings.TrimSpace(creds["api_token"]) == "" {
		return domain.Errorf(domain.EInvalid, "api_token: required; make one in Zendesk Admin Center > Apps and integrations > Zendesk API")
	}
	return nil
}

// host is where Zendesk accounts live: https://SUBDOMAIN.zendesk.com.
const host = "zendesk.com"

func base(config map[string]string) string { return connect.BaseURL(config, "subdomain", host) }

// Phases of a Zendesk sync: first the ticket fields are read once to find
// the "Order number" field, then the tickets.
const (
	phaseTickets = "tickets"
)

// state is what the connection's cursor holds: the export's cursor and
// the id of the order number field (0: the account has none).
type state struct {
	cursor     string
	orderField int64
}

func parseState(s string) state {
	v, _ := url.ParseQuery(s)
	id, _ := strconv.ParseInt(v.Get("order_field"), 10, 64)
	return state{cursor: v.Get("cursor"), orderField: id}
}

func (st state) String() string {
	return url.Values{"cursor": {st.cursor}, "order_field": {strconv.FormatInt(st.orderField, 10)}}.Encode()
}

// Step reads one page and stores it with where the sync reached.
func (c Connector) Step(ctx context.Context, s *connect.Session) (bool, error) {
	if s.Conn.Phase != phaseTickets {
		return false, c.fields(ctx, s)
	}
	return c.tickets(ctx, s)
}

type fieldsPage struct {
	TicketFields *[]struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"ticket_fields"`
	NextPage *string `json:"next_page"`
	Links    struct {
		Next *string `json:"next"`
	} `json:"links"`
	Meta struct {
		HasMore bool `json:"has_more"`
	} `json:"meta"`
}

// maxFieldPages bounds the reading of ticket fields (100 a page).
const maxFieldPages = 20

// fields finds the custom field whose title is "Order number", which
// becomes the contacts' order, as the export's "Order number [txt]".
func (Connector) fields(ctx context.Context, s *connect.Session) error {
	st := parseState(s.Conn.Cursor)
	next := base(s.Conn.Config) + "/api/v2/ticket_fields.json?page%5Bsize%5D=100"
	for i := 0; next != "" && i < maxFieldPages; i++ {
		var p fieldsPage
		if err := get(ctx, s, next, &p); err != nil {
			return err
		}
		if p.TicketFields == nil {
			return connect.Stop("Zendesk sent a ticket fields page without ticket_fields: nothing was stored; `quietdesk connections resume %s` tries again", s.Conn.Name)
		}
		for _, f := range *p.TicketFields {
			if st.orderField == 0 && ingest.IsOrderNumberField(f.Title) {
				st.orderField = f.ID
			}
		}
		next = ""
		if p.Links.Next != nil && p.Meta.HasMore {
			next = *p.Links.Next
		} else if p.NextPage != nil {
			next = *p.NextPage
		}
	}
	return s.Commit(ctx, connect.Checkpoint{Phase: phaseTickets, Cursor: st.String(), Total: -1}, nil)
}

func (Connector) tickets(ctx context.Context, s *connect.Session) (bool, error) {
	st := parseState(s.Conn.Cursor)
	q := url.Values{"include": {"users,groups,metric_sets"}}
	if st.cursor == "" {
		// Without a first day, the history starts two years before the
		// connection was made.
		since, err := s.Conn.CreatedAt.AddDate(-2, 0, 0), error(nil)
		if v := s.Conn.Config["since"]; v != "" {
			since, err = time.Parse(SinceLayout, v)
		}
		if err != nil {
			return false, connect.Stop("since %q is not a date: connect again with --since YYYY-MM-DD", s.Conn.Config["since"])
		}
		q.Set("start_time", strconv.FormatInt(since.Unix(), 10))
	} else {
		q.Set("cursor", st.cursor)
	}
	var p page
	if err := get(ctx, s, base(s.Conn.Config)+"/api/v2/incremental/tickets/cursor.json?"+q.Encode(), &p); err != nil {
		return false, err
	}
	if p.Tickets == nil {
		return false, connect.Stop("Zendesk sent an export page without tickets: nothing of it was stored; `quietdesk connections resume %s` tries it again", s.Conn.Name)
	}
	next := st
	if p.AfterCursor != nil && *p.AfterCursor != "" {
		next.cursor = *p.AfterCursor
	}
	if next.cursor == "" {
		return false, connect.Stop("Zendesk sent an export page without after_cursor: nothing of it was stored; `quietdesk connections resume %s` tries it again", s.Conn.Name)
	}
	keep, deleted, err := p.contacts(st.orderField)
	if err != nil {
		return false, connect.Stop("Zendesk sent a page that cannot be read (%v): nothing of it was stored; `quietdesk connections resume %s` tries it again", err, s.Conn.Name)
	}
	if err := write(ctx, s, connect.Checkpoint{Phase: phaseTickets, Cursor: next.String(), Total: -1, Backfilled: p.EndOfStream}, keep, deleted); err != nil {
		return false, err
	}
	return p.EndOfStream, nil
}

// store writes a page's contacts through the contacts import's writer
// (the one the CSV import and POST /api/v1/contacts use) and removes the
// deleted tickets' contacts, with the checkpoint, in one transaction.
func write(ctx context.Context, s *connect.Session, cp connect.Checkpoint, keep []*desk.ImportedContact, deleted []string) error {
	recs := make([]any, len(keep))
	for i, c := range keep {
		recs[i] = c
	}
	if len(recs) > 0 {
		// Topics are worked out outside the transaction, as an import does.
		if err := ingest.PrepareContacts(ctx, s.DB, recs); err != nil {
			return err
		}
	}
	env := ingest.NewEnv(clock.Fixed(s.Now()))
	return s.Commit(ctx, cp, func(tx *store.Tx) (int64, error) {
		var stored int64
		if len(recs) > 0 {
			counts, err := ingest.Contacts.Write(ctx, tx, env, recs)
			if err != nil {
				return 0, err
			}
			stored = int64(counts.Created + counts.Updated)
		}
		removed, err := ingest.RemoveImportedContacts(ctx, tx, deleted)
		return stored + removed, err
	})
}
