// Package store opens Quietdesk's database — an embedded SQLite file by
// default, PostgreSQL for multi-instance deployments — and gives the rest of
// the program one SQL code path for both.
//
// SQL is written once with `?` placeholders; DB.Rebind turns them into `$n`
// for PostgreSQL. Times are stored as Unix seconds (BIGINT), dates as
// 'YYYY-MM-DD' text and money as integer cents, so both databases compare,
// sort and sum them identically.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DefaultDSN is the database used when neither --db nor $QUIETDESK_DB is set.
const DefaultDSN = "quietdesk.db"

// DB is an open, migrated Quietdesk database.
//
// For SQLite, reads go through a pool of connections while every write goes
// through a single connection, because SQLite allows one writer at a time and
// a single writer connection turns lock contention into an orderly queue
// instead of SQLITE_BUSY errors. For PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	DSN     string
	read    *sql.DB
	write   *sql.DB
}

// ResolveDSN applies the documented precedence: flag, then $QUIETDESK_DB, then
// quietdesk.db in the working directory.
func ResolveDSN(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("QUIETDESK_DB"); env != "" {
		return env
	}
	return DefaultDSN
}

// Open connects to the database named by dsn and runs pending migrations.
// A path or sqlite:PATH selects SQLite; postgres:// or postgresql:// selects
// PostgreSQL.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err = openPostgres(dsn)
	default:
		db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	}
	if err != nil {
		return nil, err
	}
	db.DSN = dsn
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL %s: %w", redact(dsn), err)
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	if err := pool.Ping(); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL %s: %w (is the server running and the database created?)", redact(dsn), err)
	}
	return &DB{Dialect: Postgres, read: pool, write: pool}, nil
}

// sqlitePragmas make SQLite behave like a server database: WAL lets readers
// run beside the writer, busy_timeout waits instead of failing on a lock,
// synchronous=NORMAL is durable in WAL mode at a fraction of FULL's cost.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"busy_timeout(10000)",
	"synchronous(NORMAL)",
	"foreign_keys(ON)",
	"temp_store(MEMORY)",
}

func sqliteURL(path string, readOnly bool) string {
	var b strings.Builder
	b.WriteString("file:")
	b.WriteString(path)
	// Writers take the lock when they begin, so two writers queue instead
	// of failing on upgrade; readers never need it.
	if readOnly {
		b.WriteString("?_txlock=deferred")
	} else {
		b.WriteString("?_txlock=immediate")
	}
	for _, p := range sqlitePragmas {
		b.WriteString("&_pragma=")
		b.WriteString(p)
	}
	// The page cache costs about twice its size in memory here (each 4 KiB
	// page lands in an 8 KiB allocation), so the writer keeps a small one:
	// imports stream, and a bigger cache did not make them faster. Readers
	// get more, for queries over many rows.
	if readOnly {
		b.WriteString("&_pragma=query_only(ON)&_pragma=cache_size(-32768)")
	} else {
		b.WriteString("&_pragma=cache_size(-16384)")
	}
	return b.String()
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("empty SQLite path: pass --db FILE or set QUIETDESK_DB")
	}
	write, err := sql.Open("sqlite", sqliteURL(path, false))
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// The first connection creates the file and switches it to WAL before any
	// reader opens it.
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open SQLite %s: %w (check the directory exists and is writable)", path, err)
	}
	read, err := sql.Open("sqlite", sqliteURL(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return &DB{Dialect: SQLite, read: read, write: write}, nil
}

func redact(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn, "://"); j > 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}

// Close releases both pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Rebind turns `?` placeholders into PostgreSQL's `$1, $2, …`. Question marks
// inside single-quoted literals are left alone.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	return rebindDollar(query)
}

func rebindDollar(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Query runs a read on the read pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRow runs a single-row read on the read pool.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.Rebind(query), args...)
}

// Exec runs one write statement outside an explicit transaction.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.Rebind(query), args...)
}

// Tx is a write transaction with rebinding built in.
type Tx struct {
	*sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt
	// afterCommit runs once the transaction has committed: news of what
	// it wrote (a live view's wake-up) must never announce a rollback.
	afterCommit []func()
}

// AfterCommit runs fn after the transaction commits, and never when it
// rolls back. Read transactions never commit, so fn never runs in one.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Exec runs a statement; statements are prepared once per transaction
// because imports run the same few statements hundreds of thousands of times.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := tx.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// Query runs a read inside the transaction (it sees the transaction's writes).
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := tx.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRow runs a single-row read inside the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := tx.prepare(ctx, query)
	if err != nil {
		// sql.Row carries no way to build an error row; fall back to the
		// unprepared path, which reports the same error on Scan.
		return tx.Tx.QueryRowContext(ctx, tx.db.Rebind(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (tx *Tx) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.Tx.PrepareContext(ctx, tx.db.Rebind(query))
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// WriteTx runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise, so callers never leave half-written data.
func (db *DB) WriteTx(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{Tx: sqlTx, db: db}
	defer func() {
		for _, st := range tx.stmts {
			st.Close()
		}
	}()
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, fn := range tx.afterCommit {
		fn()
	}
	return nil
}

// ReadTx runs fn in a read-only transaction on the read pool: one
// consistent snapshot, without taking SQLite's write lock.
func (db *DB) ReadTx(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.Dialect == Postgres})
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	tx := &Tx{Tx: sqlTx, db: db}
	defer func() {
		for _, st := range tx.stmts {
			st.Close()
		}
		sqlTx.Rollback()
	}()
	return fn(tx)
}

// Args turns values into the arguments of a query, for an IN (…) list.
func Args[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// Placeholders returns "?, ?, …" with n marks, for IN lists and multi-row
// VALUES.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Backup writes a consistent copy of a live SQLite database to path. For
// PostgreSQL it refuses and points at pg_dump, which does it better.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return errors.New("backup of PostgreSQL is done with pg_dump: pg_dump --format=custom --file=quietdesk.dump \"$QUIETDESK_DB\"")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup target %s already exists: choose a new file name", path)
	}
	// VACUUM INTO reads one snapshot of the database, so writers keep going
	// while the copy is made and the copy is consistent.
	// It runs on a connection of its own: the read pool is query-only and
	// the write connection must stay free for writers.
	conn, err := sql.Open("sqlite", sqliteURL(strings.TrimPrefix(db.DSN, "sqlite:"), false))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
