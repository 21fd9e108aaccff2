package connect_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"quietdesk/internal/connect"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var day = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// pages is a connector over a fixed list of pages of record names: its
// cursor is the next page's index. It fails as failAt says, once.
type pages struct {
	pages  [][]string
	failAt map[int]error
}

func (p *pages) Check(config, creds map[string]string) error {
	if creds["token"] == "" {
		return errors.New("token: required")
	}
	return nil
}
func (p *pages) Every() time.Duration { return 5 * time.Minute }
func (p *pages) Step(ctx context.Context, s *connect.Session) (bool, error) {
	i, _ := strconv.Atoi(s.Conn.Cursor)
	if err, ok := p.failAt[i]; ok {
		delete(p.failAt, i)
		return false, err
	}
	if i >= len(p.pages) {
		return true, s.Commit(ctx, connect.Checkpoint{Phase: "records", Cursor: s.Conn.Cursor, Total: -1, Backfilled: true}, nil)
	}
	return false, s.Commit(ctx, connect.Checkpoint{Phase: "records", Cursor: strconv.Itoa(i + 1), Total: int64(len(p.pages) * 2)}, func(tx *store.Tx) (int64, error) {
		for _, r := range p.pages[i] {
			if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, target) VALUES (?, 'test', 'record', ?)`, s.Now().Unix(), r); err != nil {
				return 0, err
			}
		}
		return int64(len(p.pages[i])), nil
	})
}

func records(t *testing.T, db *store.DB) []string {
	rows, err := db.Query(context.Background(), `SELECT target FROM audit_log WHERE action = 'record' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestSealOpen(t *testing.T) {
	s, err := connect.ParseKey(connect.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal(map[string]string{"token": "shpat_secret"})
	if err != nil {
		t.Fatal(err)
	}
	if string(sealed) == "" || contains(sealed, "shpat_secret") {
		t.Fatalf("sealed credentials show the token: %q", sealed)
	}
	got, err := s.Open(sealed)
	if err != nil || got["token"] != "shpat_secret" {
		t.Fatalf("open: %v %v", got, err)
	}
	other, _ := connect.ParseKey(connect.NewKey())
	if _, err := other.Open(sealed); err == nil {
		t.Fatal("another key opened the credentials")
	}
	var none *connect.Sealer
	if _, err := none.Seal(map[string]string{}); !errors.Is(err, connect.ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	if _, err := connect.ParseKey("short"); err == nil {
		t.Fatal("a short key was taken")
	}
}

func contains(b []byte, s string) bool {
	return len(s) > 0 && string(b) != "" && indexOf(string(b), s) >= 0
}
func indexOf(a, b string) int {
	for i := 0; i+len(b) <= len(a); i++ {
		if a[i:i+len(b)] == b {
			return i
		}
	}
	return -1
}

func TestSyncResumesAfterStopWaitAndFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := &pages{pages: [][]string{{"a", "b"}, {"c", "d"}, {"e", "f"}}, failAt: map[int]error{
			1: connect.Wait(day.Add(30*time.Second), "rate limited"),
			2: connect.Stop("access revoked: reconnect"),
		}}
		connect.Register("pages-test", p)
		s, _ := connect.ParseKey(connect.NewKey())
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := connect.Create(ctx, tx, s, "shop", "pages-test", map[string]string{"shop": "x"}, map[string]string{"token": "t"}, day)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		now := func() time.Time { return day }
		c, err := connect.Sync(ctx, db, s, "shop", now, nil, connect.SyncOptions{})
		var wait *connect.WaitError
		if !errors.As(err, &wait) || c.State != connect.StateWaiting || c.Done != 2 || c.NextSyncAt == nil || !c.NextSyncAt.Equal(day.Add(30*time.Second)) {
			t.Fatalf("after a rate limit: %+v, %v", c, err)
		}
		// Not yet due: RunDue leaves it.
		if err := connect.RunDue(ctx, db, s, now, nil); err != nil {
			t.Fatal(err)
		}
		if got := records(t, db); fmt.Sprint(got) != "[a b]" {
			t.Fatalf("records while waiting: %v", got)
		}
		later := func() time.Time { return day.Add(time.Minute) }
		if err := connect.RunDue(ctx, db, s, later, nil); err != nil {
			t.Fatal(err)
		}
		c, _ = connect.Get(ctx, db, "shop")
		if c.State != connect.StateStopped || c.Reason != "access revoked: reconnect" || c.Done != 4 {
			t.Fatalf("after lost access: %+v", c)
		}
		// A stopped connection is not synced until someone acts.
		if err := connect.RunDue(ctx, db, s, later, nil); err != nil {
			t.Fatal(err)
		}
		if got := records(t, db); fmt.Sprint(got) != "[a b c d]" {
			t.Fatalf("records while stopped: %v", got)
		}
		// Connecting again with new credentials starts it where it stopped.
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := connect.Create(ctx, tx, s, "shop", "pages-test", map[string]string{"shop": "x"}, map[string]string{"token": "t2"}, day)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c, err = connect.Sync(ctx, db, s, "shop", later, nil, connect.SyncOptions{})
		if err != nil || c.State != connect.StateCurrent || c.Done != 6 || c.BackfilledAt == nil || c.LastSyncAt == nil {
			t.Fatalf("resumed: %+v, %v", c, err)
		}
		if got := records(t, db); fmt.Sprint(got) != "[a b c d e f]" {
			t.Fatalf("records: %v", got)
		}
		// Another key cannot read the credentials.
		other, _ := connect.ParseKey(connect.NewKey())
		if _, err := connect.Sync(ctx, db, other, "shop", later, nil, connect.SyncOptions{}); err == nil {
			t.Fatal("synced with another key")
		}
		// Paused: not synced; resumed: current again.
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := connect.SetPaused(ctx, tx, "shop", true, day)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := connect.Sync(ctx, db, s, "shop", later, nil, connect.SyncOptions{}); err == nil {
			t.Fatal("a paused connection synced")
		}
	})
}

func TestCommitRefusesWhenAnotherProcessMovedOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		connect.Register("pages-test", &pages{})
		s, _ := connect.ParseKey(connect.NewKey())
		var c *connect.Connection
		if err := db.WriteTx(ctx, func(tx *store.Tx) (err error) {
			c, err = connect.Create(ctx, tx, s, "shop", "pages-test", nil, map[string]string{"token": "t"}, day)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		stale := *c
		now := func() time.Time { return day }
		first := &connect.Session{DB: db, Conn: c, Now: now}
		if err := first.Commit(ctx, connect.Checkpoint{Phase: "p", Cursor: "1", Total: -1}, nil); err != nil {
			t.Fatal(err)
		}
		second := &connect.Session{DB: db, Conn: &stale, Now: now}
		wrote := false
		err := second.Commit(ctx, connect.Checkpoint{Phase: "p", Cursor: "1", Total: -1}, func(tx *store.Tx) (int64, error) {
			wrote = true
			_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action) VALUES (0, 'test', 'record')`)
			return 1, err
		})
		if !errors.Is(err, connect.ErrMoved) || !wrote {
			t.Fatalf("stale commit: %v", err)
		}
		if got := records(t, db); len(got) != 0 {
			t.Fatalf("a stale commit stored %v", got)
		}
	})
}

func TestCreateChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		connect.Register("pages-test", &pages{})
		s, _ := connect.ParseKey(connect.NewKey())
		for _, tc := range []struct{ name, kind, token string }{{"Bad Name", "pages-test", "t"}, {"shop", "nope", "t"}, {"shop", "pages-test", ""}} {
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				_, err := connect.Create(ctx, tx, s, tc.name, tc.kind, nil, map[string]string{"token": tc.token}, day)
				return err
			})
			if err == nil {
				t.Fatalf("%+v was taken", tc)
			}
			if code := domain.ErrorCode(err); code != domain.EInvalid {
				t.Errorf("%+v: %s error %v, want invalid: it is what was typed", tc, code, err)
			}
		}
		if all, _ := connect.List(ctx, db); len(all) != 0 {
			t.Fatalf("stored: %v", all)
		}
	})
}
