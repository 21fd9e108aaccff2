package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"quietdesk/internal/domain"
	"quietdesk/internal/hooks"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// What agents do to a conversation (docs/desk.md). Each action that
// changes something writes a desk_events row (what the thread and the
// customer's timeline show) and sets conversations.updated_at to the
// clock's now (what live views follow); an action that would change
// nothing writes nothing, so sending it twice is harmless.

// Actor is who acts: a logged-in user, or an API token (UserID 0) under
// its name.
type Actor struct {
	UserID int64
	Name   string
}

// Kinds of desk_events written by these actions. Their detail is text a
// person reads on the thread (docs/desk.md#events).
const (
	EventNote   = "note"
	EventAssign = "assign"
	EventState  = "state"
	EventSnooze = "snooze"
	EventTag    = "tag"
	EventTopic  = "topic"
)

// convState is what the actions read of a conversation before changing it.
type convState struct {
	id           int64
	customerID   int64
	state        string
	assigneeID   int64
	teamID       int64
	snoozedUntil int64 // 0: not snoozed
	tags         string
}

func loadConvState(ctx context.Context, tx *store.Tx, id int64) (convState, error) {
	c := convState{id: id}
	var assignee, team, snoozed sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT customer_id, state, assignee_id, team_id, snoozed_until, tags FROM conversations WHERE id = ?`, id).
		Scan(&c.customerID, &c.state, &assignee, &team, &snoozed, &c.tags)
	if errors.Is(err, sql.ErrNoRows) {
		return c, domain.Errorf(domain.ENotFound, "conversation %d does not exist", id)
	}
	c.assigneeID, c.teamID, c.snoozedUntil = assignee.Int64, team.Int64, snoozed.Int64
	return c, err
}

// deskEvent writes one event on a conversation and marks the conversation
// changed at now.
func deskEvent(ctx context.Context, tx *store.Tx, c convState, kind string, a Actor, detail string, now time.Time) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO desk_events (customer_id, conversation_id, kind, actor_id, detail, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		c.customerID, c.id, kind, nullID(a.UserID), detail, now.Unix()).Scan(&id); err != nil {
		return 0, err
	}
	_, err := tx.Exec(ctx, `UPDATE conversations SET updated_at = ? WHERE id = ?`, now.Unix(), c.id)
	return id, err
}

// Assignment is who a conversation goes to. A nil field is left as it is;
// a zero one clears it.
type Assignment struct {
	UserID *int64
	TeamID *int64
}

// Assign gives a conversation to an agent and/or a team. The agent must
// be one who works the desk (an agent or an admin). Giving it to a team
// and no one, with round-robin on, gives it to the team's next agent.
func Assign(ctx context.Context, tx *store.Tx, a Actor, conversationID int64, to Assignment, now time.Time) (changed bool, err error) {
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil {
		return false, err
	}
	user, team := c.assigneeID, c.teamID
	if to.UserID != nil {
		user = *to.UserID
	}
	if to.TeamID != nil {
		team = *to.TeamID
	}
	if to.UserID == nil && to.TeamID != nil && team != 0 && team != c.teamID {
		// A conversation moved to another team leaves its agent, unless
		// the agent is of that team.
		if user != 0 {
			var agentTeam sql.NullInt64
			if err := tx.QueryRow(ctx, `SELECT team_id FROM users WHERE id = ?`, user).Scan(&agentTeam); err != nil {
				return false, err
			}
			if agentTeam.Int64 != team {
				user = 0
			}
		}
	}
	if user == 0 && to.UserID == nil && team != 0 {
		on, err := roundRobinOn(ctx, tx)
		if err != nil {
			return false, err
		}
		if on {
			if user, err = nextAgent(ctx, tx, team); err != nil {
				return false, err
			}
		}
	}
	return assign(ctx, tx, a, c, user, team, now)
}

func assign(ctx context.Context, tx *store.Tx, a Actor, c convState, user, team int64, now time.Time) (bool, error) {
	var who, teamName string
	if user != 0 {
		var name, email, role string
		err := tx.QueryRow(ctx, `SELECT name, email, role FROM users WHERE id = ?`, user).Scan(&name, &email, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return false, invalidField("user_id", fmt.Sprintf("there is no user %d", user))
		}
		if err != nil {
			return false, err
		}
		if role != "agent" && role != "admin" {
			return false, invalidField("user_id", fmt.Sprintf("%s is an %s; conversations go to agents and admins", email, role))
		}
		who = displayName(name, email)
	}
	if team != 0 {
		err := tx.QueryRow(ctx, `SELECT name FROM teams WHERE id = ?`, team).Scan(&teamName)
		if errors.Is(err, sql.ErrNoRows) {
			return false, invalidField("team", fmt.Sprintf("there is no team %d", team))
		}
		if err != nil {
			return false, err
		}
	}
	if user == c.assigneeID && team == c.teamID {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE conversations SET assignee_id = ?, team_id = ? WHERE id = ?`, nullID(user), nullID(team), c.id); err != nil {
		return false, err
	}
	if err := hooks.Assigned(ctx, tx, c.id, c.assigneeID, c.teamID, now); err != nil {
		return false, err
	}
	detail := "unassigned"
	switch {
	case who != "" && teamName != "":
		detail = "assigned to " + who + " (" + teamName + ")"
	case who != "":
		detail = "assigned to " + who
	case teamName != "":
		detail = "assigned to team " + teamName
	}
	_, err := deskEvent(ctx, tx, c, EventAssign, a, detail, now)
	return true, err
}

