package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocsCitationsResolve checks that every docs/FILE.md#anchor the code,
// README and help cite names a file under docs/ and a heading in it.
func TestDocsCitationsResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	anchors := map[string]map[string]bool{}
	heading := regexp.MustCompile(`(?m)^#+ (.+)$`)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs: %v", err)
	}
	for _, p := range docs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
			// GitHub's anchors: lower case, spaces to dashes, punctuation dropped.
			a := strings.ToLower(strings.TrimSpace(m[1]))
			a = regexp.MustCompile(`[^a-z0-9 -]`).ReplaceAllString(a, "")
			set[strings.ReplaceAll(a, " ", "-")] = true
		}
		anchors[filepath.Base(p)] = set
	}
	cite := regexp.MustCompile(`docs/([a-z-]+\.md)(#[a-z0-9-]+)?`)
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".html")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range cite.FindAllStringSubmatch(string(b), -1) {
			checked++
			set, ok := anchors[m[1]]
			switch {
			case !ok:
				t.Errorf("%s cites docs/%s, which does not exist", path, m[1])
			case m[2] != "" && !set[m[2][1:]]:
				t.Errorf("%s cites docs/%s%s, which has no such heading", path, m[1], m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d citations found", checked)
	}
}
