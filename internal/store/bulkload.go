package store

import (
	"context"
	"fmt"
)

// SuspendForBulkLoad prepares tables for a bulk load into a fresh store
// (the demo's): it drops their secondary indexes and their triggers, which
// cost more than the rows themselves when millions are inserted one
// statement of a few hundred rows at a time, and returns resume, which puts
// them back exactly as they were (their definitions are read from the
// database's own catalog). Indexes built once over loaded rows are built by
// sorting, several times faster than kept up row by row.
//
// While suspended, nothing that triggers would record is recorded: the
// caller must make sure that what they maintain is rebuilt afterwards.
// Constraint indexes (primary keys, UNIQUE) stay, so uniqueness is still
// enforced. If the process dies before resume, the tables are left without
// them: bulk loads are only for stores that are thrown away when a load
// fails.
func (db *DB) SuspendForBulkLoad(ctx context.Context, tables []string) (resume func(context.Context) error, err error) {
	var drop, restore []string
	err = db.WriteTx(ctx, func(tx *Tx) error {
		for _, table := range tables {
			d, r, err := suspendable(ctx, tx, table)
			if err != nil {
				return err
			}
			drop, restore = append(drop, d...), append(restore, r...)
		}
		for _, q := range drop {
			if _, err := tx.Tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("suspend for bulk load: %s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// SQLite writes each page twice (the WAL, then the checkpoint), and
	// syncs at each checkpoint: during the load it checkpoints seldom and
	// never syncs. These are settings of the writer's one connection.
	if db.Dialect == SQLite {
		for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA wal_autocheckpoint = 20000"} {
			if _, err := db.write.ExecContext(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	return func(ctx context.Context) error {
		err := db.WriteTx(ctx, func(tx *Tx) error {
			for _, q := range restore {
				if _, err := tx.Tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("resume after bulk load: %s: %w", q, err)
				}
			}
			return nil
		})
		if err != nil || db.Dialect != SQLite {
			return err
		}
		// Back to what sqliteURL sets, and SQLite's default interval.
		for _, p := range []string{"PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 1000", "PRAGMA wal_checkpoint(TRUNCATE)"} {
			if _, err := db.write.ExecContext(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// suspendable returns the statements that drop a table's secondary indexes
// and triggers, and those that restore them.
func suspendable(ctx context.Context, tx *Tx, table string) (drop, restore []string, err error) {
	if tx.DB().Dialect == Postgres {
		// Indexes that back no constraint; user triggers are disabled and
		// enabled rather than dropped (their functions stay).
		rows, err := tx.Query(ctx, `SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
			JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
			WHERE t.relname = ? AND t.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
			ORDER BY i.relname`, table)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				return nil, nil, err
			}
			drop = append(drop, `DROP INDEX "`+name+`"`)
			restore = append(restore, def)
		}
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		drop = append(drop, `ALTER TABLE "`+table+`" DISABLE TRIGGER USER`)
		restore = append(restore, `ALTER TABLE "`+table+`" ENABLE TRIGGER USER`)
		return drop, restore, nil
	}
	// Automatic indexes (primary keys, UNIQUE) have no SQL and stay.
	rows, err := tx.Query(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, name, def string
		if err := rows.Scan(&kind, &name, &def); err != nil {
			return nil, nil, err
		}
		drop = append(drop, `DROP `+kind+` "`+name+`"`)
		restore = append(restore, def)
	}
	return drop, restore, rows.Err()
}