// TeamByName returns a team's id; an unknown name is an error naming it.
func TeamByName(ctx context.Context, q Querier, name string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM teams WHERE name = ?`, strings.TrimSpace(name)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, invalidField("team", fmt.Sprintf("there is no team %q", name))
	}
	return id, err
}

// UserByEmail returns the id of the user with that email; an unknown one is
// an error naming it.
func UserByEmail(ctx context.Context, q Querier, email string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, invalidField("email", fmt.Sprintf("there is no user %q", email))
	}
	return id, err
}

func roundRobinOn(ctx context.Context, q Querier) (bool, error) {
	v, err := inboxSetting(ctx, q, SettingRoundRobin)
	return v == "on", err
}

// AutoAssign gives an unassigned, open conversation to the next agent in
// turn when round-robin is on: among the agents of its team, or every
// agent when it has none. It returns the agent (0 when it did nothing).
// Whatever records a new conversation calls it (docs/desk.md#round-robin).
func AutoAssign(ctx context.Context, tx *store.Tx, conversationID int64, now time.Time) (int64, error) {
	on, err := roundRobinOn(ctx, tx)
	if err != nil || !on {
		return 0, err
	}
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil || c.assigneeID != 0 || c.state != "open" {
		return 0, err
	}
	user, err := nextAgent(ctx, tx, c.teamID)
	if err != nil || user == 0 {
		return 0, err
	}
	_, err = assign(ctx, tx, Actor{Name: "round-robin"}, c, user, c.teamID, now)
	return user, err
}

// nextAgent is the agent after the one who took the team's last
// conversation, by user id, going round; 0 when the team has no agent.
// Team 0 is every agent.
func nextAgent(ctx context.Context, tx *store.Tx, team int64) (int64, error) {
	var last int64
	err := tx.QueryRow(ctx, `SELECT last_user_id FROM desk_round_robin WHERE team_id = ?`, team).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	pick := func(after int64) (int64, error) {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM users WHERE role = 'agent' AND (? = 0 OR team_id = ?) AND id > ? ORDER BY id LIMIT 1`, team, team, after).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, err
	}
	next, err := pick(last)
	if err == nil && next == 0 {
		next, err = pick(0)
	}
	if err != nil || next == 0 {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO desk_round_robin (team_id, last_user_id) VALUES (?, ?) ON CONFLICT (team_id) DO UPDATE SET last_user_id = excluded.last_user_id`, team, next)
	return next, err
}

// SetState moves a conversation to open, waiting or closed
// (SetConversationState: closing ends its contacts, and a customer's
// message within the reopen window reopens it). Closing also ends a
// snooze.
func SetState(ctx context.Context, tx *store.Tx, a Actor, conversationID int64, state string, now time.Time) (bool, error) {
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil {
		return false, err
	}
	if !slices.Contains([]string{"open", "waiting", "closed"}, state) {
		return false, invalidField("state", fmt.Sprintf("%q is not one of open, waiting, closed", state))
	}
	if state == c.state {
		return false, nil
	}
	if err := SetConversationState(ctx, tx, conversationID, state, now); err != nil {
		return false, err
	}
	if state == "closed" && c.snoozedUntil != 0 {
		if _, err := tx.Exec(ctx, `UPDATE conversations SET snoozed_until = NULL WHERE id = ?`, c.id); err != nil {
			return false, err
		}
	}
	if state == "closed" {
		if err := askIfAnswered(ctx, tx, conversationID, now); err != nil {
			return false, err
		}
	}
	_, err = deskEvent(ctx, tx, c, EventState, a, state, now)
	return true, err
}

// askIfAnswered asks the customer how it went when an agent closes a
// conversation the brand answered (docs/metrics.md#satisfaction): a
// conversation closed without a reply (spam, a thank-you) is not rated.
func askIfAnswered(ctx context.Context, tx *store.Tx, conversationID int64, now time.Time) error {
	var answered int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE conversation_id = ? AND replies > 0`, conversationID).Scan(&answered); err != nil || answered == 0 {
		return err
	}
	siteURL, err := tx.Setting(ctx, store.SiteURLSetting)
	if err != nil {
		return err
	}
	_, err = AskSatisfaction(ctx, tx, conversationID, now, siteURL)
	return err
}

