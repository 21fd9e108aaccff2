package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"quietdesk/internal/clock"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Options control one file import.
type Options struct {
	Kind   string
	Format string // "", "auto", "generic", or a tool's name (shopify, zendesk, gorgias)
	// SkipBad, when set, imports the good rows and writes the rejected ones,
	// each with its reasons, to this file. Without it a file with any bad
	// row imports nothing.
	SkipBad string
	// BatchSize is the number of records per transaction.
	BatchSize int
	// TimeZone reads times without an offset; the store's zone when nil.
	TimeZone  *time.Location
	DateOrder domain.DateOrder
	// Progress, when set, is called with the phase and bytes read so far.
	Progress func(phase string, done, total int64)
	// Now is the clock (when new customers were first seen). Required.
	Now clock.Clock
	// Rename maps the file's column names to the ones the format reads
	// ("Order Number" → "order_id"), applied to the header before the
	// format is picked (ParseRename reads --map flags).
	Rename map[string]string
}

// RowError is one rejected row: where it is and why.
type RowError struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (e RowError) Error() string {
	loc := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.Column != "" {
		loc += " column " + e.Column
	}
	return loc + ": " + e.Reason
}

// Summary is what an import did.
type Summary struct {
	File     string `json:"file"`
	Kind     string `json:"kind"`
	Format   string `json:"format"`
	Read     int    `json:"read"`
	Rejected int    `json:"rejected"`
	store.Counts
	Errors []RowError `json:"errors,omitempty"`
}

// maxReportedErrors bounds the errors kept in memory and printed; the reject
// file has them all.
const maxReportedErrors = 200

// ErrRejected is returned (wrapped) when a file is refused because of bad
// rows; the summary lists them.
var ErrRejected = errors.New("rows rejected")

