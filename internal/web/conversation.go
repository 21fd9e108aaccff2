package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The conversation page: the thread oldest first with what agents did on
// it, the order panel, the topic, the controls (assignment, state,
// snooze, tags) and the composer. Every control is a form that works
// without script; desk.js sends the same through the API and refreshes
// the page's parts in place.

type conversationPageData struct {
	ID                      int64
	Customer, CustomerURL   string
	CustomerEmail           string
	Subject, State, Channel string
	// Chat: the conversation started in the widget, whose visitor's
	// typing the page shows (chat-agent.js).
	Chat                   bool
	Assignee, Team         string
	Tags                   []string
	Snoozed, SnoozeDefault string
	Awaiting               string
	Breached               bool
	Items                  []threadItemView
	Earlier                int
	HasContact             bool
	Topic, TopicSource     string
	Topics                 []deskOption
	Users, Teams           []deskOption
	Orders                 []orderView
	SavedReplies           []deskOption
	Reply, ReplyError      string
	Missing                []string
	Note, NoteError        string
	Others                 []desk.Present
	Unread                 int
	HandleTime             string
	CSRF                   string
	UserID                 int64
	Self                   string // this page's URL
	// Since is when the page was drawn: live updates send what changed
	// from then on.
	Since int64
}

// deskOption is an option of a select.
type deskOption struct {
	Value, Label string
	Selected     bool
}

type threadItemView struct {
	Message *messageView
	Event   *eventView
}

type messageView struct {
	ID                     int64
	Direction, Kind        string
	From, When, ISO        string
	Channel, Subject, Text string
	Quoted, RawURL         string
	Status, StatusDetail   string
	Attachments            []attachmentView
}

type attachmentView struct {
	URL, Name, Type, Size string
	Kept                  bool
	External              bool // a link to where the file is kept (MMS media, a call's recording)
}

type eventView struct {
	Kind, Actor, Detail, When, ISO string
}

type orderView struct {
	Number, Status, Placed, Total  string
	Carrier, Tracking, TrackingURL string
	Promised, Delivered            string
	Late, Overdue                  bool
	Lines                          []orderLineView
	Returns                        []orderReturnView
}

type orderLineView struct {
	Quantity     int64
	Product, SKU string
}

type orderReturnView struct {
	When, Refund, Reason string
}

// conversationForm is what a form posted to the page carried, kept when
// the page is drawn again with an error.
type conversationForm struct {
	Reply, ReplyError, Note, NoteError string
	Missing                            []string
}

// conversationPage answers GET /conversations/{id} (?saved_reply=ID
// fills the composer with that saved reply).
func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	var form conversationForm
	if v := r.URL.Query().Get("saved_reply"); v != "" {
		srID, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return deskFieldError("bad saved reply", "saved_reply", fmt.Sprintf("%q is not a saved reply's id", v))
		}
		sr, err := desk.GetSavedReply(r.Context(), s.db, srID)
		if err != nil {
			return err
		}
		if form.Reply, form.Missing, err = desk.FillReply(r.Context(), s.db, id, sr.Body); err != nil {
			return err
		}
	}
	return s.drawConversation(w, r, sess, id, http.StatusOK, "", form)
}

func (s *Server) drawConversation(w http.ResponseWriter, r *http.Request, sess *auth.Session, id int64, status int, notice string, form conversationForm) error {
	d, err := s.conversationData(r.Context(), sess, id, form)
	if err != nil {
		return err
	}
	d.Self = fmt.Sprintf("/conversations/%d", id)
	title := d.Customer
	if d.Subject != "" {
		title += " · " + d.Subject
	}
	return s.render(w, status, "conversation", &view{Title: title, Session: sess, Nav: "inbox", Notice: notice, Data: d})
}