// Snooze hides a conversation from the open views until until; a zero
// until wakes it now. A customer's message wakes it sooner (RecordMessage
// clears the snooze). A closed conversation is not snoozed.
func Snooze(ctx context.Context, tx *store.Tx, a Actor, conversationID int64, until, now time.Time) (bool, error) {
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil {
		return false, err
	}
	if until.IsZero() {
		if c.snoozedUntil == 0 {
			return false, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE conversations SET snoozed_until = NULL WHERE id = ?`, c.id); err != nil {
			return false, err
		}
		_, err := deskEvent(ctx, tx, c, EventSnooze, a, "woken", now)
		return true, err
	}
	if !until.After(now) {
		return false, invalidField("snooze_until", fmt.Sprintf("%s is not in the future", until.UTC().Format(time.RFC3339)))
	}
	if c.state == "closed" {
		return false, invalidField("snooze_until", "the conversation is closed: reopen it before snoozing it")
	}
	if c.snoozedUntil == until.Unix() {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE conversations SET snoozed_until = ? WHERE id = ?`, until.Unix(), c.id); err != nil {
		return false, err
	}
	_, err = deskEvent(ctx, tx, c, EventSnooze, a, "until "+until.UTC().Format(time.RFC3339), now)
	return true, err
}

// MaxNoteChars bounds a note.
const MaxNoteChars = 20000

// Note is a note that was added, and whom it mentions.
type Note struct {
	EventID   int64           `json:"event_id"`
	Mentioned []MentionedUser `json:"mentioned"`
}

// MentionedUser is an agent a note mentions.
type MentionedUser struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// AddNote adds an internal note to a conversation (customers never see
// it). "@dana" mentions the agents whose name's first word, whole name
// without spaces, or email's local part is dana (case aside); each gets
// the conversation in their mentions view until they open it.
func AddNote(ctx context.Context, tx *store.Tx, a Actor, conversationID int64, text string, now time.Time) (Note, error) {
	var n Note
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return n, invalidField("text", "is required")
	case len([]rune(text)) > MaxNoteChars:
		return n, invalidField("text", fmt.Sprintf("a note is at most %d characters", MaxNoteChars))
	}
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil {
		return n, err
	}
	if n.EventID, err = deskEvent(ctx, tx, c, EventNote, a, text, now); err != nil {
		return n, err
	}
	handles := MentionHandles(text)
	if len(handles) == 0 {
		return n, nil
	}
	rows, err := tx.Query(ctx, `SELECT id, name, email FROM users WHERE role IN ('agent', 'admin') ORDER BY id`)
	if err != nil {
		return n, err
	}
	type candidate struct {
		id          int64
		name, email string
	}
	var users []candidate
	for rows.Next() {
		var u candidate
		if err := rows.Scan(&u.id, &u.name, &u.email); err != nil {
			rows.Close()
			return n, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	for _, u := range users {
		if u.id == a.UserID || !mentionedBy(handles, u.name, u.email) {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mentions (event_id, user_id) VALUES (?, ?)`, n.EventID, u.id); err != nil {
			return n, err
		}
		n.Mentioned = append(n.Mentioned, MentionedUser{u.id, displayName(u.name, u.email)})
	}
	return n, nil
}

// MentionHandles lists the @handles a text mentions, lower-cased: "@dana",
// "@dana.smith"; an email address in the text mentions no one.
func MentionHandles(text string) []string {
	var out []string
	runes := []rune(text)
	for i := 0; i < len(runes); i++ {
		if runes[i] != '@' || i > 0 && handleRune(runes[i-1]) {
			continue
		}
		j := i + 1
		for j < len(runes) && handleRune(runes[j]) {
			j++
		}
		h := strings.TrimRight(strings.ToLower(string(runes[i+1:j])), ".-_")
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
		i = j - 1
	}
	return out
}

func handleRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'
}

func mentionedBy(handles []string, name, email string) bool {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	name = strings.ToLower(strings.TrimSpace(name))
	first, _, _ := strings.Cut(name, " ")
	whole := strings.ReplaceAll(name, " ", "")
	for _, h := range handles {
		if h == local || name != "" && (h == first || h == whole) {
			return true
		}
	}
	return false
}

// MarkMentionsRead marks the user's mentions in a conversation read, as
// they open it; it returns how many were unread.
func MarkMentionsRead(ctx context.Context, tx *store.Tx, userID, conversationID int64, now time.Time) (int, error) {
	res, err := tx.Exec(ctx, `UPDATE mentions SET read_at = ? WHERE user_id = ? AND read_at IS NULL
		AND event_id IN (SELECT id FROM desk_events WHERE conversation_id = ?)`, now.Unix(), userID, conversationID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// UnreadMentions counts the mentions of a user not yet read, in a
// conversation (or anywhere when conversationID is 0).
func UnreadMentions(ctx context.Context, q Querier, userID, conversationID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM mentions mm JOIN desk_events e ON e.id = mm.event_id
		WHERE mm.user_id = ? AND mm.read_at IS NULL AND (? = 0 OR e.conversation_id = ?)`, userID, conversationID, conversationID).Scan(&n)
	return n, err
}

// MaxTagChars bounds a tag.
const MaxTagChars = 40

// normalizeTag lower-cases a tag and checks it: letters, digits, spaces,
// '-' and '_', no commas (tags are stored "a,b").
func normalizeTag(s string) (string, error) {
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if t == "" {
		return "", errors.New("a tag cannot be empty")
	}
	if len([]rune(t)) > MaxTagChars {
		return "", fmt.Errorf("%q is longer than %d characters", t, MaxTagChars)
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '_' {
			return "", fmt.Errorf("%q has %q: tags are letters, digits, spaces, '-' and '_'", t, r)
		}
	}
	return t, nil
}

func splitTags(s string) []string {
	out := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Tag adds and removes tags; the conversation's tags, sorted, are
// returned.
func Tag(ctx context.Context, tx *store.Tx, a Actor, conversationID int64, add, remove []string, now time.Time) ([]string, bool, error) {
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil {
		return nil, false, err
	}
	have := splitTags(c.tags)
	tags := slices.Clone(have)
	var changes []string
	for _, s := range add {
		t, err := normalizeTag(s)
		if err != nil {
			return nil, false, invalidField("add", err.Error())
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
			changes = append(changes, "+"+t)
		}
	}
	for _, s := range remove {
		t, err := normalizeTag(s)
		if err != nil {
			return nil, false, invalidField("remove", err.Error())
		}
		if i := slices.Index(tags, t); i >= 0 {
			tags = slices.Delete(tags, i, i+1)
			changes = append(changes, "-"+t)
		}
	}
	slices.Sort(tags)
	if len(changes) == 0 {
		return tags, false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE conversations SET tags = ? WHERE id = ?`, strings.Join(tags, ","), c.id); err != nil {
		return nil, false, err
	}
	_, err = deskEvent(ctx, tx, c, EventTag, a, strings.Join(changes, " "), now)
	return tags, true, err
}

// CorrectTopic sets the topic of the conversation's latest contact, as an
// agent's label (topic_source agent): the weekly retraining learns from
// it. The model's guess and confidence stay, so corrections can be
// measured. A topic must be an active one of the store's taxonomy.
func CorrectTopic(ctx context.Context, tx *store.Tx, a Actor, conversationID int64, topic string, now time.Time) (bool, error) {
	c, err := loadConvState(ctx, tx, conversationID)
	if err != nil {
		return false, err
	}
	var status string
	err = tx.QueryRow(ctx, `SELECT status FROM topics WHERE id = ?`, topic).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, invalidField("topic", fmt.Sprintf("%q is not a topic of this store's taxonomy", topic))
	case err != nil:
		return false, err
	case status != "active":
		return false, invalidField("topic", fmt.Sprintf("%q is %s: choose an active topic", topic, status))
	}
	var contactID int64
	var old, source string
	err = tx.QueryRow(ctx, `SELECT id, topic, topic_source FROM contacts WHERE conversation_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, c.id).Scan(&contactID, &old, &source)
	if errors.Is(err, sql.ErrNoRows) {
		return false, invalidField("topic", "this conversation has no contact yet (the customer has not written), so there is nothing to label")
	}
	if err != nil {
		return false, err
	}
	if old == topic && source == topics.SourceAgent {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE contacts SET topic = ?, topic_source = ? WHERE id = ?`, topic, topics.SourceAgent, contactID); err != nil {
		return false, err
	}
	_, err = deskEvent(ctx, tx, c, EventTopic, a, orNone(old)+" → "+topic, now)
	return true, err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Bulk actions.
const (
	BulkClose  = "close"
	BulkAssign = "assign"
	BulkTag    = "tag"
	BulkUntag  = "untag"
)

// BulkActions lists the bulk actions.
var BulkActions = []string{BulkClose, BulkAssign, BulkTag, BulkUntag}

// MaxBulk bounds the conversations of one bulk action.
const MaxBulk = 500

// BulkRequest is one action on many conversations.
type BulkRequest struct {
	IDs    []int64
	Action string
	Assign Assignment // BulkAssign
	Tags   []string   // BulkTag, BulkUntag
}

// BulkResult is what a bulk action did to one conversation.
type BulkResult struct {
	ID      int64  `json:"id"`
	OK      bool   `json:"ok"`
	Changed bool   `json:"changed"`
	Error   string `json:"error,omitempty"`
}

// Bulk applies one action to many conversations in one transaction and
// reports per conversation. A conversation the action cannot apply to (it
// does not exist, a bad tag) is reported and the others go ahead; an error
// of the database fails the whole.
func Bulk(ctx context.Context, tx *store.Tx, a Actor, req BulkRequest, now time.Time) ([]BulkResult, error) {
	var p domain.Problems
	p.OneOf("action", req.Action, BulkActions...)
	switch {
	case len(req.IDs) == 0:
		p.Add("ids", "name at least one conversation")
	case len(req.IDs) > MaxBulk:
		p.Add("ids", "at most %d conversations at once (got %d)", MaxBulk, len(req.IDs))
	}
	if req.Action == BulkTag || req.Action == BulkUntag {
		if len(req.Tags) == 0 {
			p.Add("tags", "name the tags to %s", req.Action)
		}
		for _, t := range req.Tags {
			if _, err := normalizeTag(t); err != nil {
				p.Add("tags", "%v", err)
			}
		}
	}
	if req.Action == BulkAssign && req.Assign.UserID == nil && req.Assign.TeamID == nil {
		p.Add("user_id", "name an agent (user_id or email) or a team")
	}
	if len(p) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "bad bulk action", Fields: p}
	}
	out := make([]BulkResult, 0, len(req.IDs))
	seen := map[int64]bool{}
	for _, id := range req.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		var changed bool
		var err error
		switch req.Action {
		case BulkClose:
			changed, err = SetState(ctx, tx, a, id, "closed", now)
		case BulkAssign:
			changed, err = Assign(ctx, tx, a, id, req.Assign, now)
		case BulkTag:
			_, changed, err = Tag(ctx, tx, a, id, req.Tags, nil, now)
		case BulkUntag:
			_, changed, err = Tag(ctx, tx, a, id, nil, req.Tags, now)
		}
		r := BulkResult{ID: id, OK: err == nil, Changed: changed}
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code == domain.EInternal {
				return nil, err
			}
			r.Error = de.Error()
		}
		out = append(out, r)
	}
	return out, nil
}
