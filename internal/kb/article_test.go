package kb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var day = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const wismo = `---
title: Where is my order?
locale: en
category: Shipping
synonyms: [parcel, package]
topics: [where_is_my_order]
chat: Track it from the link in your shipping mail.
---
Every order ships with a **tracking link**. <script>alert(1)</script>
`

// Articles keep every change as a version, and a rollback is one more.
func TestArticleVersionsAndRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := kb.ParseFile("wismo.md", []byte(wismo))
		if err != nil {
			t.Fatal(err)
		}
		if a.Slug != "where-is-my-order" || a.Status != kb.Published || a.Text("chat") != "Track it from the link in your shipping mail." || a.Text("email") != a.Body {
			t.Fatalf("parsed %+v", a)
		}
		save := func(a *kb.Article, at time.Time) store.Outcome {
			var o store.Outcome
			if err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				o, err = kb.Save(ctx, tx, a, "ann@example.com", "", at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return o
		}
		if o := save(a, day); o != store.Created {
			t.Fatalf("first save %v", o)
		}
		same := *a
		if o := save(&same, day.Add(time.Hour)); o != store.Unchanged {
			t.Fatalf("same content saved again: %v", o)
		}
		edit := *a
		edit.Body = "Changed."
		if o := save(&edit, day.Add(2*time.Hour)); o != store.Updated || edit.Version != 2 {
			t.Fatalf("edit: %v version %d", o, edit.Version)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := kb.Rollback(ctx, tx, a.Slug, "en", 1, "bob@example.com", day.Add(3*time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got, err := kb.Get(ctx, db, a.Slug, "en")
		if err != nil {
			t.Fatal(err)
		}
		hist, err := kb.History(ctx, db, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 3 || got.Body != a.Body || len(hist) != 3 || hist[0].Note != "restored version 1" || hist[0].ChangedBy != "bob@example.com" || hist[1].Body != "Changed." {
			t.Fatalf("after rollback: version %d body %q history %+v", got.Version, got.Body, hist)
		}
		if rev, _ := kb.Revision(ctx, db); rev != 3 {
			t.Errorf("revision %d, want 3 (three changes)", rev)
		}
		html := string(kb.Render(got.Body))
		if strings.Contains(html, "<script") || !strings.Contains(html, "<strong>tracking link</strong>") {
			t.Errorf("rendered %s", html)
		}
	})
}

// A directory imports whole or not at all, twice changes nothing, and
// export writes what import reads back.
func TestImportExportDir(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		write := func(name, text string) {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("en/wismo.md", wismo)
		write("fr/wismo.md", strings.Replace(strings.Replace(wismo, "locale: en", "locale: fr\nslug: where-is-my-order", 1), "title: Where is my order?", "title: Où est ma commande ?", 1))
		write("en/bad.md", "---\ntitle: Bad\nlocale: english\ncategory: x\ncolour: red\n---\nbody\n")
		_, err := kb.ImportDir(ctx, db, dir, "import", day)
		if err == nil || !strings.Contains(err.Error(), "en/bad.md") || !strings.Contains(err.Error(), "colour") {
			t.Fatalf("bad file: %v", err)
		}
		if all, _ := kb.List(ctx, db, kb.Filter{}); len(all) != 0 {
			t.Fatalf("a failed import stored %d articles", len(all))
		}
		write("en/bad.md", "---\ntitle: Returns\nlocale: en\ncategory: Returns\n---\nThirty days.\n")
		res, err := kb.ImportDir(ctx, db, dir, "import", day)
		if err != nil || res.Counts.Created != 3 {
			t.Fatalf("import: %+v %v", res, err)
		}
		res, err = kb.ImportDir(ctx, db, dir, "import", day.Add(time.Hour))
		if err != nil || res.Counts.Unchanged != 3 {
			t.Fatalf("import again: %+v %v", res, err)
		}
		fr, err := kb.Get(ctx, db, "where-is-my-order", "fr")
		if err != nil {
			t.Fatal(err)
		}
		if tr, _ := kb.Translations(ctx, db, fr); len(tr) != 1 || tr[0].Locale != "en" {
			t.Errorf("translations of fr: %+v", tr)
		}
		out := t.TempDir()
		if n, err := kb.ExportDir(ctx, db, out); err != nil || n != 3 {
			t.Fatalf("export: %d %v", n, err)
		}
		res, err = kb.ImportDir(ctx, db, out, "import", day.Add(2*time.Hour))
		if err != nil || res.Counts.Unchanged != 3 {
			t.Fatalf("import of the export: %+v %v", res, err)
		}
	})
}

// Events of one session id make one session; it escalates when asked for a
// person, and the id starts a new session after the idle time.
func TestRecordEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		customers := commerce.NewCustomers(clock.Fixed(day))
		yes := false
		sid := "abcdefghijklmnop1234"
		events := []kb.Event{
			{Type: kb.EventSearch, Query: "where is my parcel", Shown: []string{"where-is-my-order", "returns"}},
			{Type: kb.EventView, Slug: "where-is-my-order"},
			{Type: kb.EventFeedback, Slug: "where-is-my-order", Helpful: &yes},
			{Type: kb.EventSearch, Query: "where is my parcel", Shown: []string{"where-is-my-order", "returns"}},
			{Type: kb.EventEscalate, Customer: commerce.CustomerRef{Email: "ann@example.com"}},
		}
		for i, e := range events {
			e.Session, e.Channel, e.Locale, e.At = sid, kb.ChannelHelpCentre, "en", day.Add(time.Duration(i)*time.Minute)
			if err := db.WriteTx(ctx, func(tx *store.Tx) error { _, err := kb.RecordEvent(ctx, tx, customers, e); return err }); err != nil {
				t.Fatal(err)
			}
		}
		later := kb.Event{Session: sid, Channel: kb.ChannelHelpCentre, Type: kb.EventSearch, Query: "refund", At: day.Add(2 * time.Hour)}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { _, err := kb.RecordEvent(ctx, tx, customers, later); return err }); err != nil {
			t.Fatal(err)
		}
		var sessions, escalated, searches, shown, opened, feedback int
		for _, q := range []struct {
			sql string
			to  *int
		}{
			{`SELECT COUNT(*) FROM self_service_sessions`, &sessions},
			{`SELECT COUNT(*) FROM self_service_sessions WHERE outcome = 'escalated' AND customer_id IS NOT NULL AND article = 'where-is-my-order'`, &escalated},
			{`SELECT COUNT(*) FROM kb_searches`, &searches},
			{`SELECT COUNT(*) FROM self_service_shown`, &shown},
			{`SELECT COUNT(*) FROM self_service_shown WHERE opened`, &opened},
			{`SELECT COUNT(*) FROM kb_feedback WHERE NOT helpful`, &feedback},
		} {
			if err := db.QueryRow(ctx, q.sql).Scan(q.to); err != nil {
				t.Fatal(err)
			}
		}
		if sessions != 2 || escalated != 1 || searches != 2 || shown != 2 || opened != 1 || feedback != 1 {
			t.Errorf("sessions %d escalated %d searches %d shown %d opened %d feedback %d; want 2 1 2 2 1 1", sessions, escalated, searches, shown, opened, feedback)
		}
		bad := kb.Event{Session: "short", Channel: "web", Type: kb.EventView, At: day}
		err := db.WriteTx(ctx, func(tx *store.Tx) error { _, err := kb.RecordEvent(ctx, tx, customers, bad); return err })
		if err == nil || !strings.Contains(err.Error(), "session") || !strings.Contains(err.Error(), "channel") || !strings.Contains(err.Error(), "slug") {
			t.Errorf("bad event: %v", err)
		}
	})
}
