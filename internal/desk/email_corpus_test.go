package desk_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/desk"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestRealMailLandsOnTheDesk receives every real message of the mail
// corpus (internal/mail/testdata/corpus, collected from public mail
// parsers' fixtures) through the desk, twice: each lands as its kind says,
// only people's own mail with a sender starts a contact, nothing fails,
// and the second delivery changes nothing.
func TestRealMailLandsOnTheDesk(t *testing.T) {
	dir := filepath.Join("..", "mail", "testdata", "corpus")
	data, err := os.ReadFile(filepath.Join(dir, "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expect map[string]struct {
		Kind string `json:"kind"`
		From string `json:"from"`
	}
	if err := json.Unmarshal(data, &expect); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(expect))
	for name := range expect {
		names = append(names, name)
	}
	sort.Strings(names)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, desk.SettingSupportAddresses, "help@brand.example"); err != nil {
			t.Fatal(err)
		}
		at := clocktest.Default
		wantContacts := 0
		for _, name := range names {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Minute)
			in, err := desk.ReceiveMail(ctx, db, at, raw, nil)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			e := expect[name]
			if in.Kind != e.Kind {
				t.Errorf("%s: kind %q, want %q", name, in.Kind, e.Kind)
			}
			if (in.ContactID != 0) != (e.Kind == "message" && e.From != "") {
				t.Errorf("%s (%s from %q): contact %d", name, e.Kind, e.From, in.ContactID)
			}
			if in.NewContact {
				wantContacts++
			}
			again, err := desk.ReceiveMail(ctx, db, at.Add(time.Second), raw, nil)
			if err != nil || !again.Duplicate || again.MessageID != in.MessageID {
				t.Errorf("%s delivered again: %+v %v", name, again, err)
			}
		}
		var raws, contacts int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM raw_messages`).Scan(&raws)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts`).Scan(&contacts)
		if raws != len(names) || contacts != wantContacts {
			t.Errorf("%d raw messages for %d mails, %d contacts for %d new", raws, len(names), contacts, wantContacts)
		}
	})
}
