package selfserve_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// outboxCode reads the code of the newest delivery to target.
func outboxCode(t *testing.T, db *store.DB, target string) string {
	t.Helper()
	var text, channel string
	if err := db.QueryRow(context.Background(), `SELECT body_text, channel FROM deliveries WHERE target = ? ORDER BY id DESC LIMIT 1`, target).Scan(&text, &channel); err != nil {
		t.Fatal(err)
	}
	m := sixDigits.FindStringSubmatch(text)
	if m == nil || channel != "email" {
		t.Fatalf("the %s delivery %q has no code", channel, text)
	}
	return m[1]
}

// A code goes through the outbox, is stored only as a hash, opens once,
// allows five tries, expires after ten minutes, and a new one replaces
// the old.
func TestCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ana := selfserve.EmailAddress("ana@example.com")
		masked, err := selfserve.SendCode(ctx, db, ana, "Acme", now)
		if err != nil || masked != "a***@example.com" {
			t.Fatalf("send: %q %v", masked, err)
		}
		code := outboxCode(t, db, "ana@example.com")
		var hash, status string
		if err := db.QueryRow(ctx, `SELECT code_hash, status FROM selfserve_codes`).Scan(&hash, &status); err != nil || hash == code || len(hash) != 64 || status != "active" {
			t.Fatalf("stored %q %q (%v)", hash, status, err)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := range 4 {
			if ok, why, err := selfserve.VerifyCode(ctx, db, ana, wrong, now.Add(time.Minute)); ok || err != nil || why == "" {
				t.Fatalf("wrong try %d: %v %q %v", i+1, ok, why, err)
			}
		}
		if ok, _, err := selfserve.VerifyCode(ctx, db, ana, code[:3]+" "+code[3:], now.Add(2*time.Minute)); !ok || err != nil {
			t.Fatalf("the right code on the fifth try: %v %v", ok, err)
		}
		if ok, _, _ := selfserve.VerifyCode(ctx, db, ana, code, now.Add(3*time.Minute)); ok {
			t.Fatal("a used code opened again")
		}

		// Five wrong tries spend a code: the right one no longer opens.
		if _, err := selfserve.SendCode(ctx, db, ana, "Acme", now.Add(4*time.Minute)); err != nil {
			t.Fatal(err)
		}
		code = outboxCode(t, db, "ana@example.com")
		wrong = "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 5 {
			selfserve.VerifyCode(ctx, db, ana, wrong, now.Add(5*time.Minute))
		}
		if ok, why, _ := selfserve.VerifyCode(ctx, db, ana, code, now.Add(5*time.Minute)); ok {
			t.Fatalf("opened after five wrong tries (%q)", why)
		}

		// Expired after 10 minutes; a new code replaces the active one.
		selfserve.SendCode(ctx, db, ana, "Acme", now.Add(6*time.Minute))
		first := outboxCode(t, db, "ana@example.com")
		if ok, why, _ := selfserve.VerifyCode(ctx, db, ana, first, now.Add(16*time.Minute)); ok || why != "This code has expired: ask for a new one." {
			t.Fatalf("expired code: %v %q", ok, why)
		}
		selfserve.SendCode(ctx, db, ana, "Acme", now.Add(17*time.Minute))
		second := outboxCode(t, db, "ana@example.com")
		selfserve.SendCode(ctx, db, ana, "Acme", now.Add(18*time.Minute))
		third := outboxCode(t, db, "ana@example.com")
		if n := count(t, db, `SELECT COUNT(*) FROM selfserve_codes WHERE address = ? AND status = 'active'`, "ana@example.com"); n != 1 {
			t.Errorf("%d active codes, want 1", n)
		}
		if second != third {
			if ok, _, _ := selfserve.VerifyCode(ctx, db, ana, second, now.Add(19*time.Minute)); ok {
				t.Error("a replaced code opened")
			}
		}
		if ok, _, _ := selfserve.VerifyCode(ctx, db, ana, third, now.Add(19*time.Minute)); !ok {
			t.Error("the newest code did not open")
		}
		// Five codes an hour at most.
		if _, err := selfserve.SendCode(ctx, db, ana, "Acme", now.Add(20*time.Minute)); err == nil {
			t.Error("a sixth code in an hour was sent")
		}
		// A phone without Twilio configured gets no code, and says why.
		if _, err := selfserve.SendCode(ctx, db, selfserve.PhoneAddress("+15551230001"), "Acme", now); err == nil {
			t.Error("a code was sent by SMS without Twilio")
		}
	})
}