// ImportFile imports one CSV file into the store.
//
// It reads the file twice. The first pass parses and checks every row —
// text encoding and width, formats, date ranges, required fields, duplicate
// ids, references to orders and the rules against them, and the rules
// against the store (an order's currency) — without writing.
// The second pass writes the good rows in batched transactions.
// So a file with a bad row changes nothing (unless SkipBad is set), a
// killed import loses at most the batch in flight, and running it again
// converges because every write is an idempotent upsert.
func ImportFile(ctx context.Context, db *store.DB, path string, opts Options) (Summary, error) {
	sum := Summary{File: path, Kind: opts.Kind}
	kind, ok := Kinds[opts.Kind]
	if !ok {
		return sum, fmt.Errorf("unknown kind %q: use one of %s", opts.Kind, strings.Join(KindNames(), ", "))
	}
	if opts.Now == nil {
		return sum, errors.New("ingest: Options.Now is required")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.TimeZone == nil {
		loc, err := store.TimeZone(ctx, db)
		if err != nil {
			return sum, err
		}
		opts.TimeZone = loc
	}
	tp := domain.TimeParser{Loc: opts.TimeZone, Order: opts.DateOrder}

	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return sum, err
	}
	open := func(phase string) (Source, *Format, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		var r io.Reader = f
		if opts.Progress != nil {
			r = &countingReader{r: f, total: info.Size(), phase: phase, report: opts.Progress}
		}
		return openSource(r, kind, opts, tp, path)
	}

	// Pass 1: check every row.
	src, format, err := open("checking")
	if err != nil {
		return sum, err
	}
	sum.Format = format.Name
	// The check against the store, for the format's records.
	var againstStore func(rec any) (domain.Problems, error)
	if format.Kind.AgainstStore != nil {
		if againstStore, err = format.Kind.AgainstStore(ctx, db); err != nil {
			return sum, fmt.Errorf("%s: %w", path, err)
		}
	}
	bad := map[int]bool{}
	var rejects []RowError
	reject := func(e RowError) {
		bad[e.Line] = true
		if len(rejects) < maxReportedErrors || opts.SkipBad != "" {
			rejects = append(rejects, e)
		}
	}
	dups := newDupFinder(info.Size())
	// refs are the records naming each order, checked against the store a
	// few thousand orders at a time; the record is kept only when the kind
	// has rules against its order.
	type ref struct {
		line int
		rec  any
	}
	refs := map[string][]ref{}
	checkRefs := func() error {
		if len(refs) == 0 {
			return nil
		}
		ids := make([]string, 0, len(refs))
		for id := range refs {
			ids = append(ids, id)
		}
		orders, err := StoredOrders(ctx, db, ids)
		if err != nil {
			return err
		}
		for id, uses := range refs {
			o, known := orders[id]
			for _, u := range uses {
				if !known {
					reject(RowError{File: path, Line: u.line, Column: "order_id", Reason: fmt.Sprintf("order %q is not a known order: import the orders first", id)})
				} else if kind.AgainstOrder != nil {
					for _, p := range kind.AgainstOrder(u.rec, o, opts.TimeZone) {
						reject(RowError{File: path, Line: u.line, Column: p.Field, Reason: p.Reason})
					}
				}
			}
		}
		refs = map[string][]ref{}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		item, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("%s: %w", path, err)
		}
		sum.Read++
		for _, p := range item.Problems {
			reject(RowError{File: path, Line: item.Line, Column: p.Field, Reason: p.Reason})
		}
		if item.Key != "" {
			dups.add(keyHash(item.Key))
		}
		if againstStore != nil && len(item.Problems) == 0 {
			problems, err := againstStore(item.Record)
			if err != nil {
				return sum, fmt.Errorf("%s: %w", path, err)
			}
			for _, p := range problems {
				reject(RowError{File: path, Line: item.Line, Column: p.Field, Reason: p.Reason})
			}
		}
		if kind.OrderRef != nil && len(item.Problems) == 0 {
			if id := kind.OrderRef(item.Record); id != "" {
				u := ref{line: item.Line}
				if kind.AgainstOrder != nil {
					u.rec = item.Record
				}
				refs[id] = append(refs[id], u)
				if len(refs) >= 2000 {
					if err := checkRefs(); err != nil {
						return sum, err
					}
				}
			}
		}
	}
	if err := checkRefs(); err != nil {
		return sum, err
	}
	if len(dups.suspects) > 0 {
		// The second look, only when the filter raised suspects.
		src, _, err := open("checking ids")
		if err != nil {
			return sum, err
		}
		var scanErr error
		keys := map[int]string{}
		repeats := dups.settle(func() (uint64, int, bool) {
			for {
				item, err := src.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						scanErr = err
					}
					return 0, 0, false
				}
				if item.Key != "" {
					h := keyHash(item.Key)
					if dups.suspects[h] {
						keys[item.Line] = item.Key
					}
					return h, item.Line, true
				}
			}
		})
		if scanErr != nil {
			return sum, fmt.Errorf("%s: %w", path, scanErr)
		}
		for line, first := range repeats {
			if kind.Key != "" {
				reject(RowError{File: path, Line: line, Column: kind.Key, Reason: fmt.Sprintf("duplicate id %q: line %d has it too", keys[line], first)})
			} else {
				reject(RowError{File: path, Line: line, Reason: fmt.Sprintf("duplicate row: line %d describes the same %s", first, strings.TrimSuffix(kind.Name, "s"))})
			}
		}
	}
	dups = nil
	sort.Slice(rejects, func(i, j int) bool { return rejects[i].Line < rejects[j].Line })
	sum.Rejected = len(bad)
	sum.Errors = rejects
	if len(sum.Errors) > maxReportedErrors {
		sum.Errors = sum.Errors[:maxReportedErrors]
	}
	if len(bad) > 0 && opts.SkipBad == "" {
		return sum, fmt.Errorf("%s: %d of %d rows rejected, nothing imported (fix them, or pass --skip-bad FILE to import the good rows): %w", path, len(bad), sum.Read, ErrRejected)
	}
	if opts.SkipBad != "" {
		if err := writeRejects(ctx, path, opts, kind, tp, bad, rejects); err != nil {
			return sum, err
		}
	}

	// Pass 2: write the good rows in batches. Parsing runs in its own
	// goroutine so the CSV work of the next batch overlaps the database
	// work of this one.
	src, _, err = open("writing")
	if err != nil {
		return sum, err
	}
	batches := make(chan []any, 2)
	readErr := make(chan error, 1)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	// send prepares a batch and hands it to the writer; false when the
	// import is over.
	send := func(batch []any) bool {
		if prepare := format.Kind.Prepare; prepare != nil {
			if err := prepare(readCtx, db, batch); err != nil {
				readErr <- fmt.Errorf("%s: %w", path, err)
				return false
			}
		}
		select {
		case batches <- batch:
			return true
		case <-readCtx.Done():
			return false
		}
	}
	go func() {
		defer close(batches)
		batch := make([]any, 0, opts.BatchSize)
		for {
			item, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				readErr <- fmt.Errorf("%s: %w", path, err)
				return
			}
			if bad[item.Line] {
				continue
			}
			batch = append(batch, item.Record)
			if len(batch) >= opts.BatchSize {
				if !send(batch) {
					return
				}
				batch = make([]any, 0, opts.BatchSize)
			}
		}
		if len(batch) > 0 {
			send(batch)
		}
	}()
	env := NewEnv(opts.Now)
	for batch := range batches {
		var counts store.Counts
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var err error
			counts, err = format.Kind.Write(ctx, tx, env, batch)
			return err
		})
		if err != nil {
			env.Customers.Discard()
			return sum, fmt.Errorf("%s: writing a batch failed, that batch was rolled back (earlier batches are stored; run the import again to finish): %w", path, err)
		}
		env.Customers.Commit()
		sum.Counts.Add(counts)
	}
	select {
	case err := <-readErr:
		return sum, err
	default:
	}
	return sum, ctx.Err()
}

