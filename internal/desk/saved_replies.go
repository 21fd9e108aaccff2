package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Saved replies (docs/desk.md#saved-replies): texts agents reuse, with
// {{variables}} filled from the conversation's customer and order. Admins
// write them; agents use them.

// SavedReply is one saved reply.
type SavedReply struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updated_at"`
}

// The variables a saved reply may use, each with the marker a reply shows
// when the conversation does not tell its value: the agent sees the gap
// and fills it, rather than sending an empty space.
var replyVariables = []struct{ name, marker string }{
	{"first_name", "[first name unknown]"},
	{"order_number", "[order number unknown]"},
	{"order_status", "[order status unknown]"},
	{"tracking_link", "[tracking link unknown]"},
	{"return_deadline", "[return deadline unknown]"},
}

// ReplyVariables lists the variables' names.
func ReplyVariables() []string {
	out := make([]string, len(replyVariables))
	for i, v := range replyVariables {
		out[i] = v.name
	}
	return out
}

// Limits of a saved reply.
const (
	MaxReplyNameChars = 100
	MaxReplyBodyChars = 20000
)

var variableRef = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// CheckReplyVariables refuses a text that uses a variable that does not
// exist, naming it.
func CheckReplyVariables(text string) error {
	for _, m := range variableRef.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(ReplyVariables(), m[1]) {
			return invalidField("text", fmt.Sprintf("{{%s}} is not a variable: use %s", m[1], "{{"+strings.Join(ReplyVariables(), "}}, {{")+"}}"))
		}
	}
	return nil
}

// UnfilledMarkers lists the markers of missing values a text still
// carries ("[order number unknown]"): a reply with one is not sent.
func UnfilledMarkers(text string) []string {
	var out []string
	for _, v := range replyVariables {
		if strings.Contains(text, v.marker) {
			out = append(out, v.marker)
		}
	}
	return out
}

// SavedReplies lists the saved replies by name.
func SavedReplies(ctx context.Context, q Querier) ([]SavedReply, error) {
	out := []SavedReply{}
	err := eachRow(ctx, q, `SELECT id, name, body, updated_at FROM saved_replies ORDER BY name, id`, nil, func(rows *sql.Rows) error {
		var r SavedReply
		var at int64
		if err := rows.Scan(&r.ID, &r.Name, &r.Body, &at); err != nil {
			return err
		}
		r.UpdatedAt = time.Unix(at, 0).UTC()
		out = append(out, r)
		return nil
	})
	return out, err
}

// GetSavedReply returns one saved reply.
func GetSavedReply(ctx context.Context, q Querier, id int64) (SavedReply, error) {
	r := SavedReply{ID: id}
	var at int64
	err := q.QueryRow(ctx, `SELECT name, body, updated_at FROM saved_replies WHERE id = ?`, id).Scan(&r.Name, &r.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.Errorf(domain.ENotFound, "saved reply %d does not exist", id)
	}
	r.UpdatedAt = time.Unix(at, 0).UTC()
	return r, err
}

