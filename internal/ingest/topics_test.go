package ingest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestImportedContactsGetTheirTopicsBesideTheWrite: a CSV import classifies
// contacts while the batch before is written; the result is what the write
// path itself assigns (the API's), and labels that came with the file stay.
func TestImportedContactsGetTheirTopicsBesideTheWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		texts := []string{"I want to cancel my order, I ordered by mistake", "Where is my parcel? It was due on Monday", "The lamp arrived broken, the glass is cracked"}
		var rows [][]string
		var direct []desk.ImportedContact
		for i := range 30 {
			text := texts[i%len(texts)]
			topic := ""
			if i%10 == 9 {
				topic = "vip_request"
			}
			rows = append(rows, []string{fmt.Sprintf("C%d", i), "2026-03-02 10:00:00", "email", "ann@example.com", topic, text})
			direct = append(direct, desk.ImportedContact{ExternalID: fmt.Sprintf("D%d", i), StartedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
				Channel: "email", Customer: commerce.CustomerRef{Email: "bo@example.com"}, Topic: topic, Text: text})
		}
		path := filepath.Join(t.TempDir(), "contacts.csv")
		writeCSV(t, path, []string{"contact_id", "started_at", "channel", "customer_email", "topic", "text"}, rows)
		importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts", BatchSize: 7})
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := ingest.WriteContacts(ctx, tx, ingest.NewEnv(clocktest.Clock()), anys(direct))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var differ, labelled, model int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts c JOIN contacts d ON d.external_id = 'D' || SUBSTR(c.external_id, 2)
			WHERE c.external_id LIKE 'C%' AND (c.topic <> d.topic OR c.topic_source <> d.topic_source OR c.topic_guess <> d.topic_guess)`).Scan(&differ)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE external_id LIKE 'C%' AND topic = 'vip_request' AND topic_source = 'imported'`).Scan(&labelled)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE external_id LIKE 'C%' AND topic_source = 'model' AND topic_confidence IS NOT NULL`).Scan(&model)
		if differ != 0 || labelled != 3 || model != 27 {
			t.Errorf("%d contacts differ from the write path's topics; %d labelled kept (want 3), %d classified (want 27)", differ, labelled, model)
		}
	})
}

func anys(cs []desk.ImportedContact) []any {
	out := make([]any, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}
