package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store/storetest"
)

// contactTexts are what the contacts of BenchmarkImportContactsInProcess
// say: unlabelled, so every one is classified on arrival.
var contactTexts = []string{
	"Hi,\n\nmy order #%d still hasn't arrived, the tracking has not moved since Monday.\n\nThanks,\nAnna",
	"The jumper I received has a hole in the sleeve. Order %d.",
	"Can I exchange the boots for a bigger size? They are too small.",
	"Please cancel order %d, I ordered twice by mistake",
	"The discount code doesn't work at checkout",
	"I sent the parcel back two weeks ago and I'm still waiting for my refund",
	"Do you ship to Canada?",
	"i cant log in to my acount, reset email never comes",
}

// writeTextContactsCSV writes n contacts with texts and no topic.
func writeTextContactsCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write([]string{"contact_id", "started_at", "channel", "customer_email", "text"})
	r := rand.New(rand.NewPCG(3, 5))
	for i := range n {
		day := r.IntN(365)
		text := fmt.Sprintf(contactTexts[r.IntN(len(contactTexts))], 1000+r.IntN(90000))
		w.Write([]string{fmt.Sprintf("T%d", i), fmt.Sprintf("2026-%02d-%02d 10:00:00", 1+day/31%12, 1+day%27), "email",
			fmt.Sprintf("c%d@example.com", r.IntN(n/2+1)), text})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// BenchmarkImportContactsInProcess imports unlabelled contacts with texts
// through ingest.ImportFile, so each is classified on arrival; its rows/s
// is the import speed with topics. QUIETDESK_BENCH_CONTACTS sets the size
// (default 20,000).
//
//	go test -run '^$' -bench ImportContacts -benchtime 1x ./internal/bench
func BenchmarkImportContactsInProcess(b *testing.B) {
	n := envInt("QUIETDESK_BENCH_CONTACTS", 20_000)
	path := filepath.Join(b.TempDir(), "contacts.csv")
	if err := writeTextContactsCSV(path, n); err != nil {
		b.Fatal(err)
	}
	for _, d := range dialects {
		b.Run(string(d), func(b *testing.B) {
			noteSkip(b, "ImportFile contacts ("+string(d)+")")
			storetest.DSN(b, d) // skips now when there is no PostgreSQL
			var wall time.Duration
			for b.Loop() {
				b.StopTimer()
				db := storetest.Open(b, d)
				b.StartTimer()
				start := time.Now()
				sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
				wall += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Created != n {
					b.Fatalf("created %d of %d", sum.Created, n)
				}
			}
			rate := float64(n*b.N) / wall.Seconds()
			b.ReportMetric(rate, "rows/s")
			summarize("%-28s %s unlabelled contacts in %s = %s rows/s", "ImportFile contacts ("+string(d)+")",
				thousands(n), seconds(wall/time.Duration(b.N)), thousands(rate))
		})
	}
}
