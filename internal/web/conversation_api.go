package web

import (
	"fmt"
	"net/http"
	"time"

	"quietdesk/internal/desk"
)

// The API of one conversation (openapi.json): read it with its thread,
// reply, add notes, assign, change its state or snooze it, correct its
// topic, tag it, fill a saved reply's variables, and the page's heartbeat.

// apiConversation is GET /api/v1/conversations/{id}'s answer.
type apiConversation struct {
	ID            int64        `json:"id"`
	URL           string       `json:"url"`
	CustomerID    int64        `json:"customer_id"`
	CustomerURL   string       `json:"customer_url"`
	Customer      string       `json:"customer"`
	Subject       string       `json:"subject"`
	State         string       `json:"state"`
	Channel       string       `json:"channel"`
	AssigneeID    *int64       `json:"assignee_id"`
	Assignee      string       `json:"assignee"`
	Team          string       `json:"team"`
	Tags          []string     `json:"tags"`
	Topic         string       `json:"topic"`
	TopicSource   string       `json:"topic_source"`
	SnoozedUntil  *time.Time   `json:"snoozed_until"`
	AwaitingSince *time.Time   `json:"awaiting_since"`
	CreatedAt     time.Time    `json:"created_at"`
	LastMessageAt time.Time    `json:"last_message_at"`
	ClosedAt      *time.Time   `json:"closed_at"`
	Messages      []apiMessage `json:"messages"`
	Earlier       int          `json:"earlier_messages"`
	Events        []apiEvent   `json:"events"`
}

// apiMessage is one message of the thread (DESIGN §7.6).
type apiMessage struct {
	ID          int64           `json:"id"`
	Direction   string          `json:"direction"`
	Channel     string          `json:"channel"`
	Kind        string          `json:"kind"`
	Subject     string          `json:"subject"`
	Text        string          `json:"text"`
	From        string          `json:"from"`
	At          time.Time       `json:"at"`
	Attachments []apiAttachment `json:"attachments"`
	RawURL      string          `json:"raw_url,omitempty"`
	// Status and StatusDetail are an outbound message's delivery.
	Status       string `json:"status,omitempty"`
	StatusDetail string `json:"status_detail,omitempty"`
}

type apiAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

type apiEvent struct {
	ID     int64     `json:"id"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
}

func conversationJSON(d desk.ConversationDetail) apiConversation {
	out := apiConversation{ID: d.ID, URL: fmt.Sprintf("/conversations/%d", d.ID), CustomerID: d.CustomerID, CustomerURL: fmt.Sprintf("/customers/%d", d.CustomerID),
		Customer: d.Customer, Subject: d.Subject, State: d.State, Channel: d.Channel, Assignee: d.Assignee, Team: d.Team, Tags: d.Tags,
		SnoozedUntil: d.SnoozedUntil, AwaitingSince: d.AwaitingSince, CreatedAt: d.CreatedAt, LastMessageAt: d.LastMessageAt, ClosedAt: d.ClosedAt,
		Messages: make([]apiMessage, 0, len(d.Messages)), Earlier: d.Earlier, Events: make([]apiEvent, 0, len(d.Events))}
	if d.AssigneeID != 0 {
		out.AssigneeID = &d.AssigneeID
	}
	if d.Contact != nil {
		out.Topic, out.TopicSource = d.Contact.Topic, d.Contact.TopicSource
	}
	for _, m := range d.Messages {
		am := apiMessage{ID: m.ID, Direction: m.Direction, Channel: m.Channel, Kind: m.Kind, Subject: m.Subject, Text: m.Text, From: m.From, At: m.At,
			Attachments: make([]apiAttachment, 0, len(m.Attachments)), Status: m.Status, StatusDetail: m.StatusDetail}
		if m.RawID != 0 {
			am.RawURL = rawMessageURL(m.ID)
		}
		for _, a := range m.Attachments {
			am.Attachments = append(am.Attachments, apiAttachment{ID: a.ID, Name: a.Name, Type: a.Type, Size: a.Size, URL: orDefault(a.Link, attachmentURL(a.ID))})
		}
		out.Messages = append(out.Messages, am)
	}
	for _, e := range d.Events {
		out.Events = append(out.Events, apiEvent(e))
	}
	return out
}

// The mail routes serve these (mail_routes.go), to agents only.
func rawMessageURL(messageID int64) string { return fmt.Sprintf("/api/v1/messages/%d/raw", messageID) }

func attachmentURL(id int64) string { return fmt.Sprintf("/api/v1/attachments/%d", id) }

// apiGetConversation answers GET /api/v1/conversations/{id}.
func (s *Server) apiGetConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	d, err := desk.LoadConversation(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, conversationJSON(d))
}

// apiReply answers POST /api/v1/conversations/{id}/replies {"text", "then"}.
func (s *Server) apiReply(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
		Then string `json:"then"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := s.sendReply(r.Context(), actorOf(r), id, in.Text, in.Then)
	if err != nil {
		return err
	}
	var state string
	if err := s.db.QueryRow(r.Context(), `SELECT state FROM conversations WHERE id = ?`, id).Scan(&state); err != nil {
		return err
	}
	out := struct {
		MessageID      int64  `json:"message_id"`
		ConversationID int64  `json:"conversation_id"`
		ContactID      *int64 `json:"contact_id"`
		State          string `json:"state"`
	}{MessageID: rec.MessageID, ConversationID: id, State: state}
	if rec.ContactID != 0 {
		out.ContactID = &rec.ContactID
	}
	return writeJSON(w, http.StatusCreated, out)
}

