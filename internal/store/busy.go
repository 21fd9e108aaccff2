package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsBusy reports whether err means the database could not take the work
// now, though it may in a moment: SQLite's lock still held when its busy
// timeout ran out, or PostgreSQL giving up on a lock or a statement
// timeout. Callers answer "try again later" (HTTP 503 with Retry-After),
// not an internal error.
func IsBusy(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// lock_not_available, query_canceled (statement or lock timeout),
		// too_many_connections, cannot_connect_now
		return pg.Code == "55P03" || pg.Code == "57014" && !strings.Contains(pg.Message, "user request") || pg.Code == "53300" || pg.Code == "57P03"
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "(5)") && strings.Contains(msg, "locked")
}
