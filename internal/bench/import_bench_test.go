package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var dialects = []store.Dialect{store.SQLite, store.Postgres}

// The baseline: the sqlite3 command-line tool's .import of the same orders
// file into a bare table of a new database. It is measured once per run, on
// first use, so that every ratio in one run is against the same figure.
type sqlite3Result struct {
	rows    int
	run     child
	version string
	skip    string // why there is no baseline (sqlite3 not installed)
	err     error
}

func (r sqlite3Result) rowsPerSec() float64 { return float64(r.rows) / r.run.wall.Seconds() }

var (
	baselineOnce sync.Once
	baseline     sqlite3Result
)

// sqlite3Baseline returns the baseline, measuring it on first use. Callers
// keep it out of the timer.
func sqlite3Baseline(b *testing.B) sqlite3Result {
	b.Helper()
	path, n := ordersFile(b)
	baselineOnce.Do(func() {
		baseline = sqlite3DotImport(path, n)
		switch {
		case baseline.skip != "":
			summarize("%-28s skipped: %s", "sqlite3 .import", baseline.skip)
		case baseline.err == nil:
			r := baseline
			summarize("%-28s %s rows in %s = %s rows/s; peak RSS %s; CPU %s (sqlite3 %s)",
				"sqlite3 .import (baseline)", thousands(r.rows), seconds(r.run.wall), thousands(r.rowsPerSec()),
				megabytes(r.run.peakKB<<10), seconds(r.run.user+r.run.sys), r.version)
		}
	})
	return baseline
}

