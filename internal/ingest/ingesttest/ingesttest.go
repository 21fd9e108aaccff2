// Package ingesttest builds stores for tests the way a brand's data
// arrives: through the CSV importer.
package ingesttest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// ImportCSV writes rows under a header as a CSV file of kind and imports
// it, failing the test on any error.
func ImportCSV(t testing.TB, db *store.DB, kind, header string, rows []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), kind+".csv")
	if err := os.WriteFile(path, []byte(header+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Kind: kind, Now: clocktest.Clock()}); err != nil {
		t.Fatalf("import %s: %v %v", kind, err, sum.Errors)
	}
}
