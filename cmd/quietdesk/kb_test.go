package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kb import loads a folder of article files whole or not at all, a second
// import changes nothing, and kb export writes files kb import reads back
// unchanged.
func TestKBImportExport(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		write := func(name, text string) {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("en/sizing.md", "---\ntitle: Which size should I take?\nlocale: en\ncategory: Sizing\ntopics: [sizing]\n---\nOur cuts run true to size.\n")
		write("fr/sizing.md", "---\ntitle: Quelle taille choisir ?\nlocale: fr\ncategory: Tailles\nslug: which-size-should-i-take\n---\nNos coupes taillent normalement.\n")
		write("en/broken.md", "---\ntitle: Broken\nlocale: en\ncategory: x\nstatus: live\n---\ntext\n")
		r := run(t, "kb", "import", dir, "--db", dsn)
		if r.code != 1 || !strings.Contains(r.stderr, "en/broken.md") || !strings.Contains(r.stderr, "status") || !strings.Contains(r.stderr, "nothing was stored") {
			t.Fatalf("bad file: exit %d\n%s", r.code, r.stderr)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM kb_articles`); n != 0 {
			t.Fatalf("a refused import stored %d articles", n)
		}
		if err := os.Remove(filepath.Join(dir, "en/broken.md")); err != nil {
			t.Fatal(err)
		}
		if r := mustRun(t, "kb", "import", dir, "--db", dsn); !strings.Contains(r.stdout, "2 article files: 2 created, 0 updated, 0 unchanged") {
			t.Fatalf("import: %s", r.stdout)
		}
		if r := mustRun(t, "kb", "import", dir, "--db", dsn); !strings.Contains(r.stdout, "0 created, 0 updated, 2 unchanged") {
			t.Fatalf("import again: %s", r.stdout)
		}
		list := mustRun(t, "kb", "list", "--db", dsn, "--locale", "fr").stdout
		if !strings.Contains(list, "which-size-should-i-take") || !strings.Contains(list, "Quelle taille choisir ?") || strings.Contains(list, "Which size") {
			t.Errorf("kb list --locale fr:\n%s", list)
		}
		out := t.TempDir()
		if r := mustRun(t, "kb", "export", out, "--db", dsn); !strings.Contains(r.stdout, "2 articles written") {
			t.Fatalf("export: %s", r.stdout)
		}
		if _, err := os.Stat(filepath.Join(out, "fr", "which-size-should-i-take.md")); err != nil {
			t.Fatal(err)
		}
		if r := mustRun(t, "kb", "import", out, "--db", dsn); !strings.Contains(r.stdout, "2 unchanged") {
			t.Fatalf("import of the export: %s", r.stdout)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM kb_versions`); n != 2 {
			t.Errorf("%d versions after three imports of the same two articles; want 2", n)
		}
	})
}
