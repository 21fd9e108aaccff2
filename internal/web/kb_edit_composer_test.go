package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// saveArticles stores articles as an editor would.
func saveArticles(t *testing.T, db *store.DB, articles ...*kb.Article) {
	t.Helper()
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		for _, a := range articles {
			if _, err := kb.Save(context.Background(), tx, a, "writer@example.com", "", now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Agents get published articles in the composer: the variant for the
// channel, as plain text, filled like a saved reply, in the customer's
// locale when it is translated; the internal note apart.
func TestComposerArticles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startDesk(t, db)
		if err := db.SetSetting(context.Background(), kb.SettingHelpLocales, "en,fr"); err != nil {
			t.Fatal(err)
		}
		d.withOrder("ann@example.com")
		mail := d.message(obj{"customer_email": "ann@example.com", "customer_name": "Ann Lee", "subject": "Late", "body": "Where is it?"})
		chat := d.message(obj{"customer_email": "bob@example.com", "customer_name": "Bob Ray", "channel": "chat", "body": "Hi"})
		saveArticles(t, db,
			&kb.Article{Slug: "late-parcel", Locale: "en", Title: "My parcel is late", Category: "Shipping", Status: kb.Published,
				Body: "# Late parcels\n\nSorry **{{first_name}}**.", Chat: "Sorry {{first_name}}, it is on its way.",
				Email:    "Hi {{first_name}},\n\nYour order {{order_number}} is **{{order_status}}**.\n\n- [Track it](https://dhl.example/t)\n- [Nope](javascript:alert(1))\n\n<script>alert(1)</script>",
				Internal: "Offer a **voucher** past 7 days."},
			&kb.Article{Slug: "late-parcel", Locale: "fr", Title: "Mon colis est en retard", Status: kb.Published, Body: "Désolé {{first_name}}."},
			&kb.Article{Slug: "sizes", Locale: "en", Title: "Which size?", Status: kb.Draft, Body: "Draft."},
			&kb.Article{Slug: "returns", Locale: "en", Title: "Returns", Status: kb.Published, Body: "Return by {{return_deadline}}."},
		)

		list := d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles", mail), nil, http.StatusOK)
		if list["locale"] != "en" || list["variant"] != "email" || fmt.Sprint(list["articles"]) != "[map[category:Shipping locale:en slug:late-parcel title:My parcel is late] map[category: locale:en slug:returns title:Returns]]" {
			t.Errorf("articles for a mail conversation: %v", list)
		}
		got := d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles/late-parcel", mail), nil, http.StatusOK)
		want := "Hi Ann,\n\nYour order #7001 is returned.\n\n- Track it (https://dhl.example/t)\n- Nope"
		if got["text"] != want || got["internal"] != "Offer a voucher past 7 days." || len(got["missing"].([]any)) != 0 || got["variant"] != "email" {
			t.Errorf("the article as a mail reply:\n%q\nwant\n%q\n%v", got["text"], want, got)
		}
		// Chat takes the chat variant; a customer without an order leaves a marker.
		got = d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles/late-parcel", chat), nil, http.StatusOK)
		if got["text"] != "Sorry Bob, it is on its way." || got["variant"] != "chat" {
			t.Errorf("the article in chat: %v", got)
		}
		got = d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles/returns", chat), nil, http.StatusOK)
		if got["text"] != "Return by [return deadline unknown]." || fmt.Sprint(got["missing"]) != "[return_deadline]" {
			t.Errorf("a variable without a value: %v", got)
		}
		// Drafts are not offered; searches find by title.
		d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles/sizes", mail), nil, http.StatusNotFound)
		found := d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles?q=parcel", mail), nil, http.StatusOK)
		if a := found["articles"].([]any); len(a) != 1 || a[0].(map[string]any)["slug"] != "late-parcel" {
			t.Errorf("search parcel: %v", found)
		}

		// Bob searched the help centre in French: he gets the French
		// translation where there is one, else the default.
		ctx := context.Background()
		var customer int64
		if err := db.QueryRow(ctx, `SELECT customer_id FROM conversations WHERE id = ?`, chat).Scan(&customer); err != nil {
			t.Fatal(err)
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var session int64
			if err := tx.QueryRow(ctx, `INSERT INTO self_service_sessions (external_id, started_at, outcome, customer_id) VALUES ('web:bob', ?, 'resolved', ?) RETURNING id`, now.Unix(), customer).Scan(&session); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO kb_searches (session_id, at, query, locale, results) VALUES (?, ?, 'colis', 'fr', 1)`, session, now.Unix())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		list = d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles", chat), nil, http.StatusOK)
		if list["locale"] != "fr" || !strings.Contains(fmt.Sprint(list["articles"]), "locale:fr slug:late-parcel title:Mon colis est en retard") || !strings.Contains(fmt.Sprint(list["articles"]), "locale:en slug:returns") {
			t.Errorf("articles for a French customer: %v", list)
		}
		got = d.deskAPI("GET", fmt.Sprintf("/api/v1/conversations/%d/articles/late-parcel", chat), nil, http.StatusOK)
		if got["text"] != "Désolé Bob." || got["locale"] != "fr" {
			t.Errorf("the French article: %v", got)
		}
		d.deskAPI("GET", "/api/v1/conversations/999/articles", nil, http.StatusNotFound)
		// Analysts do not read conversations, so not these either.
		analyst := d.visitor().login("analyst@example.com")
		if r := analyst.get(fmt.Sprintf("/api/v1/conversations/%d/articles", mail)); r.status != http.StatusForbidden {
			t.Errorf("an analyst: %d", r.status)
		}
	})
}
