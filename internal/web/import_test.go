package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const importExports = "../../testdata/exports/"

// sharedShopify is where the real Shopify exports are, beside the repository.
const sharedShopify = "/work/shared/data/imports/shopify/"

// readExport reads a file of testdata/exports.
func readExport(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(importExports + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// upload sends the Import page's form with a file, as a browser does.
func (v *visitor) upload(csrf, kind, name string, data []byte) reply {
	v.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	mw.WriteField("kind", kind)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		v.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", v.s.url+"/import", &body)
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return v.do(req)
}

var runPath = regexp.MustCompile(`^/import/(\d+)$`)

// uploaded uploads a file and returns its page's path, failing unless the
// upload was taken.
func (v *visitor) uploaded(kind, name string, data []byte) string {
	v.t.Helper()
	r := v.upload(v.csrf(v.get("/import")), kind, name, data)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !runPath.MatchString(loc) {
		v.t.Fatalf("upload %s as %q: status %d, location %q\n%s", name, kind, r.status, loc, r.body)
	}
	return loc
}

// importSummary is the summary table of an upload's page.
type importSummary struct{ read, created, updated, unchanged, rejected string }

var summaryCell = regexp.MustCompile(`<td id="sum-(\w+)">(\d+)</td>`)

// runImport imports an upload with a plain form post and returns the
// summary its page then shows.
func (v *visitor) runImport(page string) (importSummary, string) {
	v.t.Helper()
	r := v.post(page+"/run", url.Values{"csrf": {v.csrf(v.get(page))}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page {
		v.t.Fatalf("POST %s/run: status %d, location %q\n%s", page, r.status, r.header.Get("Location"), r.body)
	}
	body := v.page(page, http.StatusOK)
	var s importSummary
	for _, m := range summaryCell.FindAllStringSubmatch(body, -1) {
		switch m[1] {
		case "read":
			s.read = m[2]
		case "created":
			s.created = m[2]
		case "updated":
			s.updated = m[2]
		case "unchanged":
			s.unchanged = m[2]
		case "rejected":
			s.rejected = m[2]
		}
	}
	if s.read == "" {
		v.t.Fatalf("no summary on %s:\n%s", page, body)
	}
	return s, body
}

// TestImportShopifyAndZendesk uploads the exports through the page: the
// format is detected, the first orders are shown as they will be read,
// the import stores them, and the same file again changes nothing.
func TestImportShopifyAndZendesk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor().login("analyst@example.com")
		mustContain(t, v.page("/import", http.StatusOK), `<a href="/import" aria-current="page">Import</a>`, `id="import-upload"`, "Detect from the file")

		page := v.uploaded("orders", "shopify_orders_resaved.csv", readExport(t, "shopify_orders_resaved.csv"))
		body := v.page(page, http.StatusOK)
		mustContain(t, body, `<dd id="import-format">Shopify orders export</dd>`, `id="import-preview"`,
			"<th>name</th>", "<th>placed at</th>", "<th>item revenue</th>", "<th>customer email</th>",
			"<td>#2001</td>", "<td>2025-05-03 14:22</td>", "anna.keller@example.com", `id="import-run"`)
		if strings.Contains(body, `id="import-mapping"`) {
			t.Error("a Shopify export is offered a column mapping")
		}
		if n := s.count("orders"); n != 0 {
			t.Fatalf("%d orders stored before the import", n)
		}
		sum, _ := v.runImport(page)
		if want := (importSummary{"5", "6", "0", "0", "0"}); sum != want {
			t.Errorf("Shopify summary %+v, want %+v", sum, want)
		}
		if n := s.count("orders"); n != 5 {
			t.Errorf("%d orders stored, want 5", n)
		}
		// A finished upload cannot run again: its rows are stored.
		if r := v.post(page+"/run", url.Values{"csrf": {v.csrf(v.get(page))}}); r.status != http.StatusConflict {
			t.Errorf("running a finished upload again: status %d", r.status)
		}
		again, _ := v.runImport(v.uploaded("", "shopify_orders_resaved.csv", readExport(t, "shopify_orders_resaved.csv")))
		if again.created != "0" || again.updated != "0" || again.unchanged != "6" {
			t.Errorf("the same file again: %+v, want all unchanged", again)
		}

		zd := v.uploaded("contacts", "zendesk_tickets.csv", readExport(t, "zendesk_tickets.csv"))
		mustContain(t, v.page(zd, http.StatusOK), `<dd id="import-format">Zendesk tickets export</dd>`, "<td>zendesk-48201</td>", "<td>email</td>")
		if sum, _ := v.runImport(zd); sum != (importSummary{"26", "26", "0", "0", "0"}) {
			t.Errorf("Zendesk summary %+v", sum)
		}
		if n := s.count("contacts"); n != 26 {
			t.Errorf("%d contacts stored, want 26", n)
		}
		var runs int
		s.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM import_runs WHERE state = 'done' AND file IS NULL AND user_email = 'analyst@example.com'`).Scan(&runs)
		if runs != 3 {
			t.Errorf("%d finished runs without their file, want 3", runs)
		}
		mustContain(t, v.page("/import", http.StatusOK), `id="import-runs"`, "zendesk_tickets.csv", "shopify_orders_resaved.csv")
	})
}

// TestImportRejects imports the good rows of a file with bad ones; the bad
// ones are listed and downloadable as CSV with their reasons.
func TestImportRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor().login("admin@example.com")
		page := v.uploaded("contacts", "zendesk_tickets_bad.csv", readExport(t, "zendesk_tickets_bad.csv"))
		sum, body := v.runImport(page)
		if sum.rejected != "3" || sum.created != "26" {
			t.Errorf("summary %+v, want 26 created and 3 rejected", sum)
		}
		mustContain(t, body, `id="import-rejects"`, `href="`+page+`/rejects.csv"`, "Download the 3 rejected rows", `id="import-errors"`)
		r := v.get(page + "/rejects.csv")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			r.header.Get("Content-Disposition") != `attachment; filename="zendesk_tickets_bad-rejected.csv"` {
			t.Fatalf("rejects: status %d, headers %v\n%s", r.status, r.header, r.body)
		}
		lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "line,Summation column,Id,") || !strings.HasSuffix(strings.TrimSpace(lines[0]), ",reject_reason") ||
			!strings.HasPrefix(lines[1], "28,") || !strings.Contains(lines[1], "2026-03-3O") {
			t.Errorf("rejects file:\n%s", r.body)
		}
		if n := s.count("contacts"); n != 26 {
			t.Errorf("%d contacts stored, want 26", n)
		}
		// An upload without rejected rows has nothing to download.
		clean, _ := v.runImport(v.uploaded("contacts", "zendesk_tickets.csv", readExport(t, "zendesk_tickets.csv")))
		if clean.unchanged != "26" {
			t.Errorf("the good file after the bad one: %+v", clean)
		}
	})
}

// TestImportBadInput refuses files that cannot be what was chosen, saying
// what was expected, and stores nothing: not even the upload.
func TestImportBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor().login("analyst@example.com")
		xlsx := append([]byte("PK\x03\x04\x14\x00\x06\x00"), bytes.Repeat([]byte{0, 1, 2}, 100)...)
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 40)...)
		cases := []struct {
			name, kind string
			data       []byte
			want       string
		}{
			{"orders.xlsx", "orders", xlsx, "orders.xlsx cannot be imported: the file is a spreadsheet (.xlsx, .ods) or a zip archive, not CSV: save it as &#34;CSV UTF-8&#34;"},
			{"photo.png", "orders", png, "photo.png cannot be imported: the file is an image, not CSV"},
			{"blob.bin", "contacts", []byte("id,at\x00\x01\x02\n"), "blob.bin cannot be imported: the file is binary, not CSV text"},
			{"empty.csv", "orders", nil, "empty.csv is empty: upload a CSV file with a header row"},
			{"header.csv", "orders", []byte("order_id,placed_at,item_revenue\n"), "header.csv has a header but no rows"},
			{"zendesk_tickets.csv", "orders", readExport(t, "zendesk_tickets.csv"),
				"zendesk_tickets.csv looks like a Zendesk tickets export, which holds contacts, not orders. Choose contacts, or upload a file of orders: a Shopify orders export, or a CSV with the columns order_id, placed_at, item_revenue."},
			{"shopify.csv", "contacts", readExport(t, "shopify_orders_resaved.csv"), "shopify.csv looks like a Shopify orders export, which holds orders, not contacts."},
			{"unknown.csv", "", []byte("a,b\n1,2\n"), "Quietdesk cannot tell what unknown.csv holds from its columns (a, b): choose what it holds in the list"},
		}
		for _, c := range cases {
			r := v.upload(v.csrf(v.get("/import")), c.kind, c.name, c.data)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", c.name, r.status)
			}
			mustContain(t, string(r.body), c.want)
		}
		// No file at all.
		if r := v.upload(v.csrf(v.get("/import")), "orders", "", nil); r.status != http.StatusUnprocessableEntity {
			t.Errorf("no file: status %d", r.status)
		}
		for _, table := range []string{"import_runs", "import_mappings", "orders", "contacts", "customers"} {
			if n := s.count(table); n != 0 {
				t.Errorf("%d rows in %s after refused uploads", n, table)
			}
		}
		// A file over the limit is refused before it is read.
		s.srv.MaxUploadBytes = 4 << 10
		r := v.upload(v.csrf(v.get("/import")), "orders", "big.csv", bytes.Repeat([]byte("order_id,placed_at,item_revenue\n"), 500))
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "larger than the 4 KB this page takes: split it into smaller files, or import it on the server with quietdesk import") {
			t.Errorf("a file over the limit: status %d\n%s", r.status, r.body)
		}
		// Agents do not import.
		if r := s.visitor().login("agent@example.com").get("/import"); r.status != http.StatusForbidden {
			t.Errorf("an agent opens /import: status %d", r.status)
		}
	})
}

// TestImportMapping maps a file's renamed columns by hand; the next file
// with the same header is read with the same mapping, and a hostile cell
// is shown as text.
func TestImportMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor().login("analyst@example.com")
		file := "Order Number,Date,Total,Notes\nA-1,2026-03-02 09:15:00,120.00,<img src=x onerror=alert(1)>\nA-2,2026-03-03 10:00:00,45.50,\n"
		page := v.uploaded("orders", "their-orders.csv", []byte(file))
		body := v.page(page, http.StatusOK)
		mustContain(t, body, `<details id="import-mapping" open>`, "<code>order_id</code>, <code>placed_at</code>, <code>item_revenue</code> missing",
			`<option value="order_id">order_id (required)</option>`, "missing required column(s) order_id, placed_at, item_revenue")
		if strings.Contains(body, `id="import-run"`) {
			t.Error("the Import button is offered before the required columns are mapped")
		}
		csrf := v.csrf(v.get(page))
		// Two columns read as one is refused, and nothing is saved.
		r := v.post(page+"/map", url.Values{"csrf": {csrf}, "col0": {"order_id"}, "col1": {"order_id"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "gives two columns the name &#34;order_id&#34;") {
			t.Errorf("a double mapping: status %d\n%s", r.status, r.body)
		}
		if r := v.post(page+"/map", url.Values{"csrf": {csrf}, "col0": {"secret_column"}}); r.status != http.StatusBadRequest {
			t.Errorf("a mapping to an unknown column: status %d\n%s", r.status, r.body)
		}
		if n := s.count("import_mappings"); n != 0 {
			t.Fatalf("%d mappings saved by refused forms", n)
		}
		r = v.post(page+"/map", url.Values{"csrf": {csrf}, "col0": {"order_id"}, "col1": {"placed_at"}, "col2": {"item_revenue"}, "col3": {"tags"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("map: status %d\n%s", r.status, r.body)
		}
		body = v.page(page, http.StatusOK)
		mustContain(t, body, `<details id="import-mapping">`, `<option value="order_id" selected>`, `id="import-run"`, "<td>A-1</td>", "<td>2026-03-02 09:15</td>", "<td>120.00</td>")
		sum, _ := v.runImport(page)
		if sum != (importSummary{"2", "2", "0", "0", "0"}) {
			t.Errorf("summary %+v", sum)
		}
		// The next file with the same header needs no mapping.
		next := v.uploaded("orders", "their-orders-april.csv", []byte("Order Number,Date,Total,Notes\nA-3,2026-04-01 08:00:00,10.00,<img src=x onerror=alert(1)>\n"))
		body = v.page(next, http.StatusOK)
		mustContain(t, body, `id="import-remembered"`, "<td>A-3</td>", `id="import-run"`, "<th>tags</th>", "<td>&lt;img src=x onerror=alert(1)&gt;</td>")
		if strings.Contains(body, "<img src=x") {
			t.Error("a cell of the file is drawn as markup")
		}
		if sum, _ := v.runImport(next); sum.created != "1" {
			t.Errorf("the mapped file: %+v", sum)
		}
		var id string
		s.db.QueryRow(context.Background(), `SELECT external_id FROM orders WHERE external_id = 'A-3'`).Scan(&id)
		if id != "A-3" {
			t.Error("order A-3 was not stored")
		}
		var mapping string
		s.db.QueryRow(context.Background(), `SELECT mapping FROM import_mappings WHERE kind = 'orders'`).Scan(&mapping)
		if mapping != `{"Date":"placed_at","Notes":"tags","Order Number":"order_id","Total":"item_revenue"}` {
			t.Errorf("remembered mapping %s", mapping)
		}
	})
}

// TestImportProgressStream runs an import as the page's script does: the
// response is the import's progress, a JSON object a line, ending with the
// summary.
func TestImportProgressStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor().login("analyst@example.com")
		page := v.uploaded("orders", "shopify_orders_resaved.csv", readExport(t, "shopify_orders_resaved.csv"))
		req, _ := http.NewRequest("POST", s.url+page+"/run", strings.NewReader(url.Values{"csrf": {v.csrf(v.get(page))}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/x-ndjson")
		r := v.do(req)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("status %d, type %q\n%s", r.status, r.header.Get("Content-Type"), r.body)
		}
		type line struct {
			Phase   string
			Percent int
			Final   bool
			URL     string
			Error   string
			Summary struct{ Read, Created, Rejected int }
		}
		var lines []line
		sc := bufio.NewScanner(bytes.NewReader(r.body))
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			lines = append(lines, l)
		}
		var phases []string
		last := -1
		for _, l := range lines[:len(lines)-1] {
			if l.Percent < last {
				t.Errorf("the bar went back from %d to %d", last, l.Percent)
			}
			last = l.Percent
			if len(phases) == 0 || phases[len(phases)-1] != l.Phase {
				phases = append(phases, l.Phase)
			}
		}
		if strings.Join(phases, ",") != "checking,writing,rollups" {
			t.Errorf("phases %v", phases)
		}
		end := lines[len(lines)-1]
		if !end.Final || end.URL != page || end.Error != "" || end.Percent != 100 || end.Summary.Read != 5 || end.Summary.Created != 6 {
			t.Errorf("last line %+v", end)
		}
		if n := s.count("orders"); n != 5 {
			t.Errorf("%d orders", n)
		}
	})
}

// TestImportRealShopifyExports uploads each real Shopify export as orders:
// detected, previewed and imported whole.
func TestImportRealShopifyExports(t *testing.T) {
	files, _ := filepath.Glob(sharedShopify + "*.csv")
	if len(files) == 0 {
		if os.Getenv("QUIETDESK_REQUIRE_SHARED_DATA") != "" {
			t.Fatalf("QUIETDESK_REQUIRE_SHARED_DATA is set but there are no Shopify exports in %s", sharedShopify)
		}
		t.Skipf("skipped: the real Shopify exports are not beside the repository (%s); set QUIETDESK_REQUIRE_SHARED_DATA=1 to require them", sharedShopify)
	}
	orders := map[string]string{"forezia-mock-data_devstore_2025_EUR.csv": "19", "kidsliving-api_2021_ZAR_pseudonymized.csv": "50", "customer_vip_2019-2022_USD_pseudonymized.csv": "409"}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor().login("admin@example.com")
		// One store takes one currency: the EUR shop only.
		name := "forezia-mock-data_devstore_2025_EUR.csv"
		data, err := os.ReadFile(sharedShopify + name)
		if err != nil {
			t.Fatal(err)
		}
		page := v.uploaded("", name, data)
		mustContain(t, v.page(page, http.StatusOK), "Shopify orders export", "<td>#1001</td>", "<th>lines</th>")
		sum, _ := v.runImport(page)
		if sum.read != orders[name] || sum.rejected != "0" {
			t.Errorf("%s: %+v", name, sum)
		}
		// The others are detected and previewed.
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			page := v.uploaded("orders", filepath.Base(f), data)
			mustContain(t, v.page(page, http.StatusOK), "Shopify orders export", `id="import-preview"`)
		}
	})
}
