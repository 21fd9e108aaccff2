package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// The Review page lists the week's taxonomy changes, a topic's name
// escaped, and the API's review has them as topic_changes.
func TestReviewPageListsTopicChanges(t *testing.T) {
	s := demoSite(t)
	ctx := context.Background()
	in47 := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) // Wednesday of 2026-W47
	if err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := topics.AddTopic(ctx, tx, "customs_hold", "Parcel stuck at customs", in47); err != nil {
			return err
		}
		if err := topics.RenameTopic(ctx, tx, "customs_hold", `<script>alert("held")</script>`, in47.Add(time.Hour)); err != nil {
			return err
		}
		_, err := topics.MergeTopic(ctx, tx, "customs_hold", "delivery_delay", in47.Add(2*time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	admin := s.visitor().login("admin@example.com")
	body := admin.page("/review?week=2026-W47", http.StatusOK)
	mustContain(t, body, `<li class="topic-change">Topic customs_hold “Parcel stuck at customs” added on 2026-11-18.</li>`,
		`renamed from “Parcel stuck at customs” to “&lt;script&gt;alert(&#34;held&#34;)&lt;/script&gt;”`,
		`merged into delivery_delay “Delivery delay” on 2026-11-18: 0 contacts moved`)
	if strings.Contains(body, `<script>alert`) {
		t.Error("the Review page carries a topic name's markup unescaped")
	}
	r := s.do("GET", "/api/v1/review?week=2026-W47", "Bearer "+s.token("read"), nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"topic_changes":[{"kind":"created"`) || !strings.Contains(string(r.body), `"kind":"merged"`) {
		t.Errorf("GET /api/v1/review: %d %s", r.status, r.body)
	}
}
