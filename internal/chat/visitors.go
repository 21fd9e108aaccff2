package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Visitor is one browser that opened the widget: anonymous, or carrying
// an identity the brand's server signed.
type Visitor struct {
	ID         int64
	PublicID   string // the visitor's name on the desk: their anonymous customer's external id
	CustomerID int64  // the anonymous customer their messages are recorded under; 0 before the first
	Email      string // given in the widget
	SessionID  string
	SessionAt  time.Time
	// Token is set on a visitor just created: the widget keeps it and
	// sends it back (only its hash is stored).
	Token string
	// Identity is set when the request carried a valid identity token.
	Identity *Identity
}

// Identified reports whether the brand's server vouched for the visitor.
func (v *Visitor) Identified() bool { return v.Identity != nil }

// NewVisitor creates an anonymous visitor, with its Token.
func NewVisitor(ctx context.Context, tx *store.Tx, now time.Time) (Visitor, error) {
	v := Visitor{PublicID: "v" + random(9), Token: "qv_" + random(24)}
	err := tx.QueryRow(ctx, `INSERT INTO chat_visitors (token_hash, public_id, created_at) VALUES (?, ?, ?) RETURNING id`,
		hashToken(v.Token), v.PublicID, now.Unix()).Scan(&v.ID)
	return v, err
}

// LookupVisitor finds the visitor of a token. An unknown token is
// unauthorized: the widget then asks for a new visitor.
func LookupVisitor(ctx context.Context, q desk.Querier, token string) (Visitor, error) {
	var v Visitor
	if !strings.HasPrefix(token, "qv_") || len(token) > 100 {
		return v, domain.Errorf(domain.EUnauthorized, "send the visitor token from POST /chat/session in the X-Quietdesk-Visitor header")
	}
	var sessionAt int64
	err := q.QueryRow(ctx, `SELECT id, public_id, COALESCE(customer_id, 0), email, session_id, session_at FROM chat_visitors WHERE token_hash = ?`, hashToken(token)).
		Scan(&v.ID, &v.PublicID, &v.CustomerID, &v.Email, &v.SessionID, &sessionAt)
	if errors.Is(err, sql.ErrNoRows) {
		return v, domain.Errorf(domain.EUnauthorized, "unknown visitor token: start again with POST /chat/session")
	}
	v.SessionAt = time.Unix(sessionAt, 0)
	return v, err
}

// anonymousRef is the customer an anonymous visitor's messages are
// recorded under: an identity of kind chat, so the desk can merge it with
// the customer of an email the visitor gives.
func (v *Visitor) anonymousRef() commerce.CustomerRef {
	return commerce.CustomerRef{ExternalID: v.PublicID, System: "chat", Name: "Chat visitor " + v.PublicID}
}

// Conversations lists the conversations the visitor may read, newest
// first: an identified visitor's customer's, or the ones an anonymous
// visitor wrote in from this browser. Nothing else, ever.
func Conversations(ctx context.Context, q desk.Querier, v *Visitor) ([]int64, error) {
	if v.Identified() {
		customers, err := identifiedCustomers(ctx, q, *v.Identity)
		if err != nil || len(customers) == 0 {
			return nil, err
		}
		return ids(ctx, q, `SELECT id FROM conversations WHERE customer_id IN (`+store.Placeholders(len(customers))+`) ORDER BY last_message_at DESC, id DESC LIMIT 20`,
			store.Args(customers)...)
	}
	return ids(ctx, q, `SELECT l.conversation_id FROM chat_links l JOIN conversations c ON c.id = l.conversation_id
		WHERE l.visitor_id = ? AND l.identified = ? ORDER BY c.last_message_at DESC, c.id DESC LIMIT 20`, v.ID, false)
}

// identifiedCustomers finds, without creating any, the customers an
// identity names (the desk merges them on the visitor's first message).
func identifiedCustomers(ctx context.Context, q desk.Querier, id Identity) ([]int64, error) {
	var where []string
	var args []any
	if e := commerce.NormalizeEmail(id.Email); e != "" {
		where, args = append(where, `(kind = 'email' AND value = ?)`), append(args, e)
	}
	if x := strings.TrimSpace(id.ExternalID); x != "" {
		where, args = append(where, `(kind = 'customer' AND value = ?)`), append(args, x)
	}
	return ids(ctx, q, `SELECT DISTINCT customer_id FROM customer_identities WHERE `+strings.Join(where, " OR "), args...)
}

// CanRead reports whether the visitor may read the conversation.
func CanRead(ctx context.Context, q desk.Querier, v *Visitor, conversationID int64) (bool, error) {
	convs, err := Conversations(ctx, q, v)
	for _, c := range convs {
		if c == conversationID {
			return true, err
		}
	}
	return false, err
}

func ids(ctx context.Context, q desk.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails on supported systems
	return base64.RawURLEncoding.EncodeToString(b)
}
