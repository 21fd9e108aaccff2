// Package storetest gives each test a fresh, migrated database: a SQLite file
// in the test's temporary directory, and — when $QUIETDESK_TEST_PG names a
// PostgreSQL server — a fresh schema on that server.
//
// With QUIETDESK_REQUIRE_PG=1 (set by CI) a missing or unreachable
// PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"quietdesk/internal/store"
)

// Each runs fn once per available database, as subtests named after the
// dialect.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// DSN returns a DSN for a fresh, empty database of the given dialect (not yet
// opened), cleaned up when the test ends.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "quietdesk.db")
	}
	base := os.Getenv("QUIETDESK_TEST_PG")
	if base == "" {
		if os.Getenv("QUIETDESK_REQUIRE_PG") != "" {
			t.Fatal("QUIETDESK_REQUIRE_PG is set but QUIETDESK_TEST_PG is empty: start a server with scripts/pg-test-server.sh")
		}
		t.Skip("PostgreSQL tests skipped: set QUIETDESK_TEST_PG (see scripts/pg-test-server.sh)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "qdtest_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		if os.Getenv("QUIETDESK_REQUIRE_PG") == "" {
			t.Skipf("PostgreSQL not reachable at QUIETDESK_TEST_PG: %v", err)
		}
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("QUIETDESK_TEST_PG is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a fresh, migrated database of the given dialect.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), DSN(t, d))
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
