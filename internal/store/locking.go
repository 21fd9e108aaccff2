package store

// SkipLocked ends a SELECT that picks rows for the caller to claim. On
// PostgreSQL it locks the picked rows and passes over rows another
// transaction holds, so several processes claiming from one table each get
// different rows instead of queueing behind the same one. SQLite has one
// writer at a time and no row locks: the clause is empty there, and a claim
// made in a write transaction is already alone.
func (db *DB) SkipLocked() string {
	if db.Dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}
