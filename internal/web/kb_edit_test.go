package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"quietdesk/internal/auth"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// kbEditor is an agent given the knowledge-base right.
func kbEditor(t *testing.T, s *site, email string) *visitor {
	t.Helper()
	if _, err := auth.AddUser(context.Background(), s.db, email, "agent", password, now); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.SetKBEditor(context.Background(), s.db, email, true); err != nil {
		t.Fatal(err)
	}
	return s.visitor().login(email)
}

// kbVersions reads an article's stored versions as "N by WHO: NOTE", newest first.
func kbVersions(t *testing.T, db *store.DB, slug, locale string) []string {
	t.Helper()
	a, err := kb.Get(context.Background(), db, slug, locale)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := kb.History(context.Background(), db, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range hist {
		out = append(out, strings.Join([]string{v.Title, v.Status, v.ChangedBy, v.Note}, "|"))
	}
	return out
}

// The editor's pages: who may use them, CSRF, a new article from a topic
// gap, a save, a stale form refused, the history's diff and a restore, and
// a translation started from the article.
func TestKBEditorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		if err := db.SetSetting(context.Background(), kb.SettingHelpLocales, "en,fr"); err != nil {
			t.Fatal(err)
		}
		editor := kbEditor(t, s, "writer@example.com")
		agent := s.visitor().login("agent@example.com")
		analyst := s.visitor().login("analyst@example.com")
		admin := s.visitor().login("admin@example.com")

		// Roles: agents without the right and analysts get 403 pages;
		// the navigation offers the knowledge base to editors only.
		for _, v := range []*visitor{agent, analyst} {
			for _, p := range []string{"/kb", "/kb/new"} {
				if r := v.get(p); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "<html") {
					t.Errorf("GET %s by a non-editor: %d, want a 403 page", p, r.status)
				}
			}
		}
		if body := agent.page("/inbox", http.StatusOK); strings.Contains(body, `href="/kb"`) {
			t.Error("an agent without the right is offered the knowledge base")
		}
		body := editor.page("/kb", http.StatusOK)
		mustContain(t, body, `href="/kb" aria-current="page">Knowledge base</a>`, `href="/kb/new"`, "No articles yet")
		admin.page("/kb", http.StatusOK)

		// A FAQ gap's link prefills the title and the topic.
		body = editor.page("/kb/new?topic=delivery_delay&title="+url.QueryEscape("My parcel is late"), http.StatusOK)
		mustContain(t, body, `value="My parcel is late"`, `name="topics" value="delivery_delay" checked`, `<option value="fr">fr</option>`)
		csrf := editor.csrf(editor.get("/kb/new"))

		// Without the CSRF token nothing is stored.
		form := url.Values{"title": {"My parcel is late"}, "locale": {"en"}, "category": {"Shipping"}, "body": {"Hi {{first_name}}, **sorry**."},
			"topics": {"delivery_delay"}, "status": {"draft"}, "note": {"first draft"}, "action": {"save"}, "version": {"0"}}
		if r := editor.post("/kb/new", form); r.status != http.StatusForbidden {
			t.Fatalf("a form without CSRF: %d", r.status)
		}
		if n := s.count("kb_articles"); n != 0 {
			t.Fatalf("%d articles after a forged form", n)
		}
		// An agent without the right cannot post, even with a token of theirs.
		form.Set("csrf", agent.csrf(agent.get("/inbox")))
		if r := agent.post("/kb/new", form); r.status != http.StatusForbidden {
			t.Fatalf("a non-editor's form: %d", r.status)
		}
		form.Set("csrf", csrf)

		// Preview stores nothing and draws the Markdown.
		form.Set("action", "preview")
		r := editor.post("/kb/new", form)
		if r.status != http.StatusOK || s.count("kb_articles") != 0 {
			t.Fatalf("preview: %d, %d articles", r.status, s.count("kb_articles"))
		}
		mustContain(t, string(r.body), `id="kb-preview"`, "<strong>sorry</strong>")

		// Bad input names the field and keeps what was typed.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("action", "save")
		bad.Set("body", "Hi {{firstname}}")
		bad["topics"] = []string{"no_such_topic"}
		r = editor.post("/kb/new", bad)
		if r.status != http.StatusBadRequest || s.count("kb_articles") != 0 {
			t.Fatalf("bad article: %d, %d stored", r.status, s.count("kb_articles"))
		}
		mustContain(t, string(r.body), "{{firstname}} is not a variable", `&#34;no_such_topic&#34; is not a topic`, "Hi {{firstname}}</textarea>")

		form.Set("action", "save")
		r = editor.post("/kb/new", form)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/kb/en/my-parcel-is-late" {
			t.Fatalf("save: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
		}
		// The same slug again is refused, naming where the article is.
		if r := editor.post("/kb/new", form); r.status != http.StatusConflict || !strings.Contains(string(r.body), "/kb/en/my-parcel-is-late") {
			t.Errorf("a second article with the slug: %d", r.status)
		}

		// Edit: two editors open version 1; the first saves; the second's
		// stale form is refused and stores nothing.
		page := "/kb/en/my-parcel-is-late"
		body = editor.page(page, http.StatusOK)
		mustContain(t, body, `name="version" value="1"`, "version 1, draft", `href="/kb/new?from=en&amp;locale=fr&amp;slug=my-parcel-is-late"`)
		edit := url.Values{"csrf": {csrf}, "title": {"My parcel is late"}, "category": {"Shipping"}, "body": {"Hi {{first_name}}, **sorry**.\nIt ships in 2 days."},
			"topics": {"delivery_delay"}, "status": {"published"}, "note": {"add the delay"}, "action": {"save"}, "version": {"1"}}
		if r := editor.post(page, edit); r.status != http.StatusSeeOther {
			t.Fatalf("update: %d\n%s", r.status, r.body)
		}
		adminCSRF := admin.csrf(admin.get(page))
		stale := url.Values{"csrf": {adminCSRF}, "title": {"Late parcels"}, "category": {"Shipping"}, "body": {"Old text"}, "status": {"draft"}, "action": {"save"}, "version": {"1"}}
		r = admin.post(page, stale)
		if r.status != http.StatusConflict {
			t.Fatalf("stale form: %d", r.status)
		}
		mustContain(t, string(r.body), "changed while you edited it", "writer@example.com saved version 2", "Old text</textarea>")
		want := []string{"My parcel is late|published|writer@example.com|add the delay", "My parcel is late|draft|writer@example.com|first draft"}
		if got := kbVersions(t, db, "my-parcel-is-late", "en"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("versions after a refused stale save:\n%s", strings.Join(got, "\n"))
		}

		// History: newest first, the diff of version 2 against 1, and a
		// restore of version 1 as version 3.
		body = editor.page(page+"/history", http.StatusOK)
		mustContain(t, body, `id="version-2"`, "(current)", "add the delay", "<ins>+ It ships in 2 days.</ins>", "<del>- Status: draft</del>", "<ins>+ Status: published</ins>", `name="version" value="1"`)
		if strings.Index(body, `id="version-2"`) > strings.Index(body, `id="version-1"`) {
			t.Error("the history is not newest first")
		}
		if r := editor.post(page+"/rollback", url.Values{"csrf": {csrf}, "version": {"1"}}); r.status != http.StatusSeeOther || r.header.Get("Location") != page+"/history" {
			t.Fatalf("restore: %d %s", r.status, r.body)
		}
		a, err := kb.Get(context.Background(), db, "my-parcel-is-late", "en")
		if err != nil {
			t.Fatal(err)
		}
		if a.Version != 3 || a.Status != kb.Draft || a.Body != "Hi {{first_name}}, **sorry**." || a.UpdatedBy != "writer@example.com" {
			t.Errorf("after restoring version 1: %+v", a)
		}
		if got := kbVersions(t, db, "my-parcel-is-late", "en"); len(got) != 3 || got[0] != "My parcel is late|draft|writer@example.com|restored version 1" {
			t.Errorf("versions after the restore:\n%s", strings.Join(got, "\n"))
		}
		if r := editor.post(page+"/rollback", url.Values{"csrf": {csrf}, "version": {"9"}}); r.status != http.StatusNotFound {
			t.Errorf("restore of a version that does not exist: %d", r.status)
		}

		// Translate into French: prefilled from the English article, the
		// same slug; once saved, each links to the other.
		body = editor.page("/kb/new?from=en&locale=fr&slug=my-parcel-is-late", http.StatusOK)
		mustContain(t, body, `id="kb-slug" value="my-parcel-is-late"`, `<option value="fr" selected>`, `value="translated from en"`)
		tr := url.Values{"csrf": {csrf}, "title": {"Mon colis est en retard"}, "slug": {"my-parcel-is-late"}, "locale": {"fr"}, "body": {"Désolé."},
			"status": {"draft"}, "action": {"save"}, "version": {"0"}}
		if r := editor.post("/kb/new", tr); r.status != http.StatusSeeOther || r.header.Get("Location") != "/kb/fr/my-parcel-is-late" {
			t.Fatalf("save the translation: %d %s", r.status, r.body)
		}
		mustContain(t, editor.page(page, http.StatusOK), `href="/kb/fr/my-parcel-is-late" hreflang="fr"`, "Mon colis est en retard")
		mustContain(t, editor.page("/kb/fr/my-parcel-is-late", http.StatusOK), `href="/kb/en/my-parcel-is-late" hreflang="en"`)

		// The list filters by locale and searches titles.
		body = editor.page("/kb?locale=fr", http.StatusOK)
		if !strings.Contains(body, "Mon colis est en retard") || strings.Contains(body, ">My parcel is late<") {
			t.Errorf("the French list:\n%s", body)
		}
		body = editor.page("/kb?q="+url.QueryEscape("parcel"), http.StatusOK)
		mustContain(t, body, ">My parcel is late</a>")
		if r := editor.get("/kb/de/nothing"); r.status != http.StatusNotFound {
			t.Errorf("an article that does not exist: %d", r.status)
		}
	})
}
