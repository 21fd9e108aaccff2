package selfserve_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const session = "sess-0123456789abcdef"

// A lookup with the order's number and email answers exactly the order
// as its customer sees it; every kind of mismatch gets the one answer;
// each attempt leaves one row of the trail, and a match one session.
func TestLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shop(t, db)
		ctx := context.Background()
		o, err := selfserve.Lookup(ctx, db, selfserve.LookupInput{Order: " 1001", Address: selfserve.EmailAddress(" ANA@example.com "), Source: "192.0.2.1", Session: session}, now)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(o)
		want := `{"order":"#1001","status":"delivered","placed_at":"2026-11-01T00:00:00Z",` +
			`"items":[{"sku":"GC-50","title":"Gift card","quantity":1},{"sku":"SOCK-1","title":"Socks","quantity":1},{"sku":"TEE-M","title":"Blue tee","quantity":2}],` +
			`"shipments":[{"carrier":"UPS","tracking_number":"1Z999AA10123456784","tracking_url":"https://ups.example/track/1Z999AA10123456784","shipped_at":"2026-11-03T09:00:00Z","delivered_at":"2026-11-05T14:00:00Z"}],` +
			`"promised_date":"2026-11-06","returns":[]}`
		if string(got) != want {
			t.Errorf("lookup answered\n%s\nwant\n%s", got, want)
		}
		// By phone, with or without its plus.
		for _, phone := range []string{"+1 555 123 0001", "15551230001"} {
			if o, err := selfserve.Lookup(ctx, db, selfserve.LookupInput{Order: "#1003", Address: selfserve.PhoneAddress(phone), Source: "192.0.2.1"}, now); err != nil || o.Status != selfserve.StatusPlaced {
				t.Errorf("by phone %q: %+v, %v", phone, o, err)
			}
		}

		var messages []string
		for _, in := range []selfserve.LookupInput{
			{Order: "#1001", Address: selfserve.EmailAddress("bob@example.com")}, // another customer's email
			{Order: "#9999", Address: selfserve.EmailAddress("ana@example.com")}, // no such order
			{Order: "#1005", Address: selfserve.EmailAddress("cy@example.com")},  // no email on file
			{Order: "#1001", Address: selfserve.PhoneAddress("+15551230003")},    // another's phone
		} {
			in.Source = "192.0.2.2"
			o, err := selfserve.Lookup(ctx, db, in, now)
			if o != nil || !selfserve.IsNotFound(err) {
				t.Fatalf("%+v: %+v, %v; want not found", in, o, err)
			}
			messages = append(messages, err.Error())
		}
		for _, m := range messages {
			if m != selfserve.NotFoundMessage {
				t.Errorf("mismatch answered %q, want the one message", m)
			}
		}
		if _, err := selfserve.Lookup(ctx, db, selfserve.LookupInput{Order: "#1001"}, now); err == nil || !strings.Contains(err.Error(), "email address") {
			t.Errorf("no email: %v", err)
		}
		rows, err := db.Query(ctx, `SELECT source, order_key, via, outcome, identity_hash FROM selfserve_lookups ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var trail []string
		for rows.Next() {
			var source, key, via, outcome, hash string
			if err := rows.Scan(&source, &key, &via, &outcome, &hash); err != nil {
				t.Fatal(err)
			}
			if len(hash) != 32 || strings.Contains(hash, "@") {
				t.Errorf("identity hash %q", hash)
			}
			trail = append(trail, source+" "+key+" "+via+" "+outcome)
		}
		wantTrail := []string{"192.0.2.1 1001 email ok", "192.0.2.1 1003 phone ok", "192.0.2.1 1003 phone ok",
			"192.0.2.2 1001 email mismatch", "192.0.2.2 9999 email mismatch", "192.0.2.2 1005 email mismatch", "192.0.2.2 1001 phone mismatch"}
		if strings.Join(trail, "\n") != strings.Join(wantTrail, "\n") {
			t.Errorf("trail\n%s\nwant\n%s", strings.Join(trail, "\n"), strings.Join(wantTrail, "\n"))
		}
		var kind, outcome, channel string
		var orderID int64
		if err := db.QueryRow(ctx, `SELECT kind, outcome, channel, order_id FROM self_service_sessions WHERE external_id = ?`, "web:"+session).Scan(&kind, &outcome, &channel, &orderID); err != nil ||
			kind != "order_status" || outcome != "resolved" || channel != "help_centre" || orderID == 0 {
			t.Errorf("session %s %s %s %d (%v)", kind, outcome, channel, orderID, err)
		}
	})
}

// Five mismatches of one order lock it, right email or not, until the
// fifth is 15 minutes old; five of one email lock that email on any order.
func TestLookupLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shop(t, db)
		ctx := context.Background()
		at := now
		for i := range 5 {
			_, err := selfserve.Lookup(ctx, db, selfserve.LookupInput{Order: "#1001", Address: selfserve.EmailAddress("guess" + string(rune('a'+i)) + "@example.com"), Source: "198.51.100.1"}, at.Add(time.Duration(i)*time.Minute))
			if !selfserve.IsNotFound(err) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		right := selfserve.LookupInput{Order: "1001", Address: selfserve.EmailAddress("ana@example.com"), Source: "203.0.113.9"}
		_, err := selfserve.Lookup(ctx, db, right, at.Add(5*time.Minute))
		var limited *selfserve.LimitedError
		if !errors.As(err, &limited) || limited.RetryAfter != 10*time.Minute {
			t.Fatalf("sixth lookup: %v, want limited for 10 minutes", err)
		}
		// The first failure leaves the window at +15 min: four remain.
		if _, err := selfserve.Lookup(ctx, db, right, at.Add(14*time.Minute)); !errors.As(err, &limited) {
			t.Fatalf("at +14 min: %v, want still limited", err)
		}
		if o, err := selfserve.Lookup(ctx, db, right, at.Add(15*time.Minute+time.Second)); err != nil || o.Name != "#1001" {
			t.Fatalf("after the window: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM selfserve_lookups WHERE outcome = 'limited'`); n != 2 {
			t.Errorf("%d limited rows, want 2", n)
		}

		// One email tried on five orders is locked on a sixth, its own.
		later := at.Add(time.Hour)
		for i, name := range []string{"#2001", "#2002", "#2003", "#2004", "#2005"} {
			if _, err := selfserve.Lookup(ctx, db, selfserve.LookupInput{Order: name, Address: selfserve.EmailAddress("ana@example.com"), Source: "198.51.100.2"}, later.Add(time.Duration(i)*time.Second)); !selfserve.IsNotFound(err) {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if _, err := selfserve.Lookup(ctx, db, selfserve.LookupInput{Order: "#1001", Address: selfserve.EmailAddress("ana@example.com"), Source: "198.51.100.3"}, later.Add(time.Minute)); !errors.As(err, &limited) {
			t.Fatalf("the email after 5 misses: %v, want limited", err)
		}
	})
}

