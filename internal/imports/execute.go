package imports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"quietdesk/internal/clock"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Execute imports an uploaded run with ingest.ImportFile, the command
// line's import: the good rows are stored and the rejected ones set aside
// with their reasons (as with --skip-bad), then the metrics' rollups are
// refreshed as after `quietdesk import`. progress hears ImportFile's
// phases, then "rollups". The caller has marked the run started.
func Execute(ctx context.Context, db *store.DB, r *Run, now clock.Clock, progress func(phase string, done, total int64)) (ingest.Summary, error) {
	sum, rejects, err := execute(ctx, db, r, now, progress)
	// What happened is recorded even when the request was cut short.
	if ferr := Finish(context.WithoutCancel(ctx), db, r.ID, sum, err, rejects, now()); ferr != nil && err == nil {
		err = ferr
	}
	return sum, err
}

func execute(ctx context.Context, db *store.DB, r *Run, now clock.Clock, progress func(string, int64, int64)) (ingest.Summary, []byte, error) {
	sum := ingest.Summary{File: r.FileName, Kind: r.Kind}
	file, err := File(ctx, db, r.ID)
	if err != nil {
		return sum, nil, err
	}
	dir, err := os.MkdirTemp("", "quietdesk-import-*")
	if err != nil {
		return sum, nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "upload.csv")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		return sum, nil, err
	}
	file = nil
	rejectsPath := filepath.Join(dir, "rejects.csv")
	opts := ingest.Options{Kind: r.Kind, Format: "auto", SkipBad: rejectsPath, Rename: r.Mapping, Progress: progress, Now: now, DateOrder: domain.DayFirst}
	sum, err = ingest.ImportFile(ctx, db, path, opts)
	// People know the file by the name they uploaded, not the copy's.
	sum.File = r.FileName
	for i := range sum.Errors {
		sum.Errors[i].File = r.FileName
	}
	if err != nil {
		return sum, nil, errors.New(strings.ReplaceAll(err.Error(), path, r.FileName))
	}
	var rejects []byte
	if sum.Rejected > 0 {
		if rejects, err = os.ReadFile(rejectsPath); err != nil {
			return sum, nil, err
		}
	}
	if progress != nil {
		progress("rollups", 0, 1)
	}
	if err := metrics.NewEngine(db, now).Refresh(ctx); err != nil {
		return sum, rejects, err
	}
	if progress != nil {
		progress("rollups", 1, 1)
	}
	return sum, rejects, nil
}
