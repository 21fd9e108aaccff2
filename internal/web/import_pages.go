package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/imports"
	"quietdesk/internal/ingest"
)

// kindLabels names the kinds on the Import page, in the order offered.
var kindLabels = []struct{ Kind, Label string }{
	{"orders", "Orders (a Shopify export, or Quietdesk's orders CSV)"},
	{"contacts", "Contacts (a Zendesk or Gorgias tickets export, or Quietdesk's contacts CSV)"},
	{"costs", "Costs (team rates, fees, fixed costs)"},
	{"order_lines", "Order lines"},
	{"returns", "Returns"},
	{"fulfillment_events", "Fulfilment events"},
	{"self_service", "Self-service sessions"},
	{"actions", "Actions"},
	{"fx_rates", "Exchange rates"},
}

// kindOptions are the choices of what a file holds, detection first.
func kindOptions(kind string) []kbOption {
	out := []kbOption{{Value: "", Label: "Detect from the file", Selected: kind == ""}}
	for _, k := range kindLabels {
		if _, ok := ingest.Kinds[k.Kind]; ok {
			out = append(out, kbOption{Value: k.Kind, Label: k.Label, Selected: k.Kind == kind})
		}
	}
	return out
}

func kindLabel(kind string) string {
	for _, k := range kindLabels {
		if k.Kind == kind {
			label, _, _ := strings.Cut(k.Label, " (")
			return label
		}
	}
	return kind
}

// formatLabel says what a detected format is, for people.
func formatLabel(format, kind string) string {
	switch format {
	case "shopify":
		return "Shopify orders export"
	case "zendesk":
		return "Zendesk tickets export"
	case "gorgias":
		return "Gorgias tickets export"
	}
	return "Quietdesk's generic " + strings.ToLower(kindLabel(kind)) + " CSV"
}

type importData struct {
	CSRF    string
	Kinds   []kbOption
	Recent  []importRunRow
	MaxSize string
}

type importRunRow struct {
	*imports.Run
	KindLabel string
	Created   string
}

// importPage answers GET /import: the upload form and the latest uploads.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawImport(w, r, sess, http.StatusOK, "", r.URL.Query().Get("kind"))
}

func (s *Server) drawImport(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, notice, kind string) error {
	d := importData{CSRF: sess.CSRF, MaxSize: megabytes(s.uploadMaxBytes())}
	d.Kinds = kindOptions(kind)
	runs, err := imports.Recent(r.Context(), s.db, 10)
	if err != nil {
		return err
	}
	for _, run := range runs {
		d.Recent = append(d.Recent, importRunRow{Run: run, KindLabel: kindLabel(run.Kind), Created: run.CreatedAt.Format("2006-01-02 15:04")})
	}
	return s.render(w, status, "import", &view{Title: "Import", Session: sess, Nav: "import", Notice: notice, Data: d})
}

