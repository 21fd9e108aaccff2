package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kb publish, unpublish, history and rollback change an article as the
// editor does, each a version naming who; user kb-editor gives an agent
// the right and refuses admins and analysts.
func TestKBEditCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "late.md"), []byte("---\ntitle: My parcel is late\nlocale: en\ncategory: Shipping\nstatus: draft\n---\nSorry.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "kb", "import", dir, "--db", dsn)
		if r := mustRun(t, "kb", "publish", "my-parcel-is-late", "--locale", "en", "--by", "ops@brand.example", "--db", dsn); r.stdout != "my-parcel-is-late (en): published; now version 2, published\n" {
			t.Errorf("publish: %q", r.stdout)
		}
		// Publishing again changes nothing.
		if r := mustRun(t, "kb", "publish", "my-parcel-is-late", "--locale", "en", "--db", dsn); !strings.Contains(r.stdout, "now version 2") {
			t.Errorf("publish twice: %q", r.stdout)
		}
		mustRun(t, "kb", "unpublish", "my-parcel-is-late", "--locale", "en", "--db", dsn)
		if r := mustRun(t, "kb", "rollback", "my-parcel-is-late", "--locale", "en", "--version", "2", "--db", dsn); r.stdout != "my-parcel-is-late (en): restored version 2; now version 4, published\n" {
			t.Errorf("rollback: %q", r.stdout)
		}
		hist := mustRun(t, "kb", "history", "my-parcel-is-late", "--locale", "en", "--db", dsn).stdout
		lines := strings.Split(strings.TrimSpace(hist), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[1], "4 ") || !strings.Contains(lines[1], "restored version 2") || !strings.Contains(lines[3], "ops@brand.example") || !strings.Contains(lines[4], "import") {
			t.Errorf("history:\n%s", hist)
		}
		var versions []map[string]any
		if err := json.Unmarshal([]byte(mustRun(t, "kb", "history", "my-parcel-is-late", "--locale", "en", "--json", "--db", dsn).stdout), &versions); err != nil || len(versions) != 4 || versions[0]["body"] != "Sorry." {
			t.Errorf("history --json: %v %v", versions, err)
		}
		if r := run(t, "kb", "rollback", "my-parcel-is-late", "--locale", "en", "--version", "9", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "no version 9") {
			t.Errorf("rollback to a version that does not exist: %d %s", r.code, r.stderr)
		}
		if r := run(t, "kb", "rollback", "my-parcel-is-late", "--locale", "en", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "--version") {
			t.Errorf("rollback without a version: %d %s", r.code, r.stderr)
		}
		if r := run(t, "kb", "publish", "nope", "--locale", "en", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "no such article") {
			t.Errorf("publish a missing article: %d %s", r.code, r.stderr)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM kb_versions`); n != 4 {
			t.Errorf("%d versions stored, want 4", n)
		}

		// Who may edit.
		mustRunWithStdin := func(stdin string, args ...string) {
			t.Helper()
			if r := runWithStdin(t, stdin, args...); r.code != 0 {
				t.Fatalf("%v: %s", args, r.stderr)
			}
		}
		mustRunWithStdin("a long enough password\n", "user", "add", "--email", "dana@brand.example", "--role", "agent", "--password-stdin", "--db", dsn)
		mustRunWithStdin("a long enough password\n", "user", "add", "--email", "ann@brand.example", "--role", "analyst", "--password-stdin", "--db", dsn)
		if r := mustRun(t, "user", "kb-editor", "dana@brand.example", "on", "--db", dsn); !strings.Contains(r.stdout, "may now edit") {
			t.Errorf("kb-editor on: %q", r.stdout)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM users WHERE kb_editor`); n != 1 {
			t.Errorf("%d editors, want 1", n)
		}
		list := mustRun(t, "user", "list", "--db", dsn).stdout
		for _, want := range []string{"EDITS KB", "dana@brand.example  agent", "ann@brand.example"} {
			if !strings.Contains(list, want) {
				t.Errorf("user list lacks %q:\n%s", want, list)
			}
		}
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, "@") && strings.HasSuffix(strings.TrimSpace(line), "yes") != strings.Contains(line, "dana@") {
				t.Errorf("user list says the wrong thing of who edits the knowledge base: %q", line)
			}
		}
		mustRun(t, "user", "kb-editor", "dana@brand.example", "off", "--db", dsn)
		mustRun(t, "user", "kb-editor", "dana@brand.example", "off", "--db", dsn) // already off: nothing to record
		if n := count(t, dsn, `SELECT COUNT(*) FROM users WHERE kb_editor`); n != 0 {
			t.Errorf("%d editors after off, want 0", n)
		}
		// Each change of the right is in the audit log, once.
		if n := count(t, dsn, `SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND action = 'user.kb_editor' AND target = 'dana@brand.example'`); n != 2 {
			t.Errorf("%d audit records of the right, want 2 (on, off)", n)
		}
		if r := run(t, "user", "kb-editor", "ann@brand.example", "on", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "analyst") {
			t.Errorf("an analyst: %d %s", r.code, r.stderr)
		}
		if r := run(t, "user", "kb-editor", "who@brand.example", "on", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "no user") {
			t.Errorf("nobody: %d %s", r.code, r.stderr)
		}
		if r := run(t, "user", "kb-editor", "dana@brand.example", "maybe", "--db", dsn); r.code != 2 {
			t.Errorf("on|off: %d %s", r.code, r.stderr)
		}
	})
}
