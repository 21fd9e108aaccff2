package kb

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Article files (docs/knowledge-base.md#files): Markdown with a front-matter
// header between two "---" lines:
//
//	---
//	title: Where is my order?
//	locale: en
//	category: Shipping
//	slug: where-is-my-order        (optional: made from the title)
//	synonyms: [parcel, package]    (optional)
//	topics: [where_is_my_order]    (optional)
//	status: published              (optional: published or draft)
//	chat: |                        (optional shorter variants)
//	  Track it from the link in your shipping mail.
//	---
//	The help centre's text, in Markdown.

// frontMatter is the header of an article file.
type frontMatter struct {
	Title    string   `yaml:"title"`
	Locale   string   `yaml:"locale"`
	Category string   `yaml:"category"`
	Slug     string   `yaml:"slug,omitempty"`
	Synonyms []string `yaml:"synonyms,omitempty,flow"`
	Topics   []string `yaml:"topics,omitempty,flow"`
	Status   string   `yaml:"status,omitempty"`
	Chat     string   `yaml:"chat,omitempty"`
	Email    string   `yaml:"email,omitempty"`
	Internal string   `yaml:"internal,omitempty"`
}

var fence = []byte("---")

// ParseFile reads one article file. name is only for messages.
func ParseFile(name string, data []byte) (*Article, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, append(fence, '\n')) {
		return nil, domain.Errorf(domain.EInvalid, "%s: line 1: an article file starts with a front-matter header between two --- lines (title, locale, category)", name)
	}
	rest := data[len(fence)+1:]
	end := bytes.Index(rest, []byte("\n---\n"))
	var header, body []byte
	switch {
	case end >= 0:
		header, body = rest[:end+1], rest[end+5:]
	case bytes.HasSuffix(rest, []byte("\n---")):
		header = rest[:len(rest)-3]
	default:
		return nil, domain.Errorf(domain.EInvalid, "%s: the front-matter header has no closing --- line", name)
	}
	var fm frontMatter
	dec := yaml.NewDecoder(bytes.NewReader(header))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		// yaml numbers lines from the header's first; the file's is one more.
		return nil, domain.Errorf(domain.EInvalid, "%s: front matter: %s (the header's lines start at line 2)", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	a := &Article{Title: strings.TrimSpace(fm.Title), Locale: strings.TrimSpace(fm.Locale), Category: strings.TrimSpace(fm.Category),
		Slug: strings.TrimSpace(fm.Slug), Synonyms: fm.Synonyms, Topics: fm.Topics, Status: strings.TrimSpace(fm.Status),
		Body: strings.TrimSpace(string(body)), Chat: strings.TrimSpace(fm.Chat), Email: strings.TrimSpace(fm.Email), Internal: strings.TrimSpace(fm.Internal)}
	if a.Slug == "" {
		a.Slug = Slugify(a.Title)
	}
	if a.Status == "" {
		a.Status = Published
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// FormatFile writes an article as a file ParseFile reads back the same.
func FormatFile(a *Article) ([]byte, error) {
	fm := frontMatter{Title: a.Title, Locale: a.Locale, Category: a.Category, Slug: a.Slug, Synonyms: a.Synonyms, Topics: a.Topics,
		Status: a.Status, Chat: a.Chat, Email: a.Email, Internal: a.Internal}
	var buf bytes.Buffer
	buf.Write(fence)
	buf.WriteByte('\n')
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(fm); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.Write(fence)
	buf.WriteString("\n\n")
	buf.WriteString(a.Body)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ImportResult counts what an import did.
type ImportResult struct {
	Files  int          `json:"files"`
	Counts store.Counts `json:"counts"`
}

// ReadDir parses every .md file under root of fsys, in path order. Any bad
// file fails the whole read, with every problem named, so an import
// stores all of a directory or nothing.
func ReadDir(fsys fs.FS, root string) ([]*Article, error) {
	var names []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(path.Ext(p), ".md") && !strings.EqualFold(path.Base(p), "README.md") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Article
	var problems []string
	seen := map[string]string{}
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		a, err := ParseFile(n, data)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		key := a.Slug + " (" + a.Locale + ")"
		if other, dup := seen[key]; dup {
			problems = append(problems, fmt.Sprintf("%s: slug %s is also %s's: give one of them another slug", n, key, other))
			continue
		}
		seen[key] = n
		out = append(out, a)
	}
	if len(problems) > 0 {
		return nil, domain.Errorf(domain.EInvalid, "%d of %d article files cannot be imported; nothing was stored:\n  %s", len(problems), len(names), strings.Join(problems, "\n  "))
	}
	if len(names) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "%s holds no .md article files", root)
	}
	return out, nil
}

// Import stores articles in one transaction, each keyed on slug and locale.
func Import(ctx context.Context, db *store.DB, articles []*Article, who string, now time.Time) (ImportResult, error) {
	res := ImportResult{Files: len(articles)}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		res.Counts = store.Counts{}
		for _, a := range articles {
			o, err := Save(ctx, tx, a, who, "imported", now)
			if err != nil {
				return err
			}
			res.Counts.Count(o)
		}
		return nil
	})
	return res, err
}

// ImportDir reads and stores a directory of article files.
func ImportDir(ctx context.Context, db *store.DB, dir, who string, now time.Time) (ImportResult, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ImportResult{}, domain.Errorf(domain.EInvalid, "%s is not a directory: give the folder that holds the .md article files", dir)
	}
	articles, err := ReadDir(os.DirFS(dir), ".")
	if err != nil {
		return ImportResult{}, err
	}
	return Import(ctx, db, articles, who, now)
}

// ExportDir writes every article as DIR/LOCALE/SLUG.md and returns how many.
func ExportDir(ctx context.Context, db *store.DB, dir string) (int, error) {
	all, err := List(ctx, db, Filter{})
	if err != nil {
		return 0, err
	}
	for _, a := range all {
		data, err := FormatFile(a)
		if err != nil {
			return 0, err
		}
		p := filepath.Join(dir, a.Locale, a.Slug+".md")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}