// importUpload answers POST /import: a file is checked as far as its
// header and first row; a file that is not CSV, is empty, or holds
// another kind than chosen is refused with the form drawn again, and
// nothing is stored. Otherwise the upload is kept and its page shows how
// it will be read.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	kind := strings.TrimSpace(r.PostFormValue("kind"))
	if kind != "" {
		if _, ok := ingest.Kinds[kind]; !ok {
			return s.drawImport(w, r, sess, http.StatusUnprocessableEntity, fmt.Sprintf("%q is not a kind of data Quietdesk imports: choose one in the list", kind), "")
		}
	}
	f, fh, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return s.drawImport(w, r, sess, http.StatusUnprocessableEntity, "Choose a file to upload.", kind)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.uploadMaxBytes()+1))
	if err != nil {
		return err
	}
	name := uploadName(fh.Filename)
	if int64(len(data)) > s.uploadMaxBytes() {
		return s.drawImport(w, r, sess, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s is larger than the %s this page takes: split it, or import it on the server with quietdesk import", name, megabytes(s.uploadMaxBytes())), kind)
	}
	up, problem := checkUpload(name, kind, data)
	if problem != "" {
		return s.drawImport(w, r, sess, http.StatusUnprocessableEntity, problem, kind)
	}
	run := imports.Run{User: sess.User.Email, FileName: name, Kind: up.kind, Format: up.format, HeaderHash: imports.HeaderHash(up.header)}
	if up.format == "generic" && !up.fits {
		// The same header was mapped before: read it the same way.
		m, _, ok, err := imports.Mapping(ctx, s.db, up.kind, run.HeaderHash)
		if err != nil {
			return err
		}
		if ok {
			run.Mapping = m
		}
	}
	id, err := imports.Create(ctx, s.db, run, data, s.Now())
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/import/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// upload is what the first look at a file found.
type upload struct {
	kind, format string
	header       []string
	fits         bool // the header has every column its format needs
}

// checkUpload reads a file's header and first row: what it is, or why it
// cannot be imported as kind ("" to detect the kind).
func checkUpload(name, kind string, data []byte) (upload, string) {
	if len(bytes.TrimSpace(data)) == 0 {
		return upload{}, fmt.Sprintf("%s is empty: upload a CSV file with a header row and at least one row of data.", name)
	}
	c, err := ingest.NewCSV(bytes.NewReader(data))
	if err != nil {
		return upload{}, fmt.Sprintf("%s cannot be imported: %v.", name, err)
	}
	up := upload{kind: kind, format: "generic", header: c.Header()}
	for {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			return upload{}, fmt.Sprintf("%s has a header but no rows: there is nothing to import.", name)
		}
		if err != nil || !rec.Empty() {
			break // a bad row is the import's to report, with its line
		}
	}
	found := ingest.Recognise(up.header)
	if kind == "" {
		if len(found) == 0 {
			return upload{}, fmt.Sprintf("Quietdesk cannot tell what %s holds from its columns (%s): choose what it holds in the list, then map its columns.", name, strings.Join(up.header, ", "))
		}
		up.kind = found[0].Kind.Name
	}
	for _, f := range found {
		if f.Kind.Name == up.kind {
			up.format, up.fits = f.Name, true
			return up, ""
		}
	}
	if len(found) > 0 {
		other := found[0]
		return upload{}, fmt.Sprintf("%s looks like a %s, which holds %s, not %s. Choose %s, or upload a file of %s: %s.",
			name, formatLabel(other.Name, other.Kind.Name), strings.ToLower(kindLabel(other.Kind.Name)), strings.ToLower(kindLabel(up.kind)),
			strings.ToLower(kindLabel(other.Kind.Name)), strings.ToLower(kindLabel(up.kind)), expected(up.kind))
	}
	return up, ""
}

// expected says which files a kind is read from.
func expected(kind string) string {
	var tools []string
	for _, f := range ingest.FormatNames(kind) {
		tools = append(tools, "a "+formatLabel(f, kind))
	}
	generic := "a CSV with the columns " + strings.Join(ingest.Kinds[kind].Required, ", ")
	return strings.Join(append(tools, generic), ", or ")
}

// uploadName is the file's own name, without the folders some browsers
// send, and never empty.
func uploadName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || strings.TrimSpace(name) == "" {
		return "upload.csv"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return strings.ToValidUTF8(name, "_")
}

// runID reads the {id} of an import route.
func runID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.ENotFound, "there is no upload %q: open one from the Import page", r.PathValue("id"))
	}
	return id, nil
}

// importRejects answers GET /import/{id}/rejects.csv: the rows an import
// set aside, as read, each with its line and reasons, to fix and upload
// again.
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := runID(r)
	if err != nil {
		return err
	}
	run, err := imports.Get(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	data, err := imports.Rejects(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, rejectsName(run.FileName)))
	_, err = w.Write(data)
	return err
}

// rejectsName is the download's name: the upload's, marked, in characters
// every system takes.
func rejectsName(name string) string {
	base := strings.TrimSuffix(name, path.Ext(name))
	safe := []rune{}
	for _, c := range base {
		if c < 128 && (c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			safe = append(safe, c)
		} else {
			safe = append(safe, '_')
		}
	}
	if len(safe) == 0 {
		return "rejected.csv"
	}
	return string(safe) + "-rejected.csv"
}

// since formats a moment of a run for its page.
func since(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02 15:04")
}

var _ = slices.Contains[[]string]
