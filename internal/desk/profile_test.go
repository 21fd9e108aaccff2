package desk_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, commerce.CurrencySetting, "EUR"); err != nil {
			t.Fatal(err)
		}
		h := newHistory(t, db)
		ann, bob, _ := annsHistory(t, h)
		// Neither a test order nor one cancelled before it shipped is an
		// order processed (docs/metrics.md#orders-processed).
		ref := commerce.CustomerRef{Email: "ann@example.com"}
		h.orders(
			commerce.Order{ExternalID: "A2", Customer: ref, PlacedAt: t0.Add(200 * time.Hour), Status: "placed", ItemRevenue: 2000, Discounts: 500},
			commerce.Order{ExternalID: "A3", Customer: ref, PlacedAt: t0.Add(300 * time.Hour), Status: "test", ItemRevenue: 9900},
			commerce.Order{ExternalID: "A4", Customer: ref, PlacedAt: t0.Add(400 * time.Hour), Status: "cancelled", CancelledAt: when(t0.Add(401 * time.Hour)), ItemRevenue: 9900},
		)
		p, err := desk.Profile(ctx, db, ann)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != ann || !slices.Equal(p.Emails, []string{"ann@example.com", "bob@example.com"}) || !slices.Equal(p.ExternalIDs["customer"], []string{"C-1"}) {
			t.Errorf("identities: %+v", p)
		}
		o := p.Orders
		if o.Count != 2 || o.Value != 8300+1500 || o.Currency != "EUR" || !o.First.Equal(t0) || !o.Last.Equal(t0.Add(200*time.Hour)) {
			t.Errorf("lifetime orders: %+v", o)
		}
		// Ann's email, call and imported contact and Bob's chat.
		if p.Contacts != 4 || p.CPO == nil || *p.CPO != 2 || p.RepeatContacts != 3 {
			t.Errorf("contacts %d (repeats %d), CPO %v; want 4, 3 and 2", p.Contacts, p.RepeatContacts, p.CPO)
		}
		if len(p.OpenConversations) != 2 || !slices.Equal(p.MergedIDs, []int64{bob}) || len(p.Merges) != 1 || p.Merges[0].MergedID != bob {
			t.Errorf("conversations %+v, merged %v, merges %+v", p.OpenConversations, p.MergedIDs, p.Merges)
		}

		h.message("new@example.com", "chat", "customer", t0, "hello")
		fresh, err := desk.Profile(ctx, db, h.customer("new@example.com"))
		if err != nil || fresh.CPO != nil || fresh.Orders.Count != 0 || fresh.Orders.First != nil || fresh.Contacts != 1 {
			t.Errorf("a customer without orders: %+v, %v", fresh, err)
		}
		if _, err := desk.Profile(ctx, db, 999); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("an unknown customer: %v", err)
		}
	})
}

func TestSearchCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		ann, bob, _ := annsHistory(t, h)
		h.orders(commerce.Order{ExternalID: "Z9", Name: "#5120", Customer: commerce.CustomerRef{Email: "zoe@example.com", Name: "Zoë Adams", Phone: "+33 6 12 34 56 78"},
			PlacedAt: t0, Status: "placed", ItemRevenue: 100})
		zoe := h.customer("zoe@example.com")
		for _, c := range []struct {
			q       string
			want    []int64
			matched string
		}{
			{"ann@example.com", []int64{ann}, "email"},
			{"  ANN@Example.com ", []int64{ann}, "email"},
			{"bob@example.com", []int64{ann}, "email"}, // merged away: found as Ann
			{"#A1", []int64{ann}, "order"},
			{"A1", []int64{ann}, "order"},
			{"5120", []int64{zoe}, "order"},
			{"#5120", []int64{zoe}, "order"},
			{"C-1", []int64{ann}, "external_id"},
			{"+33 6 12 34 56 78", []int64{zoe}, "phone"},
			{"zoë", []int64{zoe}, "name"},
			{"zo", []int64{zoe}, "email"},
			{"nobody", nil, ""},
			{"", nil, ""},
		} {
			got, err := desk.SearchCustomers(ctx, db, c.q)
			if err != nil {
				t.Fatalf("%q: %v", c.q, err)
			}
			var ids []int64
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, c.want) || (len(got) > 0 && got[0].Matched != c.matched) {
				t.Errorf("search %q: %+v, want %v matched by %s", c.q, got, c.want, c.matched)
			}
		}
		if got, _ := desk.SearchCustomers(ctx, db, "zoe@"); len(got) != 1 || got[0].Name != "Zoë Adams" || got[0].Emails[0] != "zoe@example.com" || len(got[0].Phones) != 1 {
			t.Errorf("a result names the customer: %+v", got)
		}
		for ref, want := range map[string]int64{"zoe@example.com": zoe, "+33612345678": zoe, "C-1": ann, "bob@example.com": ann} {
			if got, err := desk.FindCustomer(ctx, db, ref); err != nil || got != want {
				t.Errorf("find %q: %d, %v; want %d", ref, got, err, want)
			}
		}
		if _, err := desk.FindCustomer(ctx, db, "nobody@example.com"); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("find nobody: %v", err)
		}
		_ = bob
	})
}
