package twilio

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Opt-outs. Twilio stops delivering to a number that texted STOP (and
// refuses with error 21610) until it texts START; Quietdesk keeps the same
// list, so an agent learns why before a reply is sent into the void, and no
// request is made that Twilio would refuse.

// ErrorUnsubscribed is Twilio's error for a message to a recipient who
// opted out.
const ErrorUnsubscribed = "21610"

var stopWords = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
var startWords = map[string]bool{"START": true, "UNSTOP": true}

// OptOutKeyword says what an inbound message asks: "stop", "start" or "".
// Like Twilio, only a message that is the keyword alone counts.
func (c Callback) OptOutKeyword() string {
	switch c.OptOutType {
	case "STOP":
		return "stop"
	case "START":
		return "start"
	}
	w := strings.ToUpper(strings.Trim(strings.TrimSpace(c.Body), ".!"))
	switch {
	case stopWords[w]:
		return "stop"
	case startWords[w]:
		return "start"
	}
	return ""
}

// Execer is a *store.DB or *store.Tx.
type Execer interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// RecordOptOut marks address (as Twilio writes it: +15551234567 or
// whatsapp:+15551234567) as opted out, saying why.
func RecordOptOut(ctx context.Context, q Execer, address, reason string, at time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO opt_outs (address, reason, opted_out_at) VALUES (?, ?, ?)
		ON CONFLICT (address) DO UPDATE SET reason = excluded.reason, opted_out_at = excluded.opted_out_at`, address, reason, at.Unix())
	return err
}

// LiftOptOut removes address's opt-out (it texted START).
func LiftOptOut(ctx context.Context, q Execer, address string) error {
	_, err := q.Exec(ctx, `DELETE FROM opt_outs WHERE address = ?`, address)
	return err
}

// OptOut is an address's opt-out.
type OptOut struct {
	Address string
	Reason  string
	At      time.Time
}

// OptedOut returns address's opt-out, or ok false.
func OptedOut(ctx context.Context, q Execer, address string) (o OptOut, ok bool, err error) {
	var at int64
	err = q.QueryRow(ctx, `SELECT address, reason, opted_out_at FROM opt_outs WHERE address = ?`, address).Scan(&o.Address, &o.Reason, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, err
	}
	o.At = time.Unix(at, 0).UTC()
	return o, true, nil
}
