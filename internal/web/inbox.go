package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The inbox page (docs/desk.md#views): the views in a sidebar with their
// counts, a search, one page of conversations, and a bulk bar. It works
// without script; desk.js adds live updates and keyboard shortcuts.

// inboxViewNames are the views' labels.
var inboxViewNames = map[string]string{
	desk.ViewUnassigned: "Unassigned", desk.ViewMine: "Mine", desk.ViewMentions: "Mentions", desk.ViewOpen: "All open",
	desk.ViewWaiting: "Waiting", desk.ViewSnoozed: "Snoozed", desk.ViewClosed: "Closed", desk.ViewAll: "Everything",
	desk.ViewTeam: "Team", desk.ViewTopic: "Topic", desk.ViewChannel: "Channel",
}

// inboxChannelNames are the channels as the inbox names them.
var inboxChannelNames = map[string]string{"email": "Email", "chat": "Chat", "voice": "Calls", "sms": "SMS", "social": "Social", "other": "Other"}

type inboxPageData struct {
	View, Title  string
	Query        url.Values // the page's own query, for links that keep it
	Search, Tag  string
	Views        []inboxLink
	Teams        []inboxLink
	Topics       []inboxLink
	Channels     []inboxLink
	Rows         []inboxRowView
	Next, First  string // links to the next page and back to the first
	SearchCapped bool
	Empty        string // what an empty view says
	Target       string // the first-response target, in words
	Problem      string // a setting that could not be read
	CSRF         string
	Here         string // this page's URL, where the bulk bar comes back to
	Users        []desk.DeskUser
	TeamNames    []desk.DeskTeam
	UserID       int64
	Admin        bool
	// Keep are the view's own parameters (team, topic, channel), which a
	// search keeps.
	Keep map[string]string
	// Since is when the page was drawn: live updates send what changed
	// from then on.
	Since int64
}

// inboxLink is a view, team, topic or channel in the sidebar.
type inboxLink struct {
	Label, URL, Count string
	Current           bool
}

// inboxRowView is a conversation as the list draws it.
type inboxRowView struct {
	ID                            int64
	URL                           string
	Customer, Subject, Snippet    string
	Channel, State, Assignee      string
	Team, Topic                   string
	Tags                          []string
	Age, Waiting, LastAt, Snoozed string
	LastISO                       string
	Breached                      bool
}

// inboxPage answers GET /inbox.
func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	since := s.Now().Unix()
	viewName, f, cur, err := s.inboxQuery(ctx, r, sess.User.ID, desk.ViewOpen)
	status, notice := http.StatusOK, ""
	var page desk.InboxPage
	if err == nil {
		page, err = desk.Inbox(ctx, s.db, viewName, f, cur)
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.EInvalid && domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
		// A view or search that cannot be read says why above an empty
		// list, keeping what was typed.
		status, notice = http.StatusBadRequest, err.Error()
		page = desk.InboxPage{}
	}
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		return err
	}
	topics, err := desk.TopicChoices(ctx, s.db)
	if err != nil {
		return err
	}
	topicNames := map[string]string{}
	for _, t := range topics {
		topicNames[t.ID] = t.Name
	}
	counts, err := desk.InboxCounts(ctx, s.db, sess.User.ID, s.Now())
	if err != nil {
		return err
	}
	teams, err := desk.DeskTeams(ctx, s.db)
	if err != nil {
		return err
	}
	users, err := desk.DeskUsers(ctx, s.db)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := inboxPageData{View: viewName, Title: inboxViewNames[viewName], Query: q, Search: f.Search, Tag: f.Tag, SearchCapped: page.SearchCapped,
		CSRF: sess.CSRF, Here: r.URL.RequestURI(), Users: users, TeamNames: teams, UserID: sess.User.ID, Problem: page.Target.Problem,
		Admin: sess.User.Role == auth.RoleAdmin, Keep: map[string]string{}, Since: since}
	for _, k := range []string{"team", "topic", "channel"} {
		if v := q.Get(k); v != "" {
			d.Keep[k] = v
		}
	}
	if d.Title == "" {
		d.Title = "Inbox"
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for _, k := range []string{"q", "tag"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		for k, val := range set {
			v.Set(k, val)
		}
		return "/inbox?" + v.Encode()
	}
	for _, v := range []string{desk.ViewUnassigned, desk.ViewMine, desk.ViewMentions, desk.ViewOpen, desk.ViewWaiting, desk.ViewSnoozed, desk.ViewClosed, desk.ViewAll} {
		l := inboxLink{Label: inboxViewNames[v], URL: link(map[string]string{"view": v}), Current: viewName == v}
		if n, ok := counts[v]; ok {
			l.Count = strconv.Itoa(n)
			if desk.CountCapped(n) {
				l.Count = strconv.Itoa(n-1) + "+"
			}
		}
		d.Views = append(d.Views, l)
	}
	for _, t := range teams {
		d.Teams = append(d.Teams, inboxLink{Label: t.Name, URL: link(map[string]string{"view": desk.ViewTeam, "team": t.Name}), Current: viewName == desk.ViewTeam && f.TeamID == t.ID})
	}
	for _, t := range topics {
		d.Topics = append(d.Topics, inboxLink{Label: t.Name, URL: link(map[string]string{"view": desk.ViewTopic, "topic": t.ID}), Current: viewName == desk.ViewTopic && f.Topic == t.ID})
	}
	for _, c := range desk.Channels {
		d.Channels = append(d.Channels, inboxLink{Label: inboxChannelNames[c], URL: link(map[string]string{"view": desk.ViewChannel, "channel": c}), Current: viewName == desk.ViewChannel && f.Channel == c})
	}
	switch viewName {
	case desk.ViewTeam:
		d.Title = "Team " + q.Get("team")
	case desk.ViewTopic:
		d.Title = "Topic: " + orDefault(topicNames[f.Topic], f.Topic)
	case desk.ViewChannel:
		d.Title = orDefault(inboxChannelNames[f.Channel], f.Channel)
	}
	now := s.Now()
	for _, row := range page.Rows {
		v := inboxRowView{ID: row.ID, URL: fmt.Sprintf("/conversations/%d", row.ID), Customer: row.Customer, Subject: orDefault(row.Subject, "(no subject)"),
			Snippet: row.Snippet, Channel: orDefault(inboxChannelNames[row.Channel], row.Channel), State: row.State, Assignee: row.Assignee, Team: row.Team,
			Topic: orDefault(topicNames[row.Topic], row.Topic), Tags: row.Tags, Age: shortDuration(time.Duration(row.AgeSeconds) * time.Second),
			LastAt: row.LastMessageAt.In(loc).Format("2 Jan 15:04"), LastISO: row.LastMessageAt.Format(time.RFC3339), Breached: row.Breached}
		if row.WaitingSeconds > 0 && row.State != "closed" {
			v.Waiting = shortDuration(time.Duration(row.WaitingSeconds) * time.Second)
		}
		if row.SnoozedUntil != nil && row.SnoozedUntil.After(now) {
			v.Snoozed = row.SnoozedUntil.In(loc).Format("2 Jan 15:04")
		}
		d.Rows = append(d.Rows, v)
	}
	if !page.Next.IsZero() {
		next := cloneValues(q)
		next.Set("cursor", page.Next.String())
		d.Next = "/inbox?" + next.Encode()
	}
	if !cur.IsZero() {
		first := cloneValues(q)
		first.Del("cursor")
		d.First = "/inbox?" + first.Encode()
	}
	d.Empty = "Nothing here."
	if f.Search != "" {
		d.Empty = "No conversation in this view matches the search."
	} else if viewName == desk.ViewMine || viewName == desk.ViewUnassigned || viewName == desk.ViewOpen {
		d.Empty = "Nothing waits for an answer here."
	}
	d.Target = "First-response target: " + shortDuration(page.Target.Within)
	if page.Target.Hours.IsSet() {
		d.Target += " of business hours"
	}
	return s.render(w, status, "inbox", &view{Title: "Inbox · " + d.Title, Session: sess, Nav: "inbox", Notice: notice, Data: d})
}

