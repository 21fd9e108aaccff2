package store

import (
	"context"
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
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
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