// apiNote answers POST /api/v1/conversations/{id}/notes {"text"}.
func (s *Server) apiNote(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.addNote(r.Context(), actorOf(r), id, in.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, n)
}

// changed is the answer of an action: whether it changed anything (the
// same request twice changes nothing the second time).
type changed struct {
	Changed bool `json:"changed"`
}

// apiAssign answers POST /api/v1/conversations/{id}/assign.
func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in assignInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.assign(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, changed{c})
}

// apiState answers POST /api/v1/conversations/{id}/state.
func (s *Server) apiState(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in stateInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.setState(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, changed{c})
}

// apiTopic answers POST /api/v1/conversations/{id}/topic {"topic"}.
func (s *Server) apiTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in struct {
		Topic string `json:"topic"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.correctTopic(r.Context(), actorOf(r), id, in.Topic)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, changed{c})
}

// apiTags answers POST /api/v1/conversations/{id}/tags {"add", "remove"}.
func (s *Server) apiTags(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in tagsInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	tags, c, err := s.tag(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		Tags    []string `json:"tags"`
		Changed bool     `json:"changed"`
	}{tags, c})
}

// apiFill answers POST /api/v1/conversations/{id}/fill with {"text"} or
// {"saved_reply_id"}: the text with its variables filled from the
// conversation, and the variables that had no value.
func (s *Server) apiFill(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in struct {
		Text         *string `json:"text"`
		SavedReplyID *int64  `json:"saved_reply_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var text string
	switch {
	case in.Text != nil && in.SavedReplyID != nil:
		return deskFieldError("nothing to fill", "text", "send text or saved_reply_id, not both")
	case in.Text != nil:
		text = *in.Text
	case in.SavedReplyID != nil:
		sr, err := desk.GetSavedReply(r.Context(), s.db, *in.SavedReplyID)
		if err != nil {
			return err
		}
		text = sr.Body
	default:
		return deskFieldError("nothing to fill", "text", "send text or saved_reply_id")
	}
	filled, missing, err := desk.FillReply(r.Context(), s.db, id, text)
	if err != nil {
		return err
	}
	if missing == nil {
		missing = []string{}
	}
	return writeJSON(w, http.StatusOK, struct {
		Text    string   `json:"text"`
		Missing []string `json:"missing"`
	}{filled, missing})
}

// apiPresence answers POST /api/v1/conversations/{id}/presence: the
// conversation page's heartbeat (presence, handle time, mentions read).
func (s *Server) apiPresence(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var in presenceInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := s.heartbeat(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}