func (s *Server) conversationData(ctx context.Context, sess *auth.Session, id int64, form conversationForm) (conversationPageData, error) {
	now := s.Now()
	c, err := desk.LoadConversation(ctx, s.db, id)
	if err != nil {
		return conversationPageData{}, err
	}
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		return conversationPageData{}, err
	}
	when := func(t time.Time) string { return t.In(loc).Format("2 Jan 2006 15:04") }
	d := conversationPageData{ID: id, Since: now.Unix(), Customer: c.Customer, CustomerURL: fmt.Sprintf("/customers/%d", c.CustomerID), CustomerEmail: c.CustomerEmail,
		Subject: c.Subject, State: c.State, Channel: orDefault(inboxChannelNames[c.Channel], c.Channel), Chat: c.Channel == "chat", Assignee: c.Assignee, Team: c.Team, Tags: c.Tags,
		Earlier: c.Earlier, CSRF: sess.CSRF, UserID: sess.User.ID,
		Reply: form.Reply, ReplyError: form.ReplyError, Missing: form.Missing, Note: form.Note, NoteError: form.NoteError}
	if c.SnoozedUntil != nil && c.SnoozedUntil.After(now) {
		d.Snoozed = when(*c.SnoozedUntil)
	}
	// A snooze offered for tomorrow morning, in the store's time zone.
	t := now.In(loc).AddDate(0, 0, 1)
	d.SnoozeDefault = time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, loc).Format("2006-01-02T15:04")
	target, err := desk.LoadResponseTarget(ctx, s.db)
	if err != nil {
		return d, err
	}
	if c.AwaitingSince != nil && c.State != "closed" {
		d.Awaiting = shortDuration(now.Sub(*c.AwaitingSince))
		d.Breached = target.Breached(*c.AwaitingSince, now)
	}
	topics, err := desk.TopicChoices(ctx, s.db)
	if err != nil {
		return d, err
	}
	topicNames := map[string]string{}
	for _, t := range topics {
		topicNames[t.ID] = t.Name
	}
	for _, it := range c.Thread() {
		switch {
		case it.Message != nil:
			m := it.Message
			mv := &messageView{ID: m.ID, Direction: m.Direction, Kind: m.Kind, From: m.From, When: when(m.At), ISO: m.At.Format(time.RFC3339),
				Channel: orDefault(inboxChannelNames[m.Channel], m.Channel), Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, Status: m.Status, StatusDetail: m.StatusDetail}
			if m.RawID != 0 {
				mv.RawURL = rawMessageURL(m.ID)
			}
			for _, a := range m.Attachments {
				av := attachmentView{URL: attachmentURL(a.ID), Name: orDefault(a.Name, "attachment"), Type: a.Type, Size: byteSize(a.Size), Kept: a.Kept}
				if a.Link != "" {
					av.URL, av.Size, av.External = a.Link, "link", true
				}
				mv.Attachments = append(mv.Attachments, av)
			}
			d.Items = append(d.Items, threadItemView{Message: mv})
		case it.Event != nil:
			e := it.Event
			d.Items = append(d.Items, threadItemView{Event: &eventView{Kind: e.Kind, Actor: e.Actor, Detail: eventDetail(*e, topicNames, when), When: when(e.At), ISO: e.At.Format(time.RFC3339)}})
		}
	}
	if c.Contact != nil {
		d.HasContact = true
		d.Topic, d.TopicSource = c.Contact.Topic, c.Contact.TopicSource
		mine, err := desk.HandleSeconds(ctx, s.db, sess.User.ID, c.Contact.ID)
		if err != nil {
			return d, err
		}
		d.HandleTime = shortDuration(time.Duration(mine) * time.Second)
	}
	for _, t := range topics {
		d.Topics = append(d.Topics, deskOption{Value: t.ID, Label: t.Name, Selected: t.ID == d.Topic})
		if t.ID == d.Topic {
			d.Topic = t.Name
		}
	}
	users, err := desk.DeskUsers(ctx, s.db)
	if err != nil {
		return d, err
	}
	d.Users = append(d.Users, deskOption{Value: "0", Label: "nobody", Selected: c.AssigneeID == 0})
	for _, u := range users {
		d.Users = append(d.Users, deskOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Name, Selected: u.ID == c.AssigneeID})
	}
	teams, err := desk.DeskTeams(ctx, s.db)
	if err != nil {
		return d, err
	}
	d.Teams = append(d.Teams, deskOption{Value: "", Label: "no team", Selected: c.TeamID == 0})
	for _, t := range teams {
		d.Teams = append(d.Teams, deskOption{Value: t.Name, Label: t.Name, Selected: t.ID == c.TeamID})
	}
	orders, err := desk.OrderPanel(ctx, s.db, c.CustomerID, 5)
	if err != nil {
		return d, err
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format("2 Jan 2006")
	}
	for _, o := range orders {
		ov := orderView{Number: o.Number, Status: o.Status, Placed: day(&o.PlacedAt), Total: strings.TrimSpace(o.Currency + " " + o.Total.String()), Carrier: o.Carrier,
			Tracking: o.Tracking, TrackingURL: o.TrackingURL, Promised: day(o.Promised), Delivered: day(o.Delivered), Late: o.Late, Overdue: o.Overdue(now)}
		for _, l := range o.Lines {
			ov.Lines = append(ov.Lines, orderLineView{Quantity: l.Quantity, Product: orDefault(l.Product, l.SKU), SKU: l.SKU})
		}
		for _, rt := range o.Returns {
			ov.Returns = append(ov.Returns, orderReturnView{When: day(&rt.ReturnedAt), Refund: strings.TrimSpace(o.Currency + " " + rt.Refund.String()), Reason: rt.Reason})
		}
		d.Orders = append(d.Orders, ov)
	}
	replies, err := desk.SavedReplies(ctx, s.db)
	if err != nil {
		return d, err
	}
	for _, sr := range replies {
		d.SavedReplies = append(d.SavedReplies, deskOption{Value: strconv.FormatInt(sr.ID, 10), Label: sr.Name})
	}
	if d.Others, err = desk.OthersPresent(ctx, s.db, id, sess.User.ID, now); err != nil {
		return d, err
	}
	d.Unread, err = desk.UnreadMentions(ctx, s.db, sess.User.ID, id)
	return d, err
}

