package clock_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
)

// TestNoWallClock holds the rule of docs/time.md: outside this package no
// program code reads the wall clock (time.Now, time.Since, time.Until);
// it takes the clock main made. Tests may time themselves.
func TestNoWallClock(t *testing.T) {
	root := filepath.Join("..", "..")
	// notifytest makes TLS certificates, which crypto/tls checks against
	// the real time.
	allowed := map[string]bool{"internal/clock/clock.go": true, "internal/notify/notifytest/notifytest.go": true}
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || allowed[rel] {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				t.Errorf("%s: time.%s reads the wall clock; take a clock.Clock instead", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d files checked: is the walk rooted at the repository?", checked)
	}
}

func TestFromAdvancesFromItsStart(t *testing.T) {
	base := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)
	tick := base
	wall := func() time.Time { return tick }
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := clock.From(at, wall)
	if got := c(); !got.Equal(at) {
		t.Fatalf("starts at %v, want %v", got, at)
	}
	tick = tick.Add(90 * time.Second)
	if got := c(); !got.Equal(at.Add(90 * time.Second)) {
		t.Fatalf("after 90 s: %v", got)
	}
	if d := c.Since(at); d != 90*time.Second {
		t.Fatalf("Since: %v", d)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-11-23":           time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		"2027-01-01T00:30:00Z": time.Date(2027, 1, 1, 0, 30, 0, 0, time.UTC),
	} {
		got, err := clock.Parse(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01", "23/11/2026"} {
		if _, err := clock.Parse(bad); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
			t.Errorf("Parse(%q): %v", bad, err)
		}
	}
}
