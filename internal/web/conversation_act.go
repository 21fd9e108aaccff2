package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// What agents do to a conversation, shared by the API (JSON) and the
// conversation page's forms: each reads its input, acts in one write
// transaction at the clock's now, and returns what the answer needs.

// maxReplyChars bounds a reply's text.
const maxReplyChars = 50000

// conversationIDOf reads the {id} of a conversation route.
func conversationIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.ENotFound, "there is no conversation %q", r.PathValue("id"))
	}
	return id, nil
}

func deskFieldError(message, field, reason string) error {
	return &domain.Error{Code: domain.EInvalid, Message: message, Fields: []domain.FieldError{{Field: field, Reason: reason}}}
}

// actor is who acts, as package desk records it.
func (a deskActor) actor() desk.Actor { return desk.Actor{UserID: a.UserID, Name: a.Name} }

// sendReply fills the reply's variables, refuses a reply that still has a
// gap ("[order number unknown]"), and sends it.
func (s *Server) sendReply(ctx context.Context, a deskActor, id int64, text, then string) (desk.Recorded, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if len([]rune(text)) > maxReplyChars {
		return desk.Recorded{}, deskFieldError("the reply was not sent", "text", fmt.Sprintf("a reply is at most %d characters", maxReplyChars))
	}
	filled, _, err := desk.FillReply(ctx, s.db, id, text)
	if err != nil {
		return desk.Recorded{}, err
	}
	if gaps := desk.UnfilledMarkers(filled); len(gaps) > 0 {
		return desk.Recorded{}, deskFieldError("the reply was not sent", "text",
			"it still says "+strings.Join(gaps, ", ")+": write the value in, or take it out")
	}
	var rec desk.Recorded
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		rec, err = desk.SendReply(ctx, tx, desk.Reply{ConversationID: id, UserID: a.UserID, Agent: a.Name, Text: filled, Then: then, At: s.Now()})
		return err
	})
	return rec, err
}

func (s *Server) addNote(ctx context.Context, a deskActor, id int64, text string) (desk.Note, error) {
	var n desk.Note
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = desk.AddNote(ctx, tx, a.actor(), id, strings.ReplaceAll(text, "\r\n", "\n"), s.Now())
		return err
	})
	if n.Mentioned == nil {
		n.Mentioned = []desk.MentionedUser{}
	}
	return n, err
}

// assignInput is an assignment as it is sent: an agent by id (0: nobody)
// or by email, a team by name ("": none). Absent fields are left as they
// are.
type assignInput struct {
	UserID *int64  `json:"user_id"`
	Email  *string `json:"email"`
	Team   *string `json:"team"`
}

func (s *Server) assignment(ctx context.Context, in assignInput) (desk.Assignment, error) {
	var to desk.Assignment
	switch {
	case in.UserID != nil && in.Email != nil:
		return to, deskFieldError("bad assignment", "email", "name the agent by user_id or by email, not both")
	case in.UserID != nil:
		to.UserID = in.UserID
	case in.Email != nil && strings.TrimSpace(*in.Email) != "":
		id, err := desk.UserByEmail(ctx, s.db, *in.Email)
		if err != nil {
			return to, err
		}
		to.UserID = &id
	case in.Email != nil:
		zero := int64(0)
		to.UserID = &zero
	}
	if in.Team != nil {
		var id int64
		if name := strings.TrimSpace(*in.Team); name != "" {
			var err error
			if id, err = desk.TeamByName(ctx, s.db, name); err != nil {
				return to, err
			}
		}
		to.TeamID = &id
	}
	if to.UserID == nil && to.TeamID == nil {
		return to, deskFieldError("bad assignment", "user_id", "name an agent (user_id or email) or a team")
	}
	return to, nil
}

func (s *Server) assign(ctx context.Context, a deskActor, id int64, in assignInput) (bool, error) {
	to, err := s.assignment(ctx, in)
	if err != nil {
		return false, err
	}
	var changed bool
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		changed, err = desk.Assign(ctx, tx, a.actor(), id, to, s.Now())
		return err
	})
	return changed, err
}

// stateInput is a change of state and/or snooze: snooze_until is an RFC
// 3339 time, or a date (the start of that day in the store's time zone);
// "" wakes a snoozed conversation.
type stateInput struct {
	State       *string `json:"state"`
	SnoozeUntil *string `json:"snooze_until"`
}