// eventDetail is an event as the thread says it: topics by their names,
// a snooze's end in the store's time zone.
func eventDetail(e desk.ThreadEvent, topicNames map[string]string, when func(time.Time) string) string {
	switch e.Kind {
	case desk.EventTopic:
		from, to, ok := strings.Cut(e.Detail, " → ")
		if ok {
			return orDefault(topicNames[from], from) + " → " + orDefault(topicNames[to], to)
		}
	case desk.EventSnooze:
		if v, ok := strings.CutPrefix(e.Detail, "until "); ok {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return "until " + when(t)
			}
		}
	}
	return e.Detail
}

// byteSize writes a file's size for people.
func byteSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1024*1024:
		return strconv.FormatInt((n+512)/1024, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MB"
}

// The page's forms. Each acts as its API route does and comes back to the
// page; an error a person can fix draws the page again with the error
// beside what they typed.

func (s *Server) pageActor(sess *auth.Session) deskActor {
	return deskActor{UserID: sess.User.ID, Name: sess.User.DisplayName()}
}

// conversationAction runs one form's action, then sends the browser back
// to the conversation; a mistake in the form draws the page again.
func (s *Server) conversationAction(w http.ResponseWriter, r *http.Request, sess *auth.Session, act func(ctx context.Context, a deskActor, id int64) error,
	onError func(err error) conversationForm) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	err = act(r.Context(), s.pageActor(sess), id)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		form := conversationForm{}
		if onError != nil {
			form = onError(err)
		}
		return s.drawConversation(w, r, sess, id, http.StatusBadRequest, err.Error(), form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/conversations/%d", id), http.StatusSeeOther)
	return nil
}

// conversationReply answers POST /conversations/{id}/reply (text, then).
func (s *Server) conversationReply(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	text := r.PostFormValue("text")
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		_, err := s.sendReply(ctx, a, id, text, r.PostFormValue("then"))
		return err
	}, func(err error) conversationForm { return conversationForm{Reply: text, ReplyError: fieldReason(err)} })
}

// conversationNote answers POST /conversations/{id}/note (text).
func (s *Server) conversationNote(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	text := r.PostFormValue("text")
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		_, err := s.addNote(ctx, a, id, text)
		return err
	}, func(err error) conversationForm { return conversationForm{Note: text, NoteError: fieldReason(err)} })
}

// conversationAssign answers POST /conversations/{id}/assign (user: an id,
// 0 for nobody, or "me"; team: a name, "" for none).
func (s *Server) conversationAssign(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		var in assignInput
		if _, ok := r.PostForm["user"]; ok {
			who := r.PostFormValue("user")
			uid := sess.User.ID
			if who != "me" {
				v, err := strconv.ParseInt(who, 10, 64)
				if err != nil {
					return deskFieldError("bad assignment", "user", fmt.Sprintf("%q is not a user", who))
				}
				uid = v
			}
			in.UserID = &uid
		}
		if _, ok := r.PostForm["team"]; ok {
			team := r.PostFormValue("team")
			in.Team = &team
		}
		_, err := s.assign(ctx, a, id, in)
		return err
	}, nil)
}

// conversationState answers POST /conversations/{id}/state (state).
func (s *Server) conversationState(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		state := r.PostFormValue("state")
		_, err := s.setState(ctx, a, id, stateInput{State: &state})
		return err
	}, nil)
}

// conversationSnooze answers POST /conversations/{id}/snooze (until; empty
// wakes it).
func (s *Server) conversationSnooze(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		until := r.PostFormValue("until")
		_, err := s.setState(ctx, a, id, stateInput{SnoozeUntil: &until})
		return err
	}, nil)
}

// conversationTags answers POST /conversations/{id}/tags (add: "a, b";
// remove: one tag).
func (s *Server) conversationTags(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		_, _, err := s.tag(ctx, a, id, tagsInput{Add: tagList(r.PostFormValue("add")), Remove: r.PostForm["remove"]})
		return err
	}, nil)
}

// conversationTopic answers POST /conversations/{id}/topic (topic).
func (s *Server) conversationTopic(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		_, err := s.correctTopic(ctx, a, id, r.PostFormValue("topic"))
		return err
	}, nil)
}

// conversationMentionsRead answers POST /conversations/{id}/mentions/read.
func (s *Server) conversationMentionsRead(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.conversationAction(w, r, sess, func(ctx context.Context, a deskActor, id int64) error {
		return s.markMentionsRead(ctx, a, id)
	}, nil)
}

// fieldReason is the reason of an error's first field, else its message.
func fieldReason(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		return de.Fields[0].Reason
	}
	return err.Error()
}