// SaveReply creates a saved reply, or changes the one with r.ID (or, with
// no ID, the one of the same name). The same text saved again changes
// nothing. created reports a new one.
func SaveReply(ctx context.Context, tx *store.Tx, r SavedReply, now time.Time) (saved SavedReply, created bool, err error) {
	r.Name = strings.TrimSpace(r.Name)
	r.Body = strings.TrimSpace(strings.ReplaceAll(r.Body, "\r\n", "\n"))
	var p domain.Problems
	p.Require("name", r.Name)
	p.Require("body", r.Body)
	if len([]rune(r.Name)) > MaxReplyNameChars {
		p.Add("name", "is at most %d characters", MaxReplyNameChars)
	}
	if len([]rune(r.Body)) > MaxReplyBodyChars {
		p.Add("body", "is at most %d characters", MaxReplyBodyChars)
	}
	if err := CheckReplyVariables(r.Body); err != nil {
		var de *domain.Error
		errors.As(err, &de)
		p.Add("body", "%s", de.Fields[0].Reason)
	}
	if len(p) > 0 {
		return r, false, &domain.Error{Code: domain.EInvalid, Message: "the saved reply was not saved", Fields: p}
	}
	var sameName int64
	err = tx.QueryRow(ctx, `SELECT id FROM saved_replies WHERE name = ?`, r.Name).Scan(&sameName)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, false, err
	}
	if r.ID == 0 {
		r.ID = sameName
	} else if sameName != 0 && sameName != r.ID {
		return r, false, &domain.Error{Code: domain.EConflict, Message: "the saved reply was not saved",
			Fields: []domain.FieldError{{Field: "name", Reason: fmt.Sprintf("another saved reply is called %q", r.Name)}}}
	}
	if r.ID == 0 {
		if err := tx.QueryRow(ctx, `INSERT INTO saved_replies (name, body, updated_at) VALUES (?, ?, ?) RETURNING id`, r.Name, r.Body, now.Unix()).Scan(&r.ID); err != nil {
			return r, false, err
		}
		r.UpdatedAt = now.UTC().Truncate(time.Second)
		return r, true, nil
	}
	old, err := GetSavedReply(ctx, tx, r.ID)
	if err != nil {
		return r, false, err
	}
	if old.Name == r.Name && old.Body == r.Body {
		return old, false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE saved_replies SET name = ?, body = ?, updated_at = ? WHERE id = ?`, r.Name, r.Body, now.Unix(), r.ID); err != nil {
		return r, false, err
	}
	r.UpdatedAt = now.UTC().Truncate(time.Second)
	return r, false, nil
}

// DeleteSavedReply deletes one saved reply.
func DeleteSavedReply(ctx context.Context, tx *store.Tx, id int64) error {
	res, err := tx.Exec(ctx, `DELETE FROM saved_replies WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "saved reply %d does not exist", id)
	}
	return nil
}

// FillReply fills a text's variables from a conversation: the customer's
// first name, and the order of its latest contact (else the customer's
// latest order). A variable without a value becomes its marker and is
// listed in missing; an unknown variable is an error naming it.
func FillReply(ctx context.Context, q Querier, conversationID int64, text string) (filled string, missing []string, err error) {
	if err := CheckReplyVariables(text); err != nil {
		return "", nil, err
	}
	if !variableRef.MatchString(text) {
		return text, nil, nil
	}
	var customerID int64
	var name string
	err = q.QueryRow(ctx, `SELECT c.customer_id, cu.name FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?`, conversationID).Scan(&customerID, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, domain.Errorf(domain.ENotFound, "conversation %d does not exist", conversationID)
	}
	if err != nil {
		return "", nil, err
	}
	values := map[string]string{}
	if first, _, _ := strings.Cut(strings.TrimSpace(name), " "); first != "" {
		values["first_name"] = first
	}
	order, err := replyOrder(ctx, q, conversationID, customerID)
	if err != nil {
		return "", nil, err
	}
	if order != nil {
		values["order_number"] = order.Number
		values["order_status"] = order.Status
		values["tracking_link"] = order.TrackingURL
		window := DefaultReturnWindowDays
		if v, err := inboxSetting(ctx, q, SettingReturnWindow); err != nil {
			return "", nil, err
		} else if v != "" {
			if d, err := parseReturnWindow(v); err == nil {
				window = d
			}
		}
		from := order.PlacedAt
		if order.Delivered != nil {
			from = *order.Delivered
		}
		loc, err := storeLocation(ctx, q)
		if err != nil {
			return "", nil, err
		}
		values["return_deadline"] = from.In(loc).AddDate(0, 0, window).Format("2 January 2006")
	}
	filled = variableRef.ReplaceAllStringFunc(text, func(ref string) string {
		name := variableRef.FindStringSubmatch(ref)[1]
		if v := values[name]; v != "" {
			return v
		}
		for _, rv := range replyVariables {
			if rv.name == name {
				if !slices.Contains(missing, name) {
					missing = append(missing, name)
				}
				return rv.marker
			}
		}
		return ref
	})
	return filled, missing, nil
}

// replyOrder is the order a reply is about: the one the conversation's
// latest contact is linked to, else the customer's latest order; nil when
// there is none.
func replyOrder(ctx context.Context, q Querier, conversationID, customerID int64) (*PanelOrder, error) {
	var orderID int64
	err := q.QueryRow(ctx, `SELECT order_id FROM contacts WHERE conversation_id = ? AND order_id IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1`, conversationID).Scan(&orderID)
	switch {
	case err == nil:
		return panelOrder(ctx, q, orderID)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	latest, err := OrderPanel(ctx, q, customerID, 1)
	if err != nil || len(latest) == 0 {
		return nil, err
	}
	return &latest[0], nil
}
