package chat

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/live"
	"quietdesk/internal/store"
)

// Visitors wakes a visitor's open streams when they start writing in a
// conversation their stream did not follow yet.
var Visitors = live.NewBus()

// Limits of what a visitor sends.
const (
	MaxText      = 5000
	MaxFileBytes = 10 << 20
	// pageSize is how many messages a stream sends at most at once.
	pageSize = 50
)

// FileTypes are the attachments the widget takes, by their sniffed type.
var FileTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}

// Item is one message as the widget shows it.
type Item struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	Mine           bool      `json:"mine"` // the visitor's own
	From           string    `json:"from"`
	Text           string    `json:"text"`
	Channel        string    `json:"channel"`
	At             time.Time `json:"at"`
	Files          []File    `json:"files"`
}

// File is an attachment, named (its content is for agents).
type File struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	Data []byte `json:"-"`
}

// Messages lists what the visitor may read after message id after, oldest
// first, at most a page (the latest ones when there are more). An
// anonymous visitor sees only the chat in their conversations: mail that
// lands there came from an address, not from this browser.
func Messages(ctx context.Context, q desk.Querier, v *Visitor, after int64) ([]Item, error) {
	convs, err := Conversations(ctx, q, v)
	if err != nil || len(convs) == 0 {
		return []Item{}, err
	}
	channel := ""
	if !v.Identified() {
		channel = " AND channel = 'chat'"
	}
	rows, err := q.Query(ctx, `SELECT id, conversation_id, author, agent, body, channel, at FROM messages
		WHERE conversation_id IN (`+store.Placeholders(len(convs))+`) AND id > ? AND kind = 'message' AND author IN ('customer', 'agent', 'proactive')`+channel+`
		ORDER BY id DESC LIMIT ?`, append(store.Args(convs), after, pageSize)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var author, agent string
		var at int64
		if err := rows.Scan(&it.ID, &it.ConversationID, &author, &agent, &it.Text, &it.Channel, &at); err != nil {
			return nil, err
		}
		it.At, it.Mine, it.Files = time.Unix(at, 0).UTC(), author == "customer", []File{}
		switch {
		case it.Mine:
			it.From = "You"
		case agent != "":
			it.From = firstName(agent)
		default:
			it.From = "Support"
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	slices.Reverse(out)
	byID := map[int64]*Item{}
	msgIDs := make([]int64, len(out))
	for i := range out {
		byID[out[i].ID], msgIDs[i] = &out[i], out[i].ID
	}
	frows, err := q.Query(ctx, `SELECT message_id, name, content_type, size FROM attachments WHERE message_id IN (`+store.Placeholders(len(msgIDs))+`) ORDER BY id`, store.Args(msgIDs)...)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var id int64
		var f File
		if err := frows.Scan(&id, &f.Name, &f.Type, &f.Size); err != nil {
			return nil, err
		}
		byID[id].Files = append(byID[id].Files, f)
	}
	return out, frows.Err()
}

// Post is what a visitor sends.
type Post struct {
	// ClientID names the message in the widget, so that sending it again
	// (a retry after a lost answer) stores it once.
	ClientID string
	Text     string
	File     *File
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// Check validates a post, naming each bad field.
func (p *Post) Check() error {
	var pr domain.Problems
	p.Text = strings.TrimSpace(p.Text)
	if !clientIDPattern.MatchString(p.ClientID) {
		pr.Add("client_id", "must be 8 to 64 letters, digits, - or _")
	}
	if !utf8.ValidString(p.Text) {
		pr.Add("text", "is not UTF-8")
	} else if n := utf8.RuneCountInString(p.Text); n > MaxText {
		pr.Add("text", "is %d characters; at most %d", n, MaxText)
	}
	if p.Text == "" && p.File == nil {
		pr.Add("text", "is required (or a file)")
	}
	if f := p.File; f != nil {
		f.Type = strings.Split(http.DetectContentType(f.Data), ";")[0]
		switch {
		case len(f.Data) == 0:
			pr.Add("file", "is empty")
		case len(f.Data) > MaxFileBytes:
			pr.Add("file", "is %d bytes; at most %d", len(f.Data), MaxFileBytes)
		case !slices.Contains(FileTypes, f.Type):
			pr.Add("file", "is %s; send an image (PNG, JPEG, GIF, WebP) or a PDF", f.Type)
		}
		f.Name = cleanName(f.Name)
	}
	if len(pr) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "the message was not sent", Fields: pr}
	}
	return nil
}

