package desk_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// ownership is who owns every row that points at a customer, and what
// depends on it: the state a merge changes and an unmerge must restore.
func ownership(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	read := func(prefix, q string) {
		rows, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var key, value string
			if err := rows.Scan(&key, &value); err != nil {
				t.Fatal(err)
			}
			out[prefix+key] = value
		}
	}
	for _, table := range []string{"orders", "conversations", "messages", "self_service_sessions"} {
		read(table+"/", `SELECT CAST(id AS TEXT), CAST(customer_id AS TEXT) FROM `+table)
	}
	// The merge's own events are new rows; every other event is compared.
	read("desk_events/", `SELECT CAST(id AS TEXT), CAST(customer_id AS TEXT) FROM desk_events WHERE kind NOT IN ('merge', 'unmerge')`)
	read("contacts/", `SELECT CAST(id AS TEXT), CAST(customer_id AS TEXT) || ' repeat=' || CASE WHEN is_repeat THEN 'yes' ELSE 'no' END
		|| ' order=' || COALESCE(CAST(order_id AS TEXT), '-') || ' ' || attribution FROM contacts`)
	read("identities/", `SELECT kind || ':' || value, CAST(customer_id AS TEXT) FROM customer_identities`)
	read("customers/", `SELECT CAST(id AS TEXT), COALESCE(CAST(merged_into AS TEXT), '-') FROM customers`)
	return out
}

