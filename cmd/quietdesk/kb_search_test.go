package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// storeStarter loads the starter knowledge base (without its synonyms)
// into a database.
func storeStarter(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	arts, err := kb.ReadDir(kb.Starter, "starter")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kb.Import(ctx, db, arts, "import", clocktest.Default); err != nil {
		t.Fatal(err)
	}
}

// kb search finds articles as the help centre does; kb synonyms edits
// the groups that widen it, once each; bad input names what to fix.
func TestKBSearchAndSynonymsCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		storeStarter(t, dsn)
		out := mustRun(t, "kb", "search", "my parcel is delayed", "--locale", "en", "--limit", "2", "--db", dsn).stdout
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "SCORE") || !strings.Contains(lines[1], "my-order-is-late") || !strings.Contains(lines[1], "My order is late") {
			t.Fatalf("kb search:\n%s", out)
		}
		var js struct {
			Results []struct {
				Locale, Slug, Title, Snippet string
				Score                        float64
			}
		}
		r := mustRun(t, "kb", "search", "suivre mon colis", "--locale", "fr", "--format", "json", "--db", dsn)
		if err := json.Unmarshal([]byte(r.stdout), &js); err != nil || len(js.Results) == 0 || js.Results[0].Locale != "fr" || js.Results[0].Slug != "where-is-my-order" || js.Results[0].Score <= 0 {
			t.Fatalf("kb search --format json: %v\n%s", err, r.stdout)
		}
		if r := mustRun(t, "kb", "search", "alterations", "--locale", "en", "--db", dsn); !strings.Contains(r.stdout, "no article found") {
			t.Fatalf("before the group: %s", r.stdout)
		}

		r = mustRun(t, "kb", "synonyms", "add", "Alterations, hemming service, hemming", "--locale", "en", "--db", dsn)
		if !strings.Contains(r.stdout, "synonym group 1 (en) added: alterations, hemming service, hemming") {
			t.Fatalf("add: %s", r.stdout)
		}
		if r := mustRun(t, "kb", "synonyms", "add", "hemming,alterations , hemming service", "--locale", "en", "--db", dsn); !strings.Contains(r.stdout, "nothing changed") {
			t.Fatalf("add again: %s", r.stdout)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM kb_synonyms`); n != 1 {
			t.Fatalf("%d groups stored", n)
		}
		if r := mustRun(t, "kb", "search", "alterations", "--locale", "en", "--db", dsn); !strings.Contains(r.stdout, "size-guide") {
			t.Errorf("the synonym finds nothing: %s", r.stdout)
		}
		list := mustRun(t, "kb", "synonyms", "list", "--db", dsn).stdout
		if !strings.Contains(list, "ID  LOCALE  TERMS") || !strings.Contains(list, "1   en      alterations, hemming service, hemming") {
			t.Errorf("list:\n%s", list)
		}
		if r := mustRun(t, "kb", "synonyms", "remove", "1", "--db", dsn); !strings.Contains(r.stdout, "synonym group 1 (en) removed") {
			t.Errorf("remove: %s", r.stdout)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM kb_synonyms`); n != 0 {
			t.Errorf("%d groups after remove", n)
		}

		for _, bad := range []struct {
			args []string
			want string
		}{
			{[]string{"kb", "synonyms", "add", "parcel", "--locale", "en"}, "at least two different terms"},
			{[]string{"kb", "synonyms", "add", "parcel, package", "--locale", "english"}, "not a locale"},
			{[]string{"kb", "synonyms", "remove", "1"}, "no synonym group 1"},
			{[]string{"kb", "synonyms", "remove", "one"}, "is not a synonym group id"},
			{[]string{"kb", "search", "refund", "--limit", "50"}, "--limit 50 is out of range"},
			{[]string{"kb", "search", "refund", "--format", "xml"}, "--format must be table or json"},
		} {
			r := run(t, append(bad.args, "--db", dsn)...)
			if r.code == 0 || !strings.Contains(r.stderr, bad.want) {
				t.Errorf("%q: exit %d, stderr %q, want %q", bad.args, r.code, r.stderr, bad.want)
			}
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM kb_synonyms`); n != 0 {
			t.Errorf("refused commands stored %d groups", n)
		}
	})
}

// kb eval prints recall@3 and MRR of the questions against the starter
// knowledge base or the store's articles.
func TestKBEvalCommand(t *testing.T) {
	r := mustRun(t, "kb", "eval", "--starter")
	if !strings.Contains(r.stdout, "questions: recall@3 0.9") {
		t.Fatalf("kb eval --starter: %s", r.stdout)
	}
	var rep kb.EvalReport
	r = mustRun(t, "kb", "eval", "--starter", "--baseline", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Cases < 120 || rep.RecallAt3 <= 0 || rep.RecallAt3 >= 0.9 {
		t.Fatalf("baseline: %v %+v", err, rep)
	}
	eachDB(t, func(t *testing.T, dsn string) {
		storeStarter(t, dsn)
		set := filepath.Join(t.TempDir(), "set.tsv")
		if err := os.WriteFile(set, []byte("locale\tquestion\tslugs\nen\twhere is my parcel\twhere-is-my-order\nen\tgift card balance\tgift-cards\nen\tzzqx\trefund-timing\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := mustRun(t, "kb", "eval", "--set", set, "--db", dsn)
		if !strings.Contains(r.stdout, "3 questions: recall@3 0.667, MRR 0.667") || !strings.Contains(r.stdout, "zzqx") {
			t.Errorf("kb eval --set:\n%s", r.stdout)
		}
	})
}
