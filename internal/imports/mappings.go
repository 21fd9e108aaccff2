package imports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"quietdesk/internal/store"
)

// SourceKey names a source of files: files of one kind with one header
// share their column mapping. Mappings are for files read in the generic
// format; the tools' exports need none.
func SourceKey(kind, headerHash string) string { return kind + "/generic/" + headerHash }

// Mapping returns the mapping remembered for a source, and when it was set;
// ok is false when there is none.
func Mapping(ctx context.Context, db *store.DB, kind, headerHash string) (m map[string]string, at time.Time, ok bool, err error) {
	var data string
	var unix int64
	err = db.QueryRow(ctx, `SELECT mapping, updated_at FROM import_mappings WHERE source_key = ?`, SourceKey(kind, headerHash)).Scan(&data, &unix)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		return nil, time.Time{}, false, err
	}
	return m, time.Unix(unix, 0).UTC(), true, nil
}

// SaveMapping sets a run's column mapping and remembers it for its source,
// in one transaction.
func SaveMapping(ctx context.Context, db *store.DB, r *Run, m map[string]string, user string, now time.Time) error {
	data, err := json.Marshal(nonNil(m))
	if err != nil {
		return err
	}
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE import_runs SET mapping = ? WHERE id = ?`, string(data), r.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO import_mappings (source_key, kind, header_hash, mapping, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (source_key) DO UPDATE SET mapping = excluded.mapping, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			SourceKey(r.Kind, r.HeaderHash), r.Kind, r.HeaderHash, string(data), user, now.Unix())
		return err
	})
}