// Send records the visitor's message as a chat message of the desk (the
// contact rules decide whether it starts a contact) with its file, and
// remembers the conversation as the visitor's. Sending the same ClientID
// again changes nothing and answers the stored message.
func Send(ctx context.Context, db *store.DB, v *Visitor, p Post, now time.Time) (desk.Recorded, error) {
	if err := p.Check(); err != nil {
		return desk.Recorded{}, err
	}
	var rec desk.Recorded
	newLink := false
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		newLink = false
		m := desk.Message{ExternalID: "chat:" + v.PublicID + ":" + p.ClientID, Channel: "chat", Author: "customer", Body: p.Text, At: now, Received: now}
		email := v.Email
		if v.Identified() {
			m.Customer = v.Identity.Customer()
			if m.Customer.Email == "" {
				m.Customer.Email = email // given in the widget
			}
			email = commerce.NormalizeEmail(m.Customer.Email)
			m.FromAddr = email
		} else {
			m.Customer = v.anonymousRef()
			m.Customer.Email, m.FromAddr = email, email
			// The conversation this browser is in, while it is not closed:
			// the customer's other conversations are not this visitor's.
			var state string
			err := tx.QueryRow(ctx, `SELECT c.id, c.state FROM chat_links l JOIN conversations c ON c.id = l.conversation_id
				WHERE l.visitor_id = ? AND l.identified = ? ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1`, v.ID, false).Scan(&m.ConversationID, &state)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if state == "closed" {
				m.ConversationID = 0
			}
		}
		// One chat session while messages keep coming; a new one after
		// the idle time that ends a chat contact.
		session := v.SessionID
		if session == "" || now.Sub(v.SessionAt) > desk.ChatIdle {
			session = "s" + random(9)
		}
		m.SessionID = session
		var err error
		rec, err = desk.RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), m)
		if err != nil || rec.Duplicate {
			return err
		}
		if p.File != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO attachments (message_id, name, content_type, size, content) VALUES (?, ?, ?, ?, ?)`,
				rec.MessageID, p.File.Name, p.File.Type, len(p.File.Data), p.File.Data); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `INSERT INTO chat_links (visitor_id, conversation_id, identified) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			v.ID, rec.ConversationID, v.Identified())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			newLink = true
		}
		if _, err := tx.Exec(ctx, `INSERT INTO chat_conversations (conversation_id, email) VALUES (?, ?)
			ON CONFLICT (conversation_id) DO UPDATE SET typing_until = 0, email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE chat_conversations.email END`,
			rec.ConversationID, email); err != nil {
			return err
		}
		customer := any(nil)
		if !v.Identified() {
			customer = conversationCustomer(ctx, tx, rec.ConversationID)
		}
		_, err = tx.Exec(ctx, `UPDATE chat_visitors SET session_id = ?, session_at = ?, customer_id = COALESCE(?, customer_id) WHERE id = ?`,
			session, now.Unix(), customer, v.ID)
		return err
	})
	if err == nil && newLink {
		Visitors.Publish(v.ID)
	}
	return rec, err
}

func conversationCustomer(ctx context.Context, tx *store.Tx, id int64) any {
	var c int64
	if err := tx.QueryRow(ctx, `SELECT customer_id FROM conversations WHERE id = ?`, id).Scan(&c); err != nil {
		return nil
	}
	return c
}

