package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// Customer satisfaction (docs/metrics.md#satisfaction): when a
// conversation closes, its latest contact gets one question, "how did we
// do?", answered 1 to 5 through a link that needs no login. Only the
// link's hash is stored, as for sessions and share links: the database
// alone cannot answer for anyone.

// How long a survey link takes answers: the first for SurveyOpenFor
// after it was asked (the experience is stale after), and a change of
// mind for AnswerChangeFor after the first answer.
const (
	SurveyOpenFor   = 28 * 24 * time.Hour
	AnswerChangeFor = 7 * 24 * time.Hour
)

// MaxSurveyComment bounds the comment a customer leaves with a score.
const MaxSurveyComment = 2000

// Survey is one satisfaction question, asked or answered.
type Survey struct {
	ID             int64
	ConversationID int64
	ContactID      int64
	Channel        string
	Subject        string // the conversation's, to remind the customer what it was about
	AskedAt        time.Time
	Score          int // 1..5; 0 until answered
	Comment        string
	AnsweredAt     time.Time // zero until answered: the first answer's time
}

// Answered reports whether the customer has given a score.
func (s Survey) Answered() bool { return s.Score > 0 }

// Changeable reports whether an answer given now is taken: the survey is
// open for a first answer, or the first answer is recent enough to change.
func (s Survey) Changeable(now time.Time) bool {
	if s.Answered() {
		return now.Before(s.AnsweredAt.Add(AnswerChangeFor))
	}
	return now.Before(s.AskedAt.Add(SurveyOpenFor))
}

// surveyTokenHash is what is stored of a survey token.
func surveyTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AskSatisfaction asks the customer of a conversation how it went: one
// survey for its latest contact, with a fresh link (siteURL + /csat/TOKEN;
// a path alone when siteURL is empty). For an email contact the question
// is mailed to the customer through the outbox, in the same transaction.
// A contact is asked once: closing its conversation again returns "" and
// changes nothing, as does a conversation without a contact.
func AskSatisfaction(ctx context.Context, tx *store.Tx, conversationID int64, now time.Time, siteURL string) (link string, err error) {
	var contactID, customerID int64
	var channel, agent, topic, subject string
	err = tx.QueryRow(ctx, `SELECT c.id, v.customer_id, c.channel, c.agent, c.topic, v.subject FROM contacts c JOIN conversations v ON v.id = c.conversation_id
		WHERE c.conversation_id = ? ORDER BY c.started_at DESC, c.id DESC LIMIT 1`, conversationID).Scan(&contactID, &customerID, &channel, &agent, &topic, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE id = ?`, conversationID).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return "", domain.Errorf(domain.ENotFound, "conversation %d does not exist", conversationID)
		}
		return "", nil // nothing the customer started: nothing to rate
	}
	if err != nil {
		return "", err
	}
	token := rand.Text()
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO csat (conversation_id, contact_id, token_hash, channel, agent, topic, asked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO NOTHING RETURNING id`,
		conversationID, contactID, surveyTokenHash(token), channel, agent, topic, now.Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil // asked already
	}
	if err != nil {
		return "", fmt.Errorf("ask conversation %d for satisfaction: %w", conversationID, err)
	}
	link = strings.TrimRight(siteURL, "/") + "/csat/" + token
	if channel != "email" || siteURL == "" {
		// Chat shows the link as a prompt; a mail needs a link that works
		// outside the site, so without site.url none is sent.
		return link, nil
	}
	to, err := surveyAddress(ctx, tx, conversationID, customerID)
	if err != nil || to == "" {
		return link, err
	}
	_, _, err = notify.Enqueue(ctx, tx, surveyMail(id, to, subject, link), now)
	return link, err
}

// surveyAddress is where the customer writes from: the sender of their
// latest message in the conversation, else an email the customer is
// known by.
func surveyAddress(ctx context.Context, tx *store.Tx, conversationID, customerID int64) (string, error) {
	var from string
	err := tx.QueryRow(ctx, `SELECT from_addr FROM messages WHERE conversation_id = ? AND direction = 'in' AND from_addr <> '' ORDER BY at DESC, id DESC LIMIT 1`, conversationID).Scan(&from)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if a, perr := mail.ParseAddress(from); from != "" && perr == nil {
		return a.Address, nil
	}
	var email string
	err = tx.QueryRow(ctx, `SELECT value FROM customer_identities WHERE customer_id = ? AND kind = 'email' ORDER BY value LIMIT 1`, customerID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return email, err
}

// surveyMail is the question as a mail. The subject of the conversation
// is the customer's own text: escaped in the HTML part.
func surveyMail(id int64, to, subject, link string) notify.Delivery {
	about := "your recent conversation with us"
	if s := strings.TrimSpace(subject); s != "" {
		about = fmt.Sprintf("your conversation \"%s\"", s)
	}
	text := fmt.Sprintf("How did we do with %s?\n\nOne click tells us, from 1 (poor) to 5 (great):\n%s\n\nThank you.\n", about, link)
	body := fmt.Sprintf(`<p>How did we do with %s?</p><p><a href="%s">Rate our help, from 1 (poor) to 5 (great)</a></p><p>Thank you.</p>`,
		html.EscapeString(about), html.EscapeString(link))
	return notify.Delivery{Key: fmt.Sprintf("csat:%d", id), Channel: notify.ChannelEmail, Target: to, Subject: "How did we do?", Text: text, HTML: body}
}

// LookupSatisfaction reads the survey a link's token names; ENotFound for
// a token that names none.
func LookupSatisfaction(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}, token string) (Survey, error) {
	var s Survey
	var conv, contact, answered, score sql.NullInt64
	var subject sql.NullString
	var asked int64
	err := q.QueryRow(ctx, `SELECT s.id, s.conversation_id, s.contact_id, s.channel, v.subject, s.asked_at, s.score, s.comment, s.answered_at
		FROM csat s LEFT JOIN conversations v ON v.id = s.conversation_id WHERE s.token_hash = ?`, surveyTokenHash(token)).
		Scan(&s.ID, &conv, &contact, &s.Channel, &subject, &asked, &score, &s.Comment, &answered)
	if errors.Is(err, sql.ErrNoRows) || token == "" {
		return s, domain.Errorf(domain.ENotFound, "this survey link is not known: it may have been mistyped")
	}
	if err != nil {
		return s, err
	}
	s.ConversationID, s.ContactID, s.Subject, s.Score = conv.Int64, contact.Int64, subject.String, int(score.Int64)
	s.AskedAt = time.Unix(asked, 0)
	if answered.Valid {
		s.AnsweredAt = time.Unix(answered.Int64, 0)
	}
	return s, nil
}

