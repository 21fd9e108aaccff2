// Package imports keeps the files uploaded on the Import page: each upload
// is a run (who sent which file as what, the file until it is imported,
// then what the import did and the rows it set aside), and the column
// mappings people chose, remembered per header. The import itself is
// ingest.ImportFile, as on the command line.
package imports

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// A run's states.
const (
	Ready   = "ready"   // uploaded, not imported yet
	Running = "running" // an import request is writing it
	Done    = "done"    // imported: Summary says what it did
	Failed  = "failed"  // refused or cut short: Error says why; it may run again
)

// Run is one uploaded file.
type Run struct {
	ID         int64
	User       string
	FileName   string
	Kind       string
	Format     string // the format detected at upload
	HeaderHash string
	Mapping    map[string]string // the file's column → the column read
	Size       int64
	State      string
	Summary    *ingest.Summary
	Error      string
	HasRejects bool
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// HeaderHash identifies a header: the same tool's export, month after
// month, has the same one.
func HeaderHash(header []string) string {
	h := sha256.Sum256([]byte(strings.Join(header, "\x1f")))
	return hex.EncodeToString(h[:12])
}

// Create stores an upload and returns its id.
func Create(ctx context.Context, db *store.DB, r Run, file []byte, now time.Time) (int64, error) {
	mapping, err := json.Marshal(nonNil(r.Mapping))
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO import_runs (user_email, file_name, kind, format, header_hash, mapping, file, file_size, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.User, r.FileName, r.Kind, r.Format, r.HeaderHash, string(mapping), file, int64(len(file)), Ready, now.Unix()).Scan(&id)
	})
	return id, err
}

const runColumns = `id, user_email, file_name, kind, format, header_hash, mapping, file_size, state, summary, error, rejects IS NOT NULL, created_at, started_at, finished_at`

func scanRun(row interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var mapping, summary string
	var created int64
	var started, finished sql.NullInt64
	if err := row.Scan(&r.ID, &r.User, &r.FileName, &r.Kind, &r.Format, &r.HeaderHash, &mapping, &r.Size, &r.State, &summary, &r.Error, &r.HasRejects,
		&created, &started, &finished); err != nil {
		return nil, err
	}
	r.CreatedAt = time.Unix(created, 0).UTC()
	if started.Valid {
		t := time.Unix(started.Int64, 0).UTC()
		r.StartedAt = &t
	}
	if finished.Valid {
		t := time.Unix(finished.Int64, 0).UTC()
		r.FinishedAt = &t
	}
	if err := json.Unmarshal([]byte(mapping), &r.Mapping); err != nil {
		return nil, err
	}
	if summary != "" {
		r.Summary = &ingest.Summary{}
		if err := json.Unmarshal([]byte(summary), r.Summary); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// Get returns a run, without its file.
func Get(ctx context.Context, db *store.DB, id int64) (*Run, error) {
	r, err := scanRun(db.QueryRow(ctx, `SELECT `+runColumns+` FROM import_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "there is no upload %d: upload the file again on the Import page", id)
	}
	return r, err
}

// Recent lists the latest runs, newest first.
func Recent(ctx context.Context, db *store.DB, limit int) ([]*Run, error) {
	rows, err := db.Query(ctx, `SELECT `+runColumns+` FROM import_runs ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// File returns the uploaded file; an imported run no longer has it.
func File(ctx context.Context, db *store.DB, id int64) ([]byte, error) {
	var file []byte
	err := db.QueryRow(ctx, `SELECT file FROM import_runs WHERE id = ?`, id).Scan(&file)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "there is no upload %d: upload the file again on the Import page", id)
	}
	if err == nil && file == nil {
		return nil, domain.Errorf(domain.EConflict, "upload %d was imported and its file is no longer kept: upload the file again to import it again", id)
	}
	return file, err
}

// Rejects returns the rejected rows of a run, as CSV with their reasons.
func Rejects(ctx context.Context, db *store.DB, id int64) ([]byte, error) {
	var rejects []byte
	err := db.QueryRow(ctx, `SELECT rejects FROM import_runs WHERE id = ?`, id).Scan(&rejects)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && rejects == nil) {
		return nil, domain.Errorf(domain.ENotFound, "upload %d has no rejected rows", id)
	}
	return rejects, err
}

// staleAfter is how long a run may stay "running" before it is taken for
// one whose server stopped mid-import, and may run again.
const staleAfter = time.Hour

// Start marks a run as running, so that two requests cannot import the
// same upload at once. A run that is done is refused: the rows are stored.
func Start(ctx context.Context, db *store.DB, id int64, now time.Time) error {
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE import_runs SET state = ?, started_at = ?, error = '' WHERE id = ? AND file IS NOT NULL
			AND (state = ? OR state = ? OR (state = ? AND started_at < ?))`,
			Running, now.Unix(), id, Ready, Failed, Running, now.Add(-staleAfter).Unix())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM import_runs WHERE id = ?`, id).Scan(&state); errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "there is no upload %d: upload the file again on the Import page", id)
		} else if err != nil {
			return err
		}
		if state == Running {
			return domain.Errorf(domain.EConflict, "upload %d is being imported now: wait for it to finish", id)
		}
		return domain.Errorf(domain.EConflict, "upload %d is imported already: upload the file again to import it again", id)
	})
}

// Finish records what an import did. A finished import drops the file
// (the store has its rows); a failed one keeps it to run again.
func Finish(ctx context.Context, db *store.DB, id int64, sum ingest.Summary, importErr error, rejects []byte, now time.Time) error {
	data, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	state, message := Done, ""
	if importErr != nil {
		state, message = Failed, importErr.Error()
	}
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		if state == Done {
			_, err = tx.Exec(ctx, `UPDATE import_runs SET state = ?, summary = ?, error = '', rejects = ?, file = NULL, finished_at = ? WHERE id = ?`,
				state, string(data), rejects, now.Unix(), id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE import_runs SET state = ?, summary = ?, error = ?, rejects = ?, finished_at = ? WHERE id = ?`,
				state, string(data), message, rejects, now.Unix(), id)
		}
		return err
	})
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