// latest is the visitor's most recent conversation, 0 when none.
func latest(ctx context.Context, q desk.Querier, v *Visitor) (int64, error) {
	convs, err := Conversations(ctx, q, v)
	if err != nil || len(convs) == 0 {
		return 0, err
	}
	return convs[0], nil
}

// typingFor is how long a visitor's keystroke counts as typing; the widget
// says so again every few seconds while they type.
const typingFor = 8 * time.Second

// Typing records that the visitor is typing in their latest conversation.
func Typing(ctx context.Context, db *store.DB, v *Visitor, now time.Time) error {
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		conv, err := latest(ctx, tx, v)
		if err != nil || conv == 0 {
			return err // typing before the first message: nobody to tell
		}
		_, err = tx.Exec(ctx, `INSERT INTO chat_conversations (conversation_id, typing_until) VALUES (?, ?)
			ON CONFLICT (conversation_id) DO UPDATE SET typing_until = excluded.typing_until`, conv, now.Add(typingFor).Unix())
		return err
	})
}

// Seen records that an open widget showed the visitor the messages of a
// conversation up to messageID: replies up to it are not mailed.
func Seen(ctx context.Context, db *store.DB, v *Visitor, messageID int64) error {
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		var conv int64
		err := tx.QueryRow(ctx, `SELECT conversation_id FROM messages WHERE id = ?`, messageID).Scan(&conv)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "there is no message %d", messageID)
		}
		if err != nil {
			return err
		}
		ok, err := CanRead(ctx, tx, v, conv)
		if err != nil {
			return err
		}
		if !ok {
			// The same answer as for a message that does not exist: a
			// visitor learns nothing of others' conversations.
			return domain.Errorf(domain.ENotFound, "there is no message %d", messageID)
		}
		_, err = tx.Exec(ctx, `INSERT INTO chat_conversations (conversation_id, seen_through) VALUES (?, ?)
			ON CONFLICT (conversation_id) DO UPDATE SET seen_through = CASE WHEN chat_conversations.seen_through > excluded.seen_through THEN chat_conversations.seen_through ELSE excluded.seen_through END`,
			conv, messageID)
		return err
	})
}

// GiveEmail keeps the address a visitor gave so replies they miss reach
// them, and adds it to their customer, so that their answer by mail is
// theirs and continues the conversation (docs/chat.md#privacy: it is not
// verified, like any mail's sender).
func GiveEmail(ctx context.Context, db *store.DB, v *Visitor, email string, now time.Time) error {
	email = commerce.NormalizeEmail(email)
	if !validEmail(email) {
		return &domain.Error{Code: domain.EInvalid, Message: "the email was not saved", Fields: domain.Problems{{Field: "email", Reason: "is not an address like ann@example.com"}}}
	}
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE chat_visitors SET email = ? WHERE id = ?`, email, v.ID); err != nil {
			return err
		}
		if v.Identified() || v.CustomerID == 0 {
			return nil // the first message takes it along (Send)
		}
		ref := v.anonymousRef()
		ref.Email = email
		if _, err := commerce.NewCustomers(clock.Fixed(now)).Resolve(ctx, tx, ref); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE chat_conversations SET email = ? WHERE conversation_id IN (SELECT conversation_id FROM chat_links WHERE visitor_id = ? AND identified = ?)`,
			email, v.ID, false)
		return err
	})
}

var emailPattern = regexp.MustCompile(`^[^@\s<>"(),;:]+@[^@\s<>"(),;:]+\.[^@\s<>"(),;:]+$`)

func validEmail(s string) bool { return len(s) <= 254 && emailPattern.MatchString(s) }

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return "Support"
}

func cleanName(name string) string {
	name = strings.TrimSpace(name[strings.LastIndexAny(name, `/\`)+1:])
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	if name == "" {
		return "file"
	}
	return name
}
