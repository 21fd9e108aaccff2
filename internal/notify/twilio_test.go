package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	qclock "quietdesk/internal/clock"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/twilio"
)

// TestTwilioSenderOutcomes: which answers of the Messages resource are
// retried, which are permanent, and that a sent message's sid is kept.
func TestTwilioSenderOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		created, err := os.ReadFile("../twilio/testdata/twilio-python/message_create_response.json")
		if err != nil {
			t.Fatal(err)
		}
		var status atomic.Int64
		var calls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(int(status.Load()))
			if status.Load() == 201 {
				w.Write(created)
			} else {
				w.Write([]byte(`{"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}`))
			}
		}))
		defer srv.Close()
		d, _, err := notify.Enqueue(ctx, db, notify.Delivery{Key: "reply:1", Channel: notify.ChannelTwilio, Target: "+15551234567", Text: "Hello"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		s := &notify.TwilioSender{DB: db, Now: qclock.Fixed(t0), Config: twilio.Config{APIURL: srv.URL, AccountSID: "AC0123456789abcdef0123456789abcdef",
			AuthToken: "0123456789abcdef0123456789abcdef", From: "+15550000000", SiteURL: "https://desk.example.com"}}
		for _, c := range []struct {
			status    int
			permanent bool
		}{{400, true}, {404, true}, {429, false}, {500, false}, {503, false}} {
			status.Store(int64(c.status))
			err := s.Send(ctx, d)
			if err == nil || notify.IsPermanent(err) != c.permanent {
				t.Errorf("answer %d: %v (permanent %v), want permanent %v", c.status, err, notify.IsPermanent(err), c.permanent)
			}
		}
		status.Store(201)
		if err := s.Send(ctx, d); err != nil {
			t.Fatal(err)
		}
		var provider string
		db.QueryRow(ctx, `SELECT provider_id FROM deliveries WHERE id = ?`, d.ID).Scan(&provider)
		if provider != "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
			t.Errorf("provider_id %q", provider)
		}
		if err := twilio.RecordOptOut(ctx, db, "+15551234567", "texted STOP", t0); err != nil {
			t.Fatal(err)
		}
		before := calls.Load()
		if err := s.Send(ctx, d); !notify.IsPermanent(err) || calls.Load() != before {
			t.Errorf("to an opted-out number: %v, %d requests", err, calls.Load()-before)
		}
		if _, err := notify.Check(notify.Delivery{Key: "k", Channel: notify.ChannelTwilio, Target: "555-1234", Text: "x"}); err == nil {
			t.Error("a number not in E.164 form was accepted")
		}
	})
}
