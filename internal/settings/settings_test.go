package settings_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/audit"
	"quietdesk/internal/domain"
	"quietdesk/internal/settings"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Set checks, stores and audits in the caller's transaction; the same
// value twice records once; a secret is never in the record; a wrong
// value names the key and stores nothing.
func TestSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		set := func(key, value string) (settings.Change, error) {
			var c settings.Change
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				c, err = settings.Set(ctx, tx, now, "dana@brand.example", key, value)
				return err
			})
			return c, err
		}
		if _, err := set("timezone", "Mars/Olympus"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "timezone: \"Mars/Olympus\" is not a time zone") {
			t.Errorf("bad zone: %v", err)
		}
		if _, err := set("no.such.key", "x"); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("unknown key: %v", err)
		}
		if c, err := set("timezone", "Europe/Paris"); err != nil || !c.Changed {
			t.Fatalf("%+v %v", c, err)
		}
		if c, err := set("timezone", "Europe/Paris"); err != nil || c.Changed {
			t.Errorf("same value: %+v %v", c, err)
		}
		if _, err := set("smtp.password", "hunter2 hunter2"); err != nil {
			t.Fatal(err)
		}
		if _, err := set("timezone", ""); err != nil {
			t.Fatal(err)
		}
		list, err := audit.List(ctx, db, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range list {
			got = append(got, e.Actor+" "+e.Target+" "+e.Detail)
		}
		want := `dana@brand.example timezone "Europe/Paris" cleared|dana@brand.example smtp.password (set)|dana@brand.example timezone set to "Europe/Paris"`
		if strings.Join(got, "|") != want {
			t.Errorf("audit %q", got)
		}
	})
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a key registered twice did not panic")
		}
	}()
	settings.Register(settings.Def{Key: settings.TimeZone})
}