func TestMergeThenUnmergeRestoresExactly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		// Bob's history: an order, a chat contact two days before Ann's
		// first email, a self-service session, a note, and a customer
		// merged into him before.
		h.orders(commerce.Order{ExternalID: "B1", Customer: commerce.CustomerRef{Email: "bob@example.com", Phone: "+44 7700 900123"}, PlacedAt: t0, Status: "placed", ItemRevenue: 2000})
		h.message("bob@example.com", "chat", "customer", t0.Add(24*time.Hour), "Hello?")
		h.message("bob@example.com", "chat", "agent", t0.Add(24*time.Hour+time.Minute), "Hi Bob")
		h.session(kb.Session{ExternalID: "SB", StartedAt: t0.Add(25 * time.Hour), Outcome: "resolved", Customer: commerce.CustomerRef{Email: "bob@example.com"}})
		h.message("robert@example.com", "sms", "customer", t0.Add(2*time.Hour), "It's Robert")
		bob, robert := h.customer("bob@example.com"), h.customer("robert@example.com")
		agent := h.user("maya@brand.example", "Maya")
		h.deskEvent(bob, 0, "note", "Prefers chat", agent, t0.Add(26*time.Hour))
		if _, err := h.merge(bob, robert, agent, t0.Add(27*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Ann's.
		h.orders(commerce.Order{ExternalID: "A1", Customer: commerce.CustomerRef{Email: "ann@example.com"}, PlacedAt: t0.Add(time.Hour), Status: "placed", ItemRevenue: 5000})
		h.message("ann@example.com", "email", "customer", t0.Add(72*time.Hour), "Where is my order?")
		ann := h.customer("ann@example.com")

		before := ownership(t, db)
		merge, err := h.merge(ann, bob, agent, t0.Add(100*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if merge.SurvivorID != ann || merge.MergedID != bob || merge.Actor != "Maya" || merge.UndoneAt != nil {
			t.Fatalf("merge: %+v", merge)
		}
		// Bob's email and phone and Robert's email; Bob's note and the event
		// of Robert's merge into him.
		wantMoved := map[string]int{"customer_identities": 3, "orders": 1, "conversations": 2, "contacts": 2, "messages": 3, "self_service_sessions": 1, "desk_events": 2}
		if !maps.Equal(merge.Moved, wantMoved) {
			t.Errorf("moved %v, want %v", merge.Moved, wantMoved)
		}
		merged := ownership(t, db)
		for key, owner := range merged {
			if owner == fmt.Sprint(bob) || strings.HasPrefix(owner, fmt.Sprint(bob)+" ") {
				t.Errorf("%s still belongs to Bob after the merge", key)
			}
		}
		if merged[fmt.Sprintf("customers/%d", robert)] != fmt.Sprint(ann) || merged[fmt.Sprintf("customers/%d", bob)] != fmt.Sprint(ann) {
			t.Errorf("Bob and Robert should both resolve to Ann: %v", merged)
		}
		// Ann's email came two days after Bob's chat: a repeat now.
		var repeat bool
		if err := db.QueryRow(ctx, `SELECT is_repeat FROM contacts WHERE channel = 'email'`).Scan(&repeat); err != nil || !repeat {
			t.Errorf("Ann's email contact should be a repeat after the merge (%v)", err)
		}
		// The old ids resolve to the survivor.
		for _, old := range []int64{bob, robert} {
			if id, err := desk.ResolveCustomer(ctx, db, old); err != nil || id != ann {
				t.Errorf("customer %d resolves to %d (%v), want %d", old, id, err, ann)
			}
			page, err := desk.Timeline(ctx, db, old, desk.Cursor{})
			if err != nil || page.CustomerID != ann {
				t.Errorf("timeline of %d: customer %d (%v)", old, page.CustomerID, err)
			}
			p, err := desk.Profile(ctx, db, old)
			if err != nil || p.ID != ann {
				t.Errorf("profile of %d: customer %d (%v)", old, p.ID, err)
			}
		}
		p, err := desk.Profile(ctx, db, ann)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Emails) != 3 || len(p.Phones) != 1 || p.Orders.Count != 2 || len(p.MergedIDs) != 2 || len(p.Merges) != 1 {
			t.Errorf("Ann's profile after the merge: %+v", p)
		}
		// Sent again, the same merge changes nothing.
		again, err := h.merge(ann, bob, agent, t0.Add(101*time.Hour))
		if err != nil || again.ID != merge.ID {
			t.Fatalf("the same merge again: %+v, %v", again, err)
		}
		if got := ownership(t, db); !maps.Equal(got, merged) {
			t.Error("merging again changed something")
		}

		undone, err := h.unmerge(merge.ID, agent, t0.Add(120*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if undone.UndoneAt == nil || !undone.UndoneAt.Equal(t0.Add(120*time.Hour)) {
			t.Errorf("unmerge: %+v", undone)
		}
		after := ownership(t, db)
		for key, was := range before {
			if after[key] != was {
				t.Errorf("%s: %s before the merge, %s after the unmerge", key, was, after[key])
			}
		}
		if len(after) != len(before) {
			t.Errorf("%d rows before, %d after", len(before), len(after))
		}
		if again, err := h.unmerge(merge.ID, agent, t0.Add(121*time.Hour)); err != nil || !again.UndoneAt.Equal(*undone.UndoneAt) {
			t.Errorf("undoing again: %+v, %v", again, err)
		}

		// Both timelines say what happened; Ann's merge shows undone.
		for _, c := range []struct {
			customer int64
			kinds    []string
		}{{ann, []string{"unmerge", "merge"}}, {bob, []string{"unmerge"}}} {
			page, err := desk.Timeline(ctx, db, c.customer, desk.Cursor{})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, it := range page.Items {
				if it.Type == desk.ItemMerge && it.Event.Merge.ID == merge.ID {
					kinds = append(kinds, it.Event.Kind)
					if !it.Event.Merge.Undone {
						t.Errorf("customer %d: the %s event does not say the merge was undone", c.customer, it.Event.Kind)
					}
				}
			}
			if fmt.Sprint(kinds) != fmt.Sprint(c.kinds) {
				t.Errorf("customer %d: merge events %q, want %q", c.customer, kinds, c.kinds)
			}
		}
	})
}

func TestMergeRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHistory(t, db)
		for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			h.message(e, "email", "customer", t0, "hi")
		}
		a, b, c := h.customer("a@example.com"), h.customer("b@example.com"), h.customer("c@example.com")
		m, err := h.merge(b, a, 0, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if m.Actor != "" {
			t.Errorf("a merge through the API has no user: %+v", m)
		}
		refused := func(name string, err error, code, field string) {
			t.Helper()
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != code || (field != "" && (len(de.Fields) != 1 || de.Fields[0].Field != field)) {
				t.Errorf("%s: %v, want %s on field %q", name, err, code, field)
			}
		}
		_, err = h.merge(c, c, 0, t0)
		refused("into itself", err, domain.EInvalid, "customer_id")
		_, err = h.merge(a, c, 0, t0)
		refused("into a merged-away customer", err, domain.EInvalid, "id")
		_, err = h.merge(c, a, 0, t0)
		refused("a merged-away customer", err, domain.EInvalid, "customer_id")
		_, err = h.merge(c, 999, 0, t0)
		refused("an unknown customer", err, domain.EInvalid, "customer_id")
		_, err = h.merge(999, c, 0, t0)
		refused("into an unknown customer", err, domain.ENotFound, "")
		_, err = h.unmerge(999, 0, t0)
		refused("an unknown merge", err, domain.ENotFound, "")

		// B is merged into C: the merge of A into B waits for that one to
		// be undone, and then comes undone with A pointing at B again.
		later, err := h.merge(c, b, 0, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := desk.ResolveCustomer(context.Background(), db, a); id != c {
			t.Errorf("A resolves to %d, want C %d", id, c)
		}
		_, err = h.unmerge(m.ID, 0, t0.Add(3*time.Hour))
		refused("undoing a merge whose survivor was merged since", err, domain.EConflict, "")
		if _, err := h.unmerge(later.ID, 0, t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if id, _ := desk.ResolveCustomer(context.Background(), db, a); id != b {
			t.Errorf("after undoing B into C, A resolves to %d, want B %d", id, b)
		}
		if _, err := h.unmerge(m.ID, 0, t0.Add(4*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{a, b, c} {
			if got, _ := desk.ResolveCustomer(context.Background(), db, id); got != id {
				t.Errorf("customer %d resolves to %d after both merges were undone", id, got)
			}
		}
	})
}