func (s *Server) setState(ctx context.Context, a deskActor, id int64, in stateInput) (bool, error) {
	if in.State == nil && in.SnoozeUntil == nil {
		return false, deskFieldError("nothing to change", "state", "send a state (open, waiting, closed) or snooze_until")
	}
	var until time.Time
	if in.SnoozeUntil != nil && strings.TrimSpace(*in.SnoozeUntil) != "" {
		var err error
		if until, err = s.snoozeTime(ctx, *in.SnoozeUntil); err != nil {
			return false, err
		}
	}
	var changed bool
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		now := s.Now()
		if in.State != nil {
			c, err := desk.SetState(ctx, tx, a.actor(), id, *in.State, now)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		if in.SnoozeUntil != nil {
			c, err := desk.Snooze(ctx, tx, a.actor(), id, until, now)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		return nil
	})
	return changed, err
}

// snoozeTime reads a snooze's end: an RFC 3339 time, a date-time from a
// browser's datetime-local field, or a date (its start), the last two in
// the store's time zone.
func (s *Server) snoozeTime(ctx context.Context, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		return time.Time{}, err
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, deskFieldError("bad snooze", "snooze_until", fmt.Sprintf("%q is not a time (2026-12-05T09:00:00Z) or a date (2026-12-05)", v))
}

func (s *Server) correctTopic(ctx context.Context, a deskActor, id int64, topic string) (bool, error) {
	var changed bool
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		changed, err = desk.CorrectTopic(ctx, tx, a.actor(), id, strings.TrimSpace(topic), s.Now())
		return err
	})
	return changed, err
}

// tagsInput adds and removes tags.
type tagsInput struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

func (s *Server) tag(ctx context.Context, a deskActor, id int64, in tagsInput) ([]string, bool, error) {
	var tags []string
	var changed bool
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		tags, changed, err = desk.Tag(ctx, tx, a.actor(), id, in.Add, in.Remove, s.Now())
		return err
	})
	return tags, changed, err
}

// presenceInput is the conversation page's heartbeat: whether the agent is
// typing a reply, and whether the page is visible and in use (docs/desk.md#handle-time).
type presenceInput struct {
	Typing bool `json:"typing"`
	Active bool `json:"active"`
}

// presenceAnswer tells the page who else is there.
type presenceAnswer struct {
	Others []desk.Present `json:"others"`
	// HandleSeconds is this agent's time on the conversation's current
	// contact.
	HandleSeconds int64 `json:"handle_seconds"`
	// MentionsRead is how many mentions of this agent opening the
	// conversation marked read.
	MentionsRead int `json:"mentions_read"`
}

func (s *Server) heartbeat(ctx context.Context, a deskActor, id int64, in presenceInput) (presenceAnswer, error) {
	var out presenceAnswer
	if a.UserID == 0 {
		return out, domain.Errorf(domain.EForbidden, "presence and handle time are an agent's: log in to the desk rather than use a token")
	}
	now := s.Now()
	var contact int64
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := desk.MarkPresent(ctx, tx, id, a.UserID, in.Typing, now); err != nil {
			return err
		}
		var err error
		if _, contact, err = desk.RecordActivity(ctx, tx, a.UserID, id, in.Active, now); err != nil {
			return err
		}
		out.MentionsRead, err = desk.MarkMentionsRead(ctx, tx, a.UserID, id, now)
		return err
	})
	if err != nil {
		return out, err
	}
	if out.Others, err = desk.OthersPresent(ctx, s.db, id, a.UserID, now); err != nil {
		return out, err
	}
	if contact != 0 {
		out.HandleSeconds, err = desk.HandleSeconds(ctx, s.db, a.UserID, contact)
	}
	return out, err
}

// markMentionsRead marks the agent's mentions in a conversation read (the
// page's button, for browsers without script).
func (s *Server) markMentionsRead(ctx context.Context, a deskActor, id int64) error {
	if a.UserID == 0 {
		return nil
	}
	return s.db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := desk.MarkMentionsRead(ctx, tx, a.UserID, id, s.Now())
		return err
	})
}
