package store

import (
	"context"
	"fmt"
	"strings"
)

// Outcome is what an upsert did to one row.
type Outcome int

const (
	Unchanged Outcome = iota
	Created
	Updated
)

// Keyed writes rows of one table keyed on a unique text column, skipping rows
// whose stored fingerprint (row_hash) already matches: sending the same data
// twice writes nothing and reports it as unchanged.
type Keyed struct {
	Table   string
	Key     string   // the unique column, e.g. external_id
	Columns []string // the written columns, row_hash excluded
}

// Existing returns, for the given keys, each stored row's id and fingerprint.
func (k Keyed) Existing(ctx context.Context, tx *Tx, keys []string) (map[string][2]int64, error) {
	out := make(map[string][2]int64, len(keys))
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := Args(part)
		rows, err := tx.Tx.QueryContext(ctx, tx.DB().Rebind(`SELECT `+k.Key+`, id, row_hash FROM `+k.Table+` WHERE `+k.Key+` IN (`+Placeholders(len(part))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var key string
			var id, h int64
			if err := rows.Scan(&key, &id, &h); err != nil {
				rows.Close()
				return nil, err
			}
			out[key] = [2]int64{id, h}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Write inserts or updates one row. have is the map from Existing, kept up
// to date so a key repeated later in the same batch updates the row.
func (k Keyed) Write(ctx context.Context, tx *Tx, have map[string][2]int64, key string, hash int64, values ...any) (int64, Outcome, error) {
	prev, found := have[key]
	if found && prev[1] == hash {
		return prev[0], Unchanged, nil
	}
	args := append(values, hash)
	if found {
		set := make([]string, 0, len(k.Columns)+1)
		for _, c := range k.Columns {
			set = append(set, c+" = ?")
		}
		set = append(set, "row_hash = ?")
		_, err := tx.Exec(ctx, `UPDATE `+k.Table+` SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, prev[0])...)
		have[key] = [2]int64{prev[0], hash}
		return prev[0], Updated, err
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO `+k.Table+` (`+strings.Join(k.Columns, ", ")+`, row_hash, `+k.Key+`) VALUES (`+Placeholders(len(k.Columns)+2)+`) RETURNING id`,
		append(args, key)...).Scan(&id)
	if err == nil {
		have[key] = [2]int64{id, hash}
	}
	return id, Created, err
}

// Counts is what an upsert did.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Add sums two counts.
func (c *Counts) Add(o Counts) {
	c.Created += o.Created
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// Count adds one outcome of a keyed upsert.
func (c *Counts) Count(o Outcome) {
	switch o {
	case Created:
		c.Created++
	case Updated:
		c.Updated++
	default:
		c.Unchanged++
	}
}

// ReserveIDs returns n fresh ids for table's auto-assigned id column, so a
// batch of rows can be inserted many per statement with ids known up front.
// On SQLite the write transaction holds the only write lock, so the ids
// after the current maximum are free; PostgreSQL draws them from the
// column's sequence.
func ReserveIDs(ctx context.Context, tx *Tx, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	out := make([]int64, 0, n)
	if tx.DB().Dialect == Postgres {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)`, table, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	var maxID int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&maxID); err != nil {
		return nil, err
	}
	for i := int64(1); i <= int64(n); i++ {
		out = append(out, maxID+i)
	}
	return out, nil
}

// InsertRows inserts rows into table many per statement; every row has one
// value per column.
func InsertRows(ctx context.Context, tx *Tx, table string, columns []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	// Keep a statement's parameters well under both engines' limits.
	perStatement := max(1, 5000/len(columns))
	row := "(" + Placeholders(len(columns)) + ")"
	head := `INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") + `) VALUES `
	for start := 0; start < len(rows); start += perStatement {
		part := rows[start:min(start+perStatement, len(rows))]
		values := make([]string, len(part))
		args := make([]any, 0, len(part)*len(columns))
		for i, r := range part {
			values[i] = row
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, head+strings.Join(values, ", ")+" "+suffix, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
