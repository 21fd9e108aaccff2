package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// The static files: our own script and styles, and in vendor/ the chart
// library, which `make assets` installs from npm (package.json at the
// repository's root) and copies there. vendor/ holds only a README in git,
// so the package builds without it; the pages then say the charts are
// missing, and TestChartLibraryIsEmbedded fails.
//
//go:embed static
var staticFiles embed.FS

// chartLibrary is the file the charts need; the layout loads it first.
var chartLibrary = []string{"vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"}

// assets serves the static files, each under a URL carrying its hash.
type assets struct {
	files    map[string][]byte // by path under static/
	versions map[string]string // a short hash of each file
	// missing names the chart library's first missing file, "" when it is
	// all there.
	missing string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, versions: map[string]string{}}
	err := fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFiles.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path, "static/")
		sum := sha256.Sum256(data)
		a.files[name] = data
		a.versions[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range chartLibrary {
		if _, ok := a.files[f]; !ok {
			a.missing = f
			break
		}
	}
	return a, nil
}

// url returns the URL of a static file. A template naming a file that does
// not exist fails to draw, so a typo cannot ship silently.
func (a *assets) url(name string) (string, error) {
	v, ok := a.versions[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

// handler answers GET /static/{file...}. A request for the current version
// may be cached for a year; any other is revalidated by its ETag.
func (a *assets) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		data, ok := a.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		v := a.versions[name]
		if r.URL.Query().Get("v") == v {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("ETag", `"`+v+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
	})
}