// A signed link opens its order until it expires; a changed, forged or
// expired link gets the one not-found answer.
func TestSignedLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shop(t, db)
		ctx := context.Background()
		var secret []byte
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var err error
			secret, err = selfserve.Secret(ctx, tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		again, err := selfserve.ExistingSecret(ctx, db)
		if err != nil || string(again) != string(secret) || len(secret) != 64 {
			t.Fatalf("secret %q then %q (%v)", secret, again, err)
		}
		link := selfserve.SignLink(secret, "#1001", "ana@example.com", now.Add(7*24*time.Hour))
		token, ok := strings.CutPrefix(link, "/help/orders/view?t=")
		if !ok {
			t.Fatalf("link %q", link)
		}
		o, claims, err := selfserve.ViewLink(ctx, db, token, "192.0.2.1", session, now.Add(time.Hour))
		if err != nil || o.Name != "#1001" || claims.Address.Value != "ana@example.com" {
			t.Fatalf("view: %+v %+v %v", o, claims, err)
		}
		forged := selfserve.SignOrder([]byte("not the secret"), "#1001", selfserve.EmailAddress("ana@example.com"), now.Add(time.Hour))
		tampered := strings.Replace(token, token[:4], "AAAA", 1)
		otherOrder := selfserve.SignOrder(secret, "#1004", selfserve.EmailAddress("ana@example.com"), now.Add(time.Hour))
		customer := selfserve.SignCustomer(secret, selfserve.EmailAddress("ana@example.com"), now.Add(time.Hour))
		for name, tok := range map[string]string{"expired": token, "forged": forged, "tampered": tampered, "another's order": otherOrder, "a customer token": customer, "empty": ""} {
			at := now.Add(time.Hour)
			if name == "expired" {
				at = now.Add(7 * 24 * time.Hour)
			}
			o, _, err := selfserve.ViewLink(ctx, db, tok, "192.0.2.1", "", at)
			if o != nil || !selfserve.IsNotFound(err) || err.Error() != selfserve.NotFoundMessage {
				t.Errorf("%s link: %+v, %v", name, o, err)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM selfserve_lookups WHERE via = 'link' AND outcome = 'mismatch'`); n != 6 {
			t.Errorf("%d failed link rows, want 6", n)
		}
	})
}
