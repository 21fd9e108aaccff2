package desk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// events lists a conversation's desk events as "kind: detail".
func (f *inboxFixture) events(conversationID int64) []string {
	f.t.Helper()
	rows, err := f.db.Query(f.ctx, `SELECT kind, detail FROM desk_events WHERE conversation_id = ? ORDER BY id`, conversationID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, d string
		if err := rows.Scan(&k, &d); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, k+": "+d)
	}
	return out
}

func (f *inboxFixture) int(query string, args ...any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		dana := f.user("dana@brand.com", "agent", "Dana", "Billing")
		sam := f.user("sam.ray@brand.com", "agent", "", "Shipping")
		ana := f.user("ana@brand.com", "analyst", "", "")
		billing := f.teamID("Billing")
		c := f.say("ann@example.com", "Ann", "email", "customer", deskNow.Add(-time.Hour), "hi").ConversationID
		me := desk.Actor{UserID: dana, Name: "Dana"}
		later := deskNow.Add(time.Minute)

		var changed bool
		f.act(func(tx *store.Tx) (err error) {
			changed, err = desk.Assign(f.ctx, tx, me, c, desk.Assignment{UserID: &dana}, later)
			return err
		})
		if !changed || f.int(`SELECT assignee_id FROM conversations WHERE id = ?`, c) != dana || f.int(`SELECT updated_at FROM conversations WHERE id = ?`, c) != later.Unix() {
			t.Fatalf("self-assign: changed %v", changed)
		}
		// The same again changes nothing and writes no event.
		f.act(func(tx *store.Tx) (err error) {
			changed, err = desk.Assign(f.ctx, tx, me, c, desk.Assignment{UserID: &dana}, later.Add(time.Minute))
			return err
		})
		if changed || f.int(`SELECT updated_at FROM conversations WHERE id = ?`, c) != later.Unix() {
			t.Error("assigning to the same agent again changed something")
		}
		// Reassign to Sam, then to the Billing team: Sam is not of it, so
		// the conversation goes to the team alone.
		f.act(func(tx *store.Tx) error {
			if _, err := desk.Assign(f.ctx, tx, me, c, desk.Assignment{UserID: &sam}, later); err != nil {
				return err
			}
			_, err := desk.Assign(f.ctx, tx, me, c, desk.Assignment{TeamID: &billing}, later)
			return err
		})
		want := []string{"assign: assigned to Dana", "assign: assigned to sam.ray", "assign: assigned to team Billing"}
		if got := f.events(c); !slices.Equal(got, want) {
			t.Errorf("events %q, want %q", got, want)
		}
		if f.int(`SELECT COUNT(*) FROM desk_events WHERE conversation_id = ? AND actor_id = ?`, c, dana) != 3 {
			t.Error("the events do not name their actor")
		}
		// An analyst does not take conversations; an unknown user neither.
		nobody := int64(999)
		for _, who := range []*int64{&ana, &nobody} {
			err := db.WriteTx(f.ctx, func(tx *store.Tx) error {
				_, err := desk.Assign(f.ctx, tx, me, c, desk.Assignment{UserID: who}, later)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "user_id") {
				t.Errorf("assign to user %d: %v", *who, err)
			}
		}
		if _, err := desk.TeamByName(f.ctx, db, "Nope"); err == nil || !strings.Contains(err.Error(), `"Nope"`) {
			t.Errorf("unknown team: %v", err)
		}
		if id, err := desk.UserByEmail(f.ctx, db, " DANA@brand.com"); err != nil || id != dana {
			t.Errorf("user by email: %d %v", id, err)
		}
		err := db.WriteTx(f.ctx, func(tx *store.Tx) error {
			_, err := desk.Assign(f.ctx, tx, me, 12345, desk.Assignment{UserID: &dana}, later)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "12345") {
			t.Errorf("assign a conversation that does not exist: %v", err)
		}
	})
}