// sqlite3DotImport runs `.mode csv` and `.import FILE raw` in the sqlite3
// tool on a new, empty database file and checks that the table holds n rows
// (.import takes the header as the new table's column names).
func sqlite3DotImport(path string, n int) sqlite3Result {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		return sqlite3Result{skip: "the sqlite3 command-line tool is not installed (apt-get install sqlite3), so there is no baseline and no x-of-sqlite3-import ratio"}
	}
	var version string
	if out, err := exec.Command(bin, "--version").Output(); err == nil {
		version, _, _ = strings.Cut(strings.TrimSpace(string(out)), " ")
	}
	dir, err := os.MkdirTemp(workDir, "sqlite3-import")
	if err != nil {
		return sqlite3Result{err: err}
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "raw.db")
	if strings.ContainsAny(path, `"\`) {
		return sqlite3Result{err: fmt.Errorf("cannot quote %q for a sqlite3 dot-command", path)}
	}
	cmd := exec.Command(bin, "-bail", db)
	cmd.Stdin = strings.NewReader(".mode csv\n.import \"" + path + "\" raw\n")
	c, err := runChild(cmd)
	if err != nil {
		return sqlite3Result{err: err}
	}
	if c.err != "" { // .import warns on stderr about malformed rows
		return sqlite3Result{err: fmt.Errorf("sqlite3 .import complained: %s", c.err)}
	}
	out, err := exec.Command(bin, db, "SELECT count(*) FROM raw").CombinedOutput()
	if err != nil {
		return sqlite3Result{err: fmt.Errorf("count the imported rows: %v: %s", err, out)}
	}
	if got, _ := strconv.Atoi(strings.TrimSpace(string(out))); got != n {
		return sqlite3Result{err: fmt.Errorf("sqlite3 .import stored %q rows, want %d", out, n)}
	}
	return sqlite3Result{rows: n, run: c, version: version}
}

// BenchmarkSQLite3DotImport is the baseline the import is measured against:
// the sqlite3 tool's .import of the same file, with no parsing beyond CSV,
// no validation, no keys and no indexes.
func BenchmarkSQLite3DotImport(b *testing.B) {
	base := sqlite3Baseline(b)
	if base.skip != "" {
		b.Skip(base.skip)
	}
	if base.err != nil {
		b.Fatal(base.err)
	}
	path, n := ordersFile(b)
	wall, peak := base.run.wall, base.run.peakKB
	for i := 1; i < b.N; i++ { // the first run is the baseline itself
		more := sqlite3DotImport(path, n)
		if more.err != nil {
			b.Fatal(more.err)
		}
		wall += more.run.wall
		peak = max(peak, more.run.peakKB)
	}
	// ns/op is the subprocess alone, not the version check and row count
	// around it (the first run happened outside this benchmark's timer).
	b.ReportMetric(float64(wall.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(n*b.N)/wall.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/1024, "peak-MB")
}

// BenchmarkImportCLI measures the whole program as a user runs it:
// `quietdesk import orders FILE --db DSN` as a subprocess on a fresh
// database, from exec to exit, with the child's peak resident memory.
func BenchmarkImportCLI(b *testing.B) {
	for _, d := range dialects {
		b.Run(string(d), func(b *testing.B) {
			noteSkip(b, "quietdesk import ("+string(d)+")")
			storetest.DSN(b, d) // skips now when there is no PostgreSQL
			path, n := ordersFile(b)
			bin := quietdeskBinary(b)
			base := sqlite3Baseline(b)
			b.ResetTimer()
			var wall, cpu, firstAnswer time.Duration
			var peak int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dsn := storetest.DSN(b, d)
				cmd := exec.Command(bin, "import", "orders", path, "--db", dsn, "--json")
				cmd.Env = append(os.Environ(), "QUIETDESK_DB=")
				b.StartTimer()
				c, err := runChild(cmd)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				var sum ingest.Summary
				if err := json.Unmarshal([]byte(c.stdout), &sum); err != nil {
					b.Fatalf("the import's --json summary %q: %v", c.stdout, err)
				}
				if sum.Read != n || sum.Created != n || sum.Rejected != 0 {
					b.Fatalf("import summary %+v, want %d rows read and created", sum, n)
				}
				if got := countRows(b, dsn, "orders"); got != n {
					b.Fatalf("%d orders stored, want %d", got, n)
				}
				// The first answer after the import: the import brought the
				// rollups up to date itself, so no read has to.
				q := exec.Command(bin, "metrics", "--metric", "cpo", "--by", "carrier", "--from", "2026-01-05", "--to", "2026-12-27", "--db", dsn)
				q.Env = append(os.Environ(), "QUIETDESK_DB=")
				first, err := runChild(q)
				if err != nil {
					b.Fatalf("the first metrics answer: %v\n%s", err, first.err)
				}
				firstAnswer += first.wall
				wall += c.wall
				cpu += c.user + c.sys
				peak = max(peak, c.peakKB)
				b.StartTimer()
			}
			rate := float64(n*b.N) / wall.Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(float64(peak)/1024, "peak-MB")
			ratio := ""
			switch {
			case base.err != nil:
				b.Errorf("no x-of-sqlite3-import ratio: the baseline failed: %v", base.err)
			case base.skip != "":
				b.Logf("no x-of-sqlite3-import ratio: %s", base.skip)
			default:
				x := rate / base.rowsPerSec()
				b.ReportMetric(x, "x-of-sqlite3-import")
				ratio = fmt.Sprintf("; %.3fx sqlite3 .import (1/%.1f)", x, 1/x)
			}
			summarize("%-28s %s rows in %s = %s rows/s; peak RSS %s; CPU %s%s; first metrics answer after it %s",
				"quietdesk import ("+string(d)+")", thousands(n), seconds(wall/time.Duration(b.N)), thousands(rate),
				megabytes(peak<<10), seconds(cpu/time.Duration(b.N)), ratio, seconds(firstAnswer/time.Duration(b.N)))
		})
	}
}

// countRows counts a table's rows in the database at dsn.
func countRows(b *testing.B, dsn, table string) int {
	b.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkImportOrdersInProcess measures ingest.ImportFile alone, in the
// test process (for profiling: -cpuprofile, -memprofile); the CLI benchmark
// measures the whole program and its memory.
func BenchmarkImportOrdersInProcess(b *testing.B) {
	for _, d := range dialects {
		b.Run(string(d), func(b *testing.B) {
			noteSkip(b, "ImportFile ("+string(d)+")")
			storetest.DSN(b, d) // skips now when there is no PostgreSQL
			path, n := ordersFile(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Open(b, d)
				b.StartTimer()
				sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
				if err != nil {
					b.Fatal(err)
				}
				if sum.Created != n {
					b.Fatalf("created %d of %d", sum.Created, n)
				}
			}
			rate := float64(n*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "rows/s")
			summarize("%-28s %s rows in %s = %s rows/s (in the test process, for profiling)",
				"ImportFile ("+string(d)+")", thousands(n), seconds(b.Elapsed()/time.Duration(b.N)), thousands(rate))
		})
	}
}
