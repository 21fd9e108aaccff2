package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// benchRows is the size of the import benchmarks: 1,000,000 by default,
// QUIETDESK_BENCH_ROWS to change it.
func benchRows() int {
	if s := os.Getenv("QUIETDESK_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

func ordersFile(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "orders.csv")
	if err := WriteOrdersCSV(path, n, 1); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkImportOrdersInProcess measures ingest.ImportFile alone (for
// profiling); the CLI benchmark measures the whole program and its memory.
func BenchmarkImportOrdersInProcess(b *testing.B) {
	n := benchRows()
	path := ordersFile(b, n)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Open(b, d)
				b.StartTimer()
				sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Kind: "orders"})
				if err != nil {
					b.Fatal(err)
				}
				if sum.Created != n {
					b.Fatalf("created %d of %d", sum.Created, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
