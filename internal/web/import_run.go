package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/imports"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

type importRunData struct {
	Run         *imports.Run
	KindLabel   string
	FormatLabel string
	CSRF        string
	Created     string
	Finished    string
	// Before the import: how the file will be read, and its columns'
	// mapping when it is a generic file.
	Ready      bool
	Preview    preview
	Mappable   bool
	Missing    []string
	Columns    []importColumn
	Remembered bool // the mapping came from an earlier file with this header
	Running    bool
	// After it.
	Summary *ingest.Summary
	More    int        // rejected rows beyond those listed
	Kinds   []kbOption // for the next upload's form
}

// importColumn is one column of the file and the column it is read as.
type importColumn struct {
	Index   int
	Name    string
	Options []kbOption
}

// importRunPage answers GET /import/{id}: before the import, the detected
// format, the first records as they will be read and the column mapping;
// after it, the summary and the rejected rows.
func (s *Server) importRunPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := runID(r)
	if err != nil {
		return err
	}
	run, err := imports.Get(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	return s.drawImportRun(w, r, sess, http.StatusOK, "", run)
}

func (s *Server) drawImportRun(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, notice string, run *imports.Run) error {
	ctx := r.Context()
	d := importRunData{Run: run, KindLabel: kindLabel(run.Kind), FormatLabel: formatLabel(run.Format, run.Kind), CSRF: sess.CSRF,
		Created: run.CreatedAt.Format("2006-01-02 15:04"), Finished: since(run.FinishedAt), Summary: run.Summary, Running: run.State == imports.Running}
	d.Kinds = kindOptions("")
	if d.Summary != nil && d.Summary.Rejected > len(d.Summary.Errors) {
		d.More = d.Summary.Rejected - len(d.Summary.Errors)
	}
	if run.State == imports.Ready || run.State == imports.Failed {
		data, err := imports.File(ctx, s.db, run.ID)
		if err != nil {
			return err
		}
		loc, err := store.TimeZone(ctx, s.db)
		if err != nil {
			return err
		}
		d.Ready = true
		d.Preview = buildPreview(data, run, loc)
		if run.Format == "generic" {
			header, err := fileHeader(data)
			if err != nil {
				return err
			}
			d.Mappable = true
			d.Columns, d.Missing = mappingColumns(run.Kind, header, run.Mapping)
			if len(run.Mapping) > 0 {
				m, _, ok, err := imports.Mapping(ctx, s.db, run.Kind, run.HeaderHash)
				if err != nil {
					return err
				}
				d.Remembered = ok && maps(m, run.Mapping)
			}
		}
	}
	return s.render(w, status, "import_run", &view{Title: "Import " + run.FileName, Session: sess, Nav: "import", Notice: notice, Data: d})
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func fileHeader(data []byte) ([]string, error) {
	c, err := ingest.NewCSV(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return c.Header(), nil
}

// mappingColumns lists the file's columns with the columns of kind they
// may be read as, and the required columns the mapped header still lacks.
func mappingColumns(kind string, header []string, m map[string]string) ([]importColumn, []string) {
	k := ingest.Kinds[kind]
	targets := append(slices.Clone(k.Required), k.Optional...)
	have := map[string]bool{}
	var cols []importColumn
	for i, h := range header {
		read := h
		if to := m[h]; to != "" {
			read = to
		}
		have[read] = true
		col := importColumn{Index: i, Name: h, Options: []kbOption{{Value: "", Label: "(as named: " + h + ")", Selected: m[h] == ""}}}
		for _, t := range targets {
			if t == h {
				continue
			}
			label := t
			if slices.Contains(k.Required, t) {
				label += " (required)"
			}
			col.Options = append(col.Options, kbOption{Value: t, Label: label, Selected: m[h] == t})
		}
		cols = append(cols, col)
	}
	var missing []string
	for _, r := range k.Required {
		if !have[r] {
			missing = append(missing, r)
		}
	}
	return cols, missing
}

// importMap answers POST /import/{id}/map: the columns' mapping is saved
// on the upload and remembered for the next file with the same header.
func (s *Server) importMap(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	id, err := runID(r)
	if err != nil {
		return err
	}
	run, err := imports.Get(ctx, s.db, id)
	if err != nil {
		return err
	}
	if run.State != imports.Ready && run.State != imports.Failed {
		return domain.Errorf(domain.EConflict, "upload %d is %s: its columns can no longer be mapped; upload the file again", id, run.State)
	}
	if run.Format != "generic" {
		return domain.Errorf(domain.EInvalid, "%s is a %s, read by its own column names: there is nothing to map", run.FileName, formatLabel(run.Format, run.Kind))
	}
	data, err := imports.File(ctx, s.db, id)
	if err != nil {
		return err
	}
	header, err := fileHeader(data)
	if err != nil {
		return err
	}
	k := ingest.Kinds[run.Kind]
	m := map[string]string{}
	for i, h := range header {
		to := strings.TrimSpace(r.PostFormValue("col" + strconv.Itoa(i)))
		if to == "" || to == h {
			continue
		}
		if !slices.Contains(k.Required, to) && !slices.Contains(k.Optional, to) {
			return deskFieldError("the mapping was not saved", "col"+strconv.Itoa(i), fmt.Sprintf("%q is not a column of %s", to, run.Kind))
		}
		m[h] = to
	}
	// The mapping is checked as the import will apply it.
	c, err := ingest.NewCSV(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if err := c.Rename(m); err != nil {
		run.Mapping = m
		return s.drawImportRun(w, r, sess, http.StatusUnprocessableEntity, "The mapping was not saved: "+err.Error(), run)
	}
	if err := imports.SaveMapping(ctx, s.db, run, m, sess.User.Email, s.Now()); err != nil {
		return err
	}
	http.Redirect(w, r, "/import/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// ndjson is the media type of the import's progress stream.
const ndjson = "application/x-ndjson"

// importProgress is one line of the progress stream.
type importProgress struct {
	Phase   string          `json:"phase,omitempty"`
	Done    int64           `json:"done"`
	Total   int64           `json:"total"`
	Percent int             `json:"percent"`
	Final   bool            `json:"final,omitempty"`
	URL     string          `json:"url,omitempty"`
	Error   string          `json:"error,omitempty"`
	Summary *ingest.Summary `json:"summary,omitempty"`
}

// phaseSpans place each phase of an import on the bar: the checking pass,
// the second look for repeated ids, the writing pass, the rollups.
var phaseSpans = map[string][2]int{"checking": {0, 45}, "checking ids": {45, 50}, "writing": {50, 95}, "rollups": {95, 100}}

func progressPercent(phase string, done, total int64) int {
	span := phaseSpans[phase]
	if total <= 0 {
		return span[0]
	}
	return span[0] + int(int64(span[1]-span[0])*min(done, total)/total)
}

// importRun answers POST /import/{id}/run: the import runs in this
// request, with ingest.ImportFile. A script asking for application/x-ndjson
// reads its progress as it goes, one JSON object a line, then the last
// line with the summary; a plain form post waits and is sent to the
// upload's page, which shows the summary.
func (s *Server) importRun(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	id, err := runID(r)
	if err != nil {
		return err
	}
	run, err := imports.Get(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := imports.Start(ctx, s.db, id, s.Now()); err != nil {
		return err
	}
	page := "/import/" + strconv.FormatInt(id, 10)
	if !strings.Contains(r.Header.Get("Accept"), ndjson) {
		if _, err := imports.Execute(ctx, s.db, run, s.Now, nil); err != nil {
			s.log.Warn("import failed", "run", id, "err", err)
		}
		http.Redirect(w, r, page, http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("X-Accel-Buffering", "no") // a proxy must pass each line on
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	var mu sync.Mutex // ImportFile reports from its reading goroutine too
	send := func(p importProgress) {
		mu.Lock()
		defer mu.Unlock()
		if enc.Encode(p) == nil {
			rc.Flush()
		}
	}
	send(importProgress{Phase: "checking"})
	sum, err := imports.Execute(ctx, s.db, run, s.Now, func(phase string, done, total int64) {
		send(importProgress{Phase: phase, Done: done, Total: total, Percent: progressPercent(phase, done, total)})
	})
	last := importProgress{Final: true, URL: page, Percent: 100, Summary: &sum}
	if err != nil {
		last.Error = err.Error()
	}
	send(last)
	return nil
}
