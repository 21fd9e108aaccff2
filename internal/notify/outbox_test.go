package notify_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestEnqueueIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, created, err := notify.Enqueue(ctx, db, review, t0)
		if err != nil || !created {
			t.Fatalf("first enqueue: created %v, %v", created, err)
		}
		if first.Status != notify.StatusPending || !first.NextAttemptAt.Equal(t0) || !first.CreatedAt.Equal(t0) || first.Attempts != 0 {
			t.Errorf("enqueued %+v", first)
		}
		changed := review
		changed.Subject = "something else"
		again, created, err := notify.Enqueue(ctx, db, changed, t0.Add(time.Hour))
		if err != nil || created {
			t.Fatalf("second enqueue: created %v, %v", created, err)
		}
		if again.ID != first.ID || again.Subject != review.Subject || !again.CreatedAt.Equal(t0) {
			t.Errorf("second enqueue returned %+v, want the first one unchanged", again)
		}
		// In a transaction, it shares the transaction's fate.
		inTx := review
		inTx.Key = "review:2026-W47:email:sam@brand.example"
		rollback := errors.New("roll back")
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			if _, created, err := notify.Enqueue(ctx, tx, inTx, t0); err != nil || !created {
				t.Errorf("enqueue in a transaction: created %v, %v", created, err)
			}
			return rollback
		})
		if err != rollback {
			t.Fatal(err)
		}
		all, err := notify.List(ctx, db, notify.ListOptions{})
		if err != nil || len(all) != 1 {
			t.Fatalf("List = %+v, %v: want the one delivery", all, err)
		}
	})
}

func TestEnqueueChecksDeliveries(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, tc := range []struct {
		d      notify.Delivery
		fields []string
	}{
		{notify.Delivery{Channel: "sms", Target: "x"}, []string{"key", "channel"}},
		{notify.Delivery{Key: "k", Channel: notify.ChannelEmail, Target: "dana at brand"}, []string{"target", "subject", "text"}},
		{notify.Delivery{Key: "k", Channel: notify.ChannelEmail, Target: "dana@brand.example", Subject: "a\r\nBcc: x@y", Text: "t"}, []string{"subject"}},
		{notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: "ftp://hooks.example/x"}, []string{"target", "text"}},
		{notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: "https://hooks.example/x", Payload: []byte(`{"blocks": []}`)}, []string{"payload"}},
		{notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: "https://hooks.example/x", Payload: []byte(`[1]`)}, []string{"payload"}},
	} {
		_, _, err := notify.Enqueue(context.Background(), db, tc.d, t0)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EInvalid {
			t.Errorf("Enqueue(%+v) = %v, want invalid", tc.d, err)
			continue
		}
		var fields []string
		for _, f := range de.Fields {
			fields = append(fields, f.Field)
		}
		if !slices.Equal(fields, tc.fields) {
			t.Errorf("Enqueue(%+v): fields %v (%v), want %v", tc.d, fields, err, tc.fields)
		}
	}
	got, _, err := notify.Enqueue(context.Background(), db, notify.Delivery{Key: "w", Channel: notify.ChannelWebhook, Target: "https://hooks.example/x", Text: `say "hi"`}, t0)
	if err != nil || string(got.Payload) != `{"text":"say \"hi\""}` {
		t.Errorf("webhook text became payload %s, %v", got.Payload, err)
	}
}

func TestListAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ids []int64
		for i, key := range []string{"a", "b", "c"} {
			d := review
			d.Key = key
			got, _, err := notify.Enqueue(ctx, db, d, t0.Add(time.Duration(i)*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got.ID)
		}
		if _, err := db.Exec(ctx, `UPDATE deliveries SET status = 'failed', attempts = 8 WHERE key = 'a'`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE deliveries SET status = 'sent', sent_at = 1 WHERE key = 'b'`); err != nil {
			t.Fatal(err)
		}
		all, err := notify.List(ctx, db, notify.ListOptions{})
		if err != nil || len(all) != 3 || all[0].Key != "c" || all[2].Key != "a" {
			t.Fatalf("List = %+v, %v: want newest first", all, err)
		}
		if two, _ := notify.List(ctx, db, notify.ListOptions{Limit: 2}); len(two) != 2 {
			t.Errorf("Limit 2 gave %d", len(two))
		}
		if _, err := notify.List(ctx, db, notify.ListOptions{Status: "lost"}); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("List with a bad status: %v", err)
		}
		failed, err := notify.Failed(ctx, db)
		if err != nil || len(failed) != 1 || failed[0].ID != ids[0] {
			t.Fatalf("Failed = %+v, %v", failed, err)
		}

		now := t0.Add(time.Hour)
		if d, err := notify.Retry(ctx, db, ids[0], now); err != nil || d.Status != notify.StatusPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(now) {
			t.Errorf("Retry(failed) = %+v, %v", d, err)
		}
		if _, err := notify.Retry(ctx, db, ids[1], now); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("Retry(sent) = %v, want conflict", err)
		}
		if _, err := db.Exec(ctx, `UPDATE deliveries SET attempts = 3, next_attempt_at = ? WHERE key = 'c'`, now.Add(2*time.Hour).Unix()); err != nil {
			t.Fatal(err)
		}
		if d, err := notify.Retry(ctx, db, ids[2], now); err != nil || d.Attempts != 3 || !d.NextAttemptAt.Equal(now) {
			t.Errorf("Retry(pending) = %+v, %v: want due now, attempts kept", d, err)
		}
		if _, err := notify.Retry(ctx, db, 999, now); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("Retry(unknown) = %v, want not found", err)
		}
	})
}