// inboxBulk answers POST /inbox/bulk: the bulk bar's form (ids, action,
// assignee, team, tags), then back to the inbox with what it did.
func (s *Server) inboxBulk(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	in := bulkInput{Action: r.PostFormValue("action"), Tags: tagList(r.PostFormValue("tags"))}
	for _, v := range r.PostForm["ids"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return deskFieldError("bad selection", "ids", fmt.Sprintf("%q is not a conversation id", v))
		}
		in.IDs = append(in.IDs, id)
	}
	if in.Action == desk.BulkAssign {
		switch who := r.PostFormValue("user"); who {
		case "":
		case "me":
			in.UserID = &sess.User.ID
		default:
			id, err := strconv.ParseInt(who, 10, 64)
			if err != nil {
				return deskFieldError("bad assignment", "user", fmt.Sprintf("%q is not a user id", who))
			}
			in.UserID = &id
		}
		if team := r.PostFormValue("team"); team != "" {
			in.Team = &team
		}
	}
	if _, err := s.bulk(r.Context(), deskActor{UserID: sess.User.ID, Name: sess.User.DisplayName()}, in); err != nil {
		return err
	}
	http.Redirect(w, r, localPath(orDefault(r.PostFormValue("back"), "/inbox")), http.StatusSeeOther)
	return nil
}

// shortDuration writes a wait the way a list shows it: "45 min", "3 h",
// "2 d".
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		h := d.Hours()
		if h == float64(int(h)) || h >= 10 {
			return strconv.Itoa(int(h)) + " h"
		}
		return strings.TrimSuffix(strconv.FormatFloat(h, 'f', 1, 64), ".0") + " h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " d"
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
