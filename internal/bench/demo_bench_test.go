package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// demoOrders is the size of the demo benchmark: orders in the weeks shown
// (the store holds about 14% more, its lead-in weeks). 1,000,000 by
// default, QUIETDESK_BENCH_DEMO_ORDERS to change it; the target is
// 10,000,000 in under ten minutes.
func demoOrders() int { return envInt("QUIETDESK_BENCH_DEMO_ORDERS", 1_000_000) }

// BenchmarkDemo runs `quietdesk demo --no-serve` as a user would and reports
// how long writing the store took, how long building its rollups took, and
// the peak memory, with the time 10,000,000 orders would take at the same
// rate.
func BenchmarkDemo(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			label := "demo store, " + string(d)
			noteSkip(b, label)
			bin := quietdeskBinary(b)
			n := demoOrders()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dsn := storetest.DSN(b, d)
				if d == store.SQLite {
					dsn = filepath.Join(b.TempDir(), "demo.db")
				}
				b.StartTimer()
				cmd := exec.Command(bin, "demo", "--no-serve", "--orders", strconv.Itoa(n), "--db", dsn)
				cmd.Env = append(os.Environ(), "QUIETDESK_DB=", "QUIETDESK_NOW=2026-11-23")
				c, err := runChild(cmd)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				m := regexp.MustCompile(`\(([\d,]+) with the .* written in (\S+); rollups built in (\S+)`).FindStringSubmatch(c.stdout)
				if m == nil {
					b.Fatalf("unexpected output: %s", c.stdout)
				}
				written, _ := time.ParseDuration(m[2])
				rollups, _ := time.ParseDuration(m[3])
				rate := float64(n) / written.Seconds()
				b.ReportMetric(rate, "orders/s")
				summarize("%-28s %s orders shown (%s stored) written in %s (%s orders/s), rollups built in %s, peak %s; 10,000,000 orders at this rate: %s",
					label, thousands(n), m[1], seconds(written), thousands(rate), seconds(rollups), megabytes(c.peakKB<<10),
					(time.Duration(float64(10_000_000)/rate) * time.Second).Round(time.Second))
			}
		})
	}
}