// AnswerSatisfaction records a customer's score (1..5) and comment for
// the survey token names. A second answer replaces the first within
// AnswerChangeFor of it, and is refused after; the week it counts in
// stays the first answer's. The same answer again changes nothing.
func AnswerSatisfaction(ctx context.Context, tx *store.Tx, token string, score int, comment string, now time.Time) (Survey, error) {
	comment = strings.TrimSpace(comment)
	var p domain.Problems
	if score < 1 || score > 5 {
		p.Add("score", "must be a whole number from 1 to 5 (got %d)", score)
	}
	if n := utf8.RuneCountInString(comment); n > MaxSurveyComment {
		p.Add("comment", "is %d characters long: at most %d, please", n, MaxSurveyComment)
	}
	if !utf8.ValidString(comment) {
		p.Add("comment", "is not valid text")
	}
	if len(p) > 0 {
		return Survey{}, &domain.Error{Code: domain.EInvalid, Message: "bad satisfaction answer", Fields: p}
	}
	s, err := LookupSatisfaction(ctx, tx, token)
	if err != nil {
		return s, err
	}
	if s.Answered() && s.Score == score && s.Comment == comment {
		return s, nil
	}
	if !s.Changeable(now) {
		if s.Answered() {
			return s, domain.Errorf(domain.EConflict, "this survey was answered on %s: an answer can be changed for %d days only", s.AnsweredAt.UTC().Format("2 January 2006"), int(AnswerChangeFor.Hours()/24))
		}
		return s, domain.Errorf(domain.EConflict, "this survey closed %d days after it was sent", int(SurveyOpenFor.Hours()/24))
	}
	if !s.Answered() {
		s.AnsweredAt = now
	}
	_, err = tx.Exec(ctx, `UPDATE csat SET score = ?, comment = ?, answered_at = ? WHERE id = ?`, score, comment, s.AnsweredAt.Unix(), s.ID)
	s.Score, s.Comment = score, comment
	return s, err
}

// ImportedSatisfaction is the rating another helpdesk's export carries
// for a ticket (docs/formats.md): a survey asked and, with a score,
// answered.
type ImportedSatisfaction struct {
	Score   int // 1..5; 0 when the survey was offered and not answered
	Comment string
	// At is when it was asked and answered. Exports do not say, so the
	// importer gives the ticket's resolution time, else its creation.
	At time.Time
}

// satisfactionValues are a survey row's values for an imported contact,
// from contact_id on (ImportedSatisfactionColumns).
func satisfactionValues(contactID int64, c *ImportedContact, topic string) []any {
	s := c.Satisfaction
	var score, answered any
	if s.Score > 0 {
		score, answered = s.Score, s.At.Unix()
	}
	return []any{contactID, c.ExternalID, c.Channel, c.Agent, topic, s.At.Unix(), score, s.Comment, answered}
}

// upsertImportedSatisfaction stores the rating an imported contact
// carries, keyed like the contact, or removes the one a previous import
// stored when the export no longer has it.
func upsertImportedSatisfaction(ctx context.Context, tx *store.Tx, contactID int64, c *ImportedContact, topic string, existed bool) error {
	if c.Satisfaction == nil {
		if !existed {
			return nil
		}
		_, err := tx.Exec(ctx, `DELETE FROM csat WHERE contact_id = ? AND token_hash IS NULL`, contactID)
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO csat (contact_id, external_id, channel, agent, topic, asked_at, score, comment, answered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (external_id) DO UPDATE SET contact_id = excluded.contact_id, channel = excluded.channel, agent = excluded.agent, topic = excluded.topic,
			asked_at = excluded.asked_at, score = excluded.score, comment = excluded.comment, answered_at = excluded.answered_at`,
		satisfactionValues(contactID, c, topic)...)
	return err
}

// unixOrNil is a time as stored, NULL when there is none.
func unixOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}
