package bench

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// BenchmarkSQLiteDriverFloor measures what the pure-Go SQLite driver itself
// can do on this machine, without Quietdesk: 1,000,000 rows of 26 columns
// (the width of an order) inserted 190 rows per statement, 5,000 per
// transaction, with the same pragmas as the store — first into a bare
// table, then into one with the four indexes an orders table carries (a
// unique id, customer+date, date, name). It is the ceiling the import's
// rows/s should be read against.
func BenchmarkSQLiteDriverFloor(b *testing.B) {
	n := benchRows()
	for _, indexed := range []bool{false, true} {
		name := "bare"
		if indexed {
			name = "four-indexes"
		}
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				d, err := floorInsert(filepath.Join(b.TempDir(), "floor.db"), n, indexed)
				if err != nil {
					b.Fatal(err)
				}
				total += d
			}
			rate := float64(n*b.N) / total.Seconds()
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(rate, "rows/s")
			summarize("driver floor (%s): %s rows/s inserting %s 26-column rows with the pure-Go SQLite driver", name, thousands(int(rate)), thousands(n))
		})
	}
}

func floorInsert(path string, n int, indexed bool) (time.Duration, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16384)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	const cols = 26
	names := make([]string, cols)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	stmts := []string{"CREATE TABLE t (id INTEGER PRIMARY KEY, " + strings.Join(names, " TEXT, ") + " TEXT)"}
	if indexed {
		stmts = append(stmts, "CREATE UNIQUE INDEX t_id ON t (c0)", "CREATE INDEX t_customer ON t (c1, c2)", "CREATE INDEX t_date ON t (c2)", "CREATE INDEX t_name ON t (c3)")
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return 0, err
		}
	}
	ctx := context.Background()
	per := 5000 / cols
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	head := "INSERT INTO t (" + strings.Join(names, ", ") + ") VALUES "
	start := time.Now()
	for batch := 0; batch < n; batch += 5000 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		for s := batch; s < min(batch+5000, n); s += per {
			var values []string
			var args []any
			for r := s; r < min(s+per, batch+5000, n); r++ {
				values = append(values, row)
				// Ids in order, customers scattered, dates in a year: as in
				// the generated orders file.
				args = append(args, fmt.Sprint(1_000_000+r), (r*7919)%(n/3+1), fmt.Sprint((r*31)%365), fmt.Sprintf("#%d", 1_000_000+r))
				for c := 4; c < cols; c++ {
					args = append(args, "value")
				}
			}
			if _, err := tx.Exec(head+strings.Join(values, ", "), args...); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
