package store

import (
	"context"
	"fmt"
)

// BulkLoad is a bulk load into a fresh store (the demo's) in progress: the
// loaded tables' secondary indexes and triggers are set aside, because kept
// up row by row they cost more than the rows themselves when millions are
// inserted, and are put back exactly as they were (their definitions are
// read from the database's own catalog) once the rows are in. An index built
// once over loaded rows is built by sorting, several times faster.
//
// While triggers are off, nothing they would record is recorded: the caller
// must make sure that what they maintain is rebuilt afterwards. Constraint
// indexes (primary keys, UNIQUE) stay, so uniqueness is still enforced. On
// SQLite the writer also stops syncing to disk until Finish. If the process
// dies before Finish, the tables are left without their indexes and
// triggers (and a power cut may corrupt the file): bulk loads are only for
// stores that are thrown away when a load fails.
type BulkLoad struct {
	db       *DB
	indexes  []string // statements that put the indexes back
	triggers []string // and the triggers
	finished bool
}

// StartBulkLoad sets aside the secondary indexes and triggers of tables.
func (db *DB) StartBulkLoad(ctx context.Context, tables []string) (*BulkLoad, error) {
	b := &BulkLoad{db: db}
	var drop []string
	err := db.WriteTx(ctx, func(tx *Tx) error {
		for _, table := range tables {
			d, idx, trg, err := suspendable(ctx, tx, table)
			if err != nil {
				return err
			}
			drop = append(drop, d...)
			b.indexes, b.triggers = append(b.indexes, idx...), append(b.triggers, trg...)
		}
		for _, q := range drop {
			if _, err := tx.Tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("start a bulk load: %s: %w", q, err)
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
		if err := db.pragmas(ctx, "synchronous = OFF", "wal_autocheckpoint = 20000"); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// RestoreIndexes builds the indexes again, leaving the triggers off, so
// that the caller can run its own queries and updates over the loaded rows
// before the triggers come back. Calling it again does nothing.
func (b *BulkLoad) RestoreIndexes(ctx context.Context) error {
	if len(b.indexes) == 0 {
		return nil
	}
	if b.db.Dialect == SQLite {
		// Building an index sorts every row: the store keeps temporary
		// data in memory (sqlitePragmas), which for millions of rows is
		// gigabytes, so the sort spills to files instead.
		if err := b.db.pragmas(ctx, "temp_store = FILE"); err != nil {
			return err
		}
		defer b.db.pragmas(context.WithoutCancel(ctx), "temp_store = MEMORY")
	}
	if err := b.run(ctx, b.indexes); err != nil {
		return err
	}
	b.indexes = nil
	return nil
}

// Finish puts back what is still set aside and the writer's settings.
// Calling it again does nothing.
func (b *BulkLoad) Finish(ctx context.Context) error {
	if b.finished {
		return nil
	}
	if err := b.RestoreIndexes(ctx); err != nil {
		return err
	}
	if err := b.run(ctx, b.triggers); err != nil {
		return err
	}
	b.triggers, b.finished = nil, true
	if b.db.Dialect == SQLite {
		// Back to what sqliteURL sets and SQLite's default interval, with
		// the WAL written back.
		return b.db.pragmas(ctx, "synchronous = NORMAL", "wal_autocheckpoint = 1000", "wal_checkpoint(TRUNCATE)")
	}
	return nil
}

func (b *BulkLoad) run(ctx context.Context, statements []string) error {
	return b.db.WriteTx(ctx, func(tx *Tx) error {
		for _, q := range statements {
			if _, err := tx.Tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("finish a bulk load: %s: %w", q, err)
			}
		}
		return nil
	})
}

// pragmas sets SQLite settings on the writer's connection.
func (db *DB) pragmas(ctx context.Context, settings ...string) error {
	for _, p := range settings {
		if _, err := db.write.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return err
		}
	}
	return nil
}

// suspendable returns the statements that drop a table's secondary indexes
// and triggers, and those that restore its indexes and its triggers.
func suspendable(ctx context.Context, tx *Tx, table string) (drop, indexes, triggers []string, err error) {
	if tx.DB().Dialect == Postgres {
		// Indexes that back no constraint; user triggers are disabled and
		// enabled rather than dropped (their functions stay).
		rows, err := tx.Query(ctx, `SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
			JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
			WHERE t.relname = ? AND t.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
			ORDER BY i.relname`, table)
		if err != nil {
			return nil, nil, nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				return nil, nil, nil, err
			}
			drop = append(drop, `DROP INDEX "`+name+`"`)
			indexes = append(indexes, def)
		}
		if err := rows.Err(); err != nil {
			return nil, nil, nil, err
		}
		drop = append(drop, `ALTER TABLE "`+table+`" DISABLE TRIGGER USER`)
		triggers = append(triggers, `ALTER TABLE "`+table+`" ENABLE TRIGGER USER`)
		return drop, indexes, triggers, nil
	}
	// Automatic indexes (primary keys, UNIQUE) have no SQL and stay.
	rows, err := tx.Query(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`, table)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, name, def string
		if err := rows.Scan(&kind, &name, &def); err != nil {
			return nil, nil, nil, err
		}
		drop = append(drop, `DROP `+kind+` "`+name+`"`)
		if kind == "index" {
			indexes = append(indexes, def)
		} else {
			triggers = append(triggers, def)
		}
	}
	return drop, indexes, triggers, rows.Err()
}
