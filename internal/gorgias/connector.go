// Package gorgias connects a brand's Gorgias: every ticket becomes a
// contact on its channel, mapped as the ticket export's import maps it
// (internal/ingest/gorgias.go), backfilled and then kept current by
// reading the tickets in the order they were last updated. See
// docs/helpdesk.md.
package gorgias

import (
	"context"
	"net/url"
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
const Kind = "gorgias"

func init() { connect.Register(Kind, Connector{}) }

// Connector is the Gorgias connector.
type Connector struct{}

// Every: a current Gorgias connection reads what changed every 5 minutes.
func (Connector) Every() time.Duration { return 5 * time.Minute }

// Check validates a Gorgias connection's config (domain, email, optional
// endpoint) and credentials (api_key).
func (Connector) Check(config, creds map[string]string) error {
	if err := connect.CheckAccount(config, "domain", host); err != nil {
		return err
	}
	if err := connect.CheckEmail(config, "the Gorgias user the REST API key belongs to"); err != nil {
		return err
	}
	if err := connect.CheckEndpoint(config, "https://example."+host); err != nil {
		return err
	}
	if strings.TrimSpace(creds["api_key"]) == "" {
		return domain.Errorf(domain.EInvalid, "api_key: required; it is under Settings > REST API in Gorgias")
	}
	return nil
}

// host is where Gorgias accounts live: https://DOMAIN.gorgias.com.
const host = "gorgias.com"

func base(config map[string]string) string { return connect.BaseURL(config, "domain", host) }

const phaseTickets = "tickets"

// Step reads one page of tickets, oldest update first, and stores it with
// where the sync reached. The cursor kept is the one that asks for the
// page after the last stored one; on the last page (no next_cursor) it is
// the one that asked for that page: asking with it again later returns
// that page and every ticket updated since, as updated tickets move to
// the end of the order. Reading that page twice changes nothing.
func (Connector) Step(ctx context.Context, s *connect.Session) (bool, error) {
	q := url.Values{"limit": {"100"}, "order_by": {"updated_datetime:asc"}}
	if s.Conn.Cursor != "" {
		q.Set("cursor", s.Conn.Cursor)
	}
	var p page
	if err := get(ctx, s, base(s.Conn.Config)+"/api/tickets?"+q.Encode(), &p); err != nil {
		return false, err
	}
	if p.Data == nil || p.Meta == nil {
		return false, connect.Stop("Gorgias sent a tickets page without data or meta: nothing of it was stored; `quietdesk connections resume %s` tries it again", s.Conn.Name)
	}
	keep, gone, err := p.contacts()
	if err != nil {
		return false, connect.Stop("Gorgias sent a page that cannot be read (%v): nothing of it was stored; `quietdesk connections resume %s` tries it again", err, s.Conn.Name)
	}
	cp := connect.Checkpoint{Phase: phaseTickets, Cursor: s.Conn.Cursor, Total: -1}
	last := p.Meta.NextCursor == nil || *p.Meta.NextCursor == ""
	if last {
		cp.Backfilled = true
	} else {
		cp.Cursor = *p.Meta.NextCursor
	}
	if err := write(ctx, s, cp, keep, gone); err != nil {
		return false, err
	}
	return last, nil
}

// write stores a page's contacts through the contacts import's writer
// (the one the CSV import and POST /api/v1/contacts use) and removes the
// contacts of trashed tickets, with the checkpoint, in one transaction.
func write(ctx context.Context, s *connect.Session, cp connect.Checkpoint, keep []*desk.ImportedContact, gone []string) error {
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
		removed, err := ingest.RemoveImportedContacts(ctx, tx, gone)
		return stored + removed, err
	})
}
