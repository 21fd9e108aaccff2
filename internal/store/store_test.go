package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v1, err := db.Version(ctx)
		if err != nil || v1 < 1 {
			t.Fatalf("version after open = %d, %v", v1, err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v2, _ := db.Version(ctx)
		if v2 != v1 {
			t.Fatalf("version changed on re-migrate: %d -> %d", v1, v2)
		}
	})
}

func TestWriteTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "a", "1"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "a", "2") // duplicate key
			return err
		})
		if err == nil {
			t.Fatal("duplicate key did not fail")
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back transaction left %d rows", n)
		}
	})
}

func TestRebind(t *testing.T) {
	pg := &store.DB{Dialect: store.Postgres}
	got := pg.Rebind(`SELECT '?' , x FROM t WHERE a = ? AND b IN (?, ?)`)
	want := `SELECT '?' , x FROM t WHERE a = $1 AND b IN ($2, $3)`
	if got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
	lite := &store.DB{Dialect: store.SQLite}
	if q := `a = ?`; lite.Rebind(q) != q {
		t.Fatal("SQLite query was rewritten")
	}
}

func TestSQLitePragmas(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	var mode string
	var fk, busy int
	db.QueryRow(ctx, `PRAGMA journal_mode`).Scan(&mode)
	db.QueryRow(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	db.QueryRow(ctx, `PRAGMA busy_timeout`).Scan(&busy)
	if mode != "wal" || fk != 1 || busy < 1000 {
		t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d", mode, fk, busy)
	}
	// The read pool must refuse writes: every write goes through the writer.
	if _, err := db.Query(ctx, `INSERT INTO settings (key, value) VALUES ('x', 'y')`); err == nil {
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 0 {
			t.Fatal("read pool accepted a write")
		}
	}
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('timezone', 'Europe/Paris')`); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Fatal("backup over an existing file did not fail")
	}
	cp, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var v string
	if err := cp.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'timezone'`).Scan(&v); err != nil || v != "Europe/Paris" {
		t.Fatalf("copy has %q, %v", v, err)
	}
}