// writeRejects writes the rejected rows, as read, with their reasons in a
// last column, so the file can be fixed and imported again.
func writeRejects(ctx context.Context, path string, opts Options, kind *Kind, tp domain.TimeParser, bad map[int]bool, rejects []RowError) error {
	out, err := os.Create(opts.SkipBad)
	if err != nil {
		return fmt.Errorf("create reject file: %w", err)
	}
	defer out.Close()
	reasons := map[int][]string{}
	for _, e := range rejects {
		r := e.Reason
		if e.Column != "" {
			r = e.Column + ": " + r
		}
		reasons[e.Line] = append(reasons[e.Line], r)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	src, _, err := openSource(f, kind, opts, tp, path)
	if err != nil {
		return err
	}
	w := domain.NewCSVWriter(out)
	w.Write(append(append([]string{"line"}, src.Header()...), "reject_reason"))
	for {
		item, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if bad[item.Line] {
			for _, raw := range item.Raw {
				w.Write(append(append([]string{fmt.Sprint(item.Line)}, raw...), strings.Join(reasons[item.Line], "; ")))
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Close()
}

// openSource reads the header of r, renames its columns as opts say, and
// opens the format opts name (or the one the header shows).
func openSource(r io.Reader, kind *Kind, opts Options, tp domain.TimeParser, path string) (Source, *Format, error) {
	c, err := NewCSV(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Rename(opts.Rename); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	format, err := pickFormat(kind, opts.Format, c.Header())
	if err != nil {
		return nil, nil, err
	}
	src, err := format.Open(c, tp)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return src, format, nil
}

// OpenFile reads a file's header and opens its format as ImportFile does,
// for a preview of its first records. opts.TimeZone must be set.
func OpenFile(r io.Reader, name string, opts Options) (Source, *Format, error) {
	kind, ok := Kinds[opts.Kind]
	if !ok {
		return nil, nil, fmt.Errorf("unknown kind %q: use one of %s", opts.Kind, strings.Join(KindNames(), ", "))
	}
	if opts.TimeZone == nil {
		return nil, nil, errors.New("ingest: Options.TimeZone is required to open a file")
	}
	return openSource(r, kind, opts, domain.TimeParser{Loc: opts.TimeZone, Order: opts.DateOrder}, name)
}

func keyHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// countingReader reports progress through the file.
type countingReader struct {
	r      io.Reader
	done   int64
	total  int64
	phase  string
	report func(string, int64, int64)
	last   int64 // done at the last report
}

// reportEvery is how far the reader moves between reports: a fraction of
// the file, but no less than a few reads, so the bar moves smoothly without
// costing the import anything.
func (c *countingReader) reportEvery() int64 { return max(c.total/500, 256<<10) }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += int64(n)
	if c.done-c.last >= c.reportEvery() || err == io.EOF {
		c.last = c.done
		c.report(c.phase, c.done, c.total)
	}
	return n, err
}