func TestRoundRobin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		a1 := f.user("a1@brand.com", "agent", "", "Support")
		f.user("other@brand.com", "agent", "", "Returns")
		a2 := f.user("a2@brand.com", "agent", "", "Support")
		f.user("boss@brand.com", "admin", "", "Support") // admins are not in the rotation
		support := f.teamID("Support")
		var convs []int64
		for _, e := range []string{"c1@example.com", "c2@example.com", "c3@example.com"} {
			convs = append(convs, f.say(e, "", "email", "customer", deskNow.Add(-time.Hour), "hi").ConversationID)
		}
		// Off: nothing happens.
		var got int64
		f.act(func(tx *store.Tx) (err error) {
			got, err = desk.AutoAssign(f.ctx, tx, convs[0], deskNow)
			return err
		})
		if got != 0 {
			t.Fatalf("round-robin off assigned %d", got)
		}
		f.setting(desk.SettingRoundRobin, "on")
		var turns []int64
		for _, c := range convs {
			f.act(func(tx *store.Tx) error {
				_, err := desk.Assign(f.ctx, tx, desk.Actor{Name: "test"}, c, desk.Assignment{TeamID: &support}, deskNow)
				return err
			})
			turns = append(turns, f.int(`SELECT COALESCE(assignee_id, 0) FROM conversations WHERE id = ?`, c))
		}
		if !slices.Equal(turns, []int64{a1, a2, a1}) {
			t.Errorf("the Support team's turns: %v, want %v", turns, []int64{a1, a2, a1})
		}
		// Without a team, every agent takes a turn: recording the message
		// that starts a conversation assigns it; an assigned one is left.
		d := f.say("d@example.com", "", "email", "customer", deskNow, "hi").ConversationID
		if f.int(`SELECT COALESCE(assignee_id, 0) FROM conversations WHERE id = ?`, d) == 0 {
			t.Errorf("a new conversation was not given to an agent in turn")
		}
		f.act(func(tx *store.Tx) (err error) {
			got, err = desk.AutoAssign(f.ctx, tx, d, deskNow)
			return err
		})
		if got != 0 {
			t.Errorf("an assigned conversation was given again, to %d", got)
		}
	})
}

func TestStateSnoozeAndTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		r := f.say("ann@example.com", "Ann", "email", "customer", deskNow.Add(-time.Hour), "hi")
		c := r.ConversationID
		f.act(func(tx *store.Tx) error {
			if _, err := desk.Snooze(f.ctx, tx, agent, c, deskNow.Add(48*time.Hour), deskNow); err != nil {
				return err
			}
			if _, err := desk.SetState(f.ctx, tx, agent, c, "waiting", deskNow); err != nil {
				return err
			}
			if changed, err := desk.SetState(f.ctx, tx, agent, c, "waiting", deskNow); changed || err != nil {
				t.Errorf("waiting twice: %v %v", changed, err)
			}
			_, err := desk.SetState(f.ctx, tx, agent, c, "closed", deskNow)
			return err
		})
		if n := f.int(`SELECT COUNT(*) FROM contacts WHERE conversation_id = ? AND ended_at IS NULL`, c); n != 0 {
			t.Errorf("closing left %d contacts open", n)
		}
		if n := f.int(`SELECT COUNT(*) FROM conversations WHERE id = ? AND snoozed_until IS NULL AND closed_at = ?`, c, deskNow.Unix()); n != 1 {
			t.Error("closing did not end the snooze or stamp closed_at")
		}
		for _, bad := range []struct {
			fn    func(tx *store.Tx) error
			field string
		}{
			{func(tx *store.Tx) error { _, err := desk.SetState(f.ctx, tx, agent, c, "done", deskNow); return err }, "state"},
			{func(tx *store.Tx) error {
				_, err := desk.Snooze(f.ctx, tx, agent, c, deskNow.Add(time.Hour), deskNow)
				return err
			}, "closed"},
			{func(tx *store.Tx) error { _, err := desk.Snooze(f.ctx, tx, agent, c, deskNow, deskNow); return err }, "future"},
			{func(tx *store.Tx) error {
				_, _, err := desk.Tag(f.ctx, tx, agent, c, []string{"a,b"}, nil, deskNow)
				return err
			}, "add"},
			{func(tx *store.Tx) error {
				_, _, err := desk.Tag(f.ctx, tx, agent, c, []string{strings.Repeat("x", 41)}, nil, deskNow)
				return err
			}, "longer"},
		} {
			if err := db.WriteTx(f.ctx, bad.fn); err == nil || !strings.Contains(err.Error(), bad.field) {
				t.Errorf("want an error about %s, got %v", bad.field, err)
			}
		}
		f.act(func(tx *store.Tx) error {
			if _, err := desk.SetState(f.ctx, tx, agent, c, "open", deskNow); err != nil {
				return err
			}
			tags, changed, err := desk.Tag(f.ctx, tx, agent, c, []string{" Late  Parcel ", "vip", "vip"}, []string{"none"}, deskNow)
			if err != nil || !changed || !slices.Equal(tags, []string{"late parcel", "vip"}) {
				t.Errorf("tags %q %v %v", tags, changed, err)
			}
			tags, changed, err = desk.Tag(f.ctx, tx, agent, c, []string{"vip"}, []string{"late parcel"}, deskNow)
			if err != nil || !changed || !slices.Equal(tags, []string{"vip"}) {
				t.Errorf("tags %q %v %v", tags, changed, err)
			}
			_, changed, err = desk.Tag(f.ctx, tx, agent, c, []string{"vip"}, nil, deskNow)
			if changed {
				t.Error("a tag added twice changed something")
			}
			if _, err := desk.Snooze(f.ctx, tx, agent, c, deskNow.Add(time.Hour), deskNow); err != nil {
				return err
			}
			_, err = desk.Snooze(f.ctx, tx, agent, c, time.Time{}, deskNow)
			return err
		})
		want := []string{"snooze: until 2026-12-04T10:00:00Z", "state: waiting", "state: closed", "state: open", "tag: +late parcel +vip",
			"tag: -late parcel", "snooze: until 2026-12-02T11:00:00Z", "snooze: woken"}
		if got := f.events(c); !slices.Equal(got, want) {
			t.Errorf("events\n%q\nwant\n%q", got, want)
		}
		if f.int(`SELECT COUNT(*) FROM desk_events WHERE conversation_id = ? AND actor_id IS NULL`, c) != int64(len(want)) {
			t.Error("a token's events carry an actor id")
		}
	})
}

func TestNotesMentionAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		dana := f.user("dana.smith@brand.com", "agent", "Dana Smith", "")
		sam := f.user("sam@brand.com", "agent", "Sam", "")
		f.user("ana@brand.com", "analyst", "Ana", "")
		c := f.say("ann@example.com", "Ann", "email", "customer", deskNow.Add(-time.Hour), "hi").ConversationID
		c2 := f.say("bob@example.com", "Bob", "email", "customer", deskNow.Add(-time.Hour), "hi").ConversationID
		var n desk.Note
		f.act(func(tx *store.Tx) (err error) {
			n, err = desk.AddNote(f.ctx, tx, desk.Actor{UserID: sam, Name: "Sam"}, c, "@Dana can you check? cc @sam @ana, mail ann@example.com", deskNow)
			return err
		})
		if len(n.Mentioned) != 1 || n.Mentioned[0].UserID != dana || n.Mentioned[0].Name != "Dana Smith" {
			t.Errorf("mentioned %+v: want Dana alone (Sam wrote it, Ana is an analyst, an email is no mention)", n.Mentioned)
		}
		f.act(func(tx *store.Tx) error {
			_, err := desk.AddNote(f.ctx, tx, agent, c2, "for @dana.smith and @DanaSmith", deskNow)
			return err
		})
		if got := f.ids(desk.ViewMentions, desk.InboxFilter{UserID: dana}); !slices.Equal(got, []int64{c2, c}) && !slices.Equal(got, []int64{c, c2}) {
			t.Errorf("Dana's mentions: %v", got)
		}
		if n, err := desk.UnreadMentions(f.ctx, db, dana, 0); err != nil || n != 2 {
			t.Errorf("unread mentions %d %v", n, err)
		}
		var read int
		f.act(func(tx *store.Tx) (err error) {
			read, err = desk.MarkMentionsRead(f.ctx, tx, dana, c, deskNow)
			return err
		})
		if read != 1 {
			t.Errorf("marked %d read", read)
		}
		wantIDs(t, "mentions after opening one", f.ids(desk.ViewMentions, desk.InboxFilter{UserID: dana}), c2)
		if got := f.events(c); len(got) != 1 || !strings.HasPrefix(got[0], "note: @Dana can you check?") {
			t.Errorf("events %q", got)
		}
		err := db.WriteTx(f.ctx, func(tx *store.Tx) error { _, err := desk.AddNote(f.ctx, tx, agent, c, "  ", deskNow); return err })
		if err == nil || !strings.Contains(err.Error(), "text") {
			t.Errorf("an empty note: %v", err)
		}
		if got := desk.MentionHandles("@dana, @Sam. x@y.com @@ (@li_wei)"); !slices.Equal(got, []string{"dana", "sam", "li_wei"}) {
			t.Errorf("handles %q", got)
		}
	})
}

func TestCorrectTopicIsALabel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		r := f.say("ann@example.com", "Ann", "email", "customer", deskNow.Add(-time.Hour), "where is my parcel, it has not arrived")
		c := r.ConversationID
		var guess, source string
		if err := db.QueryRow(f.ctx, `SELECT topic, topic_source FROM contacts WHERE id = ?`, r.ContactID).Scan(&guess, &source); err != nil || source != "model" {
			t.Fatalf("the model labels a new contact: %q %q %v", guess, source, err)
		}
		f.act(func(tx *store.Tx) error {
			_, err := desk.CorrectTopic(f.ctx, tx, agent, c, "damaged_or_defective", deskNow)
			return err
		})
		var topic, guessAfter string
		if err := db.QueryRow(f.ctx, `SELECT topic, topic_source, topic_guess FROM contacts WHERE id = ?`, r.ContactID).Scan(&topic, &source, &guessAfter); err != nil {
			t.Fatal(err)
		}
		if topic != "damaged_or_defective" || source != "agent" {
			t.Errorf("after the correction: %q from %q", topic, source)
		}
		if got := f.events(c); !slices.Equal(got, []string{"topic: " + guess + " → damaged_or_defective"}) {
			t.Errorf("events %q", got)
		}
		// The same label again changes nothing; unknown and retired topics
		// are refused, naming the topic.
		f.act(func(tx *store.Tx) error {
			if changed, err := desk.CorrectTopic(f.ctx, tx, agent, c, "damaged_or_defective", deskNow); changed || err != nil {
				t.Errorf("the same topic again: %v %v", changed, err)
			}
			_, err := tx.Exec(f.ctx, `UPDATE topics SET status = 'retired' WHERE id = 'cancel'`)
			return err
		})
		for _, bad := range []string{"parcels", "cancel"} {
			err := db.WriteTx(f.ctx, func(tx *store.Tx) error { _, err := desk.CorrectTopic(f.ctx, tx, agent, c, bad, deskNow); return err })
			if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
				t.Errorf("topic %s: %v", bad, err)
			}
		}
		// A conversation the brand started has no contact to label.
		o := f.say("new@example.com", "", "email", "agent", deskNow, "Your order shipped").ConversationID
		err := db.WriteTx(f.ctx, func(tx *store.Tx) error {
			_, err := desk.CorrectTopic(f.ctx, tx, agent, o, "refund", deskNow)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "no contact") {
			t.Errorf("topic of a conversation without contact: %v", err)
		}
	})
}

func TestBulkActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInboxFixture(t, db)
		dana := f.user("dana@brand.com", "agent", "Dana", "")
		a := f.say("a@example.com", "", "email", "customer", deskNow, "hi").ConversationID
		b := f.say("b@example.com", "", "email", "customer", deskNow, "hi").ConversationID
		var res []desk.BulkResult
		f.act(func(tx *store.Tx) (err error) {
			if _, err := desk.SetState(f.ctx, tx, agent, b, "closed", deskNow); err != nil {
				return err
			}
			res, err = desk.Bulk(f.ctx, tx, agent, desk.BulkRequest{IDs: []int64{a, b, 999, a}, Action: desk.BulkClose}, deskNow)
			return err
		})
		want := []desk.BulkResult{{ID: a, OK: true, Changed: true}, {ID: b, OK: true}, {ID: 999, Error: "conversation 999 does not exist"}}
		if !slices.Equal(res, want) {
			t.Errorf("bulk close: %+v, want %+v", res, want)
		}
		f.act(func(tx *store.Tx) (err error) {
			res, err = desk.Bulk(f.ctx, tx, agent, desk.BulkRequest{IDs: []int64{a, b}, Action: desk.BulkAssign, Assign: desk.Assignment{UserID: &dana}}, deskNow)
			if err != nil {
				return err
			}
			res, err = desk.Bulk(f.ctx, tx, agent, desk.BulkRequest{IDs: []int64{a, b}, Action: desk.BulkTag, Tags: []string{"recall"}}, deskNow)
			return err
		})
		if n := f.int(`SELECT COUNT(*) FROM conversations WHERE assignee_id = ? AND tags = 'recall'`, dana); n != 2 || len(res) != 2 || !res[1].Changed {
			t.Errorf("bulk assign and tag: %d conversations, %+v", n, res)
		}
		for _, bad := range []desk.BulkRequest{{Action: desk.BulkClose}, {IDs: []int64{a}, Action: "delete"}, {IDs: []int64{a}, Action: desk.BulkTag},
			{IDs: []int64{a}, Action: desk.BulkTag, Tags: []string{"a,b"}}, {IDs: []int64{a}, Action: desk.BulkAssign}} {
			err := db.WriteTx(f.ctx, func(tx *store.Tx) error { _, err := desk.Bulk(f.ctx, tx, agent, bad, deskNow); return err })
			if err == nil {
				t.Errorf("bulk %+v was accepted", bad)
			}
		}
	})
}
