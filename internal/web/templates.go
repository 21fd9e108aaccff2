package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template/parse"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
)

// Pages are html/template files: layout.html is the frame every page is
// drawn in, and each other file is one page that defines "title" and
// "content" (and whatever parts only it uses).
//
// The public help centre is a site of its own, in the brand's colours and
// without the app's navigation: its pages are in templates/help, drawn in
// help/frame.html the same way.
//
//go:embed templates/*.html templates/help/*.html
var templateFiles embed.FS

const (
	layoutFile    = "layout.html"
	helpFrameFile = "frame.html"
	helpTemplates = "templates/help"
	appTemplates  = "templates"
)

// templates holds each page, parsed with the layout.
type templates struct {
	pages map[string]*template.Template // by file name without .html
	frame string                        // the layout file every page is drawn in
	// defined lists every template of every file, as "file:name".
	defined []string
}

// trackTemplates turns on the record of executed templates; the tests set
// it, so that one of them can fail on a template no test draws.
var trackTemplates bool

// executed records, when tracking, the templates reachable from the pages
// drawn by any server, as "file:name".
var executed = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

// view is what every page is drawn with.
type view struct {
	Title   string
	Session *auth.Session // nil on the login and error pages of a logged-out browser
	Nav     string        // the navigation item to highlight
	Notice  string        // a problem with the page's form, shown above it
	Data    any           // the page's own
	// ChartsMissing names the chart library's file when this build lacks
	// it: the layout then says so in red on every page.
	ChartsMissing string
}

// navItem is an entry of the navigation bar.
type navItem struct{ Key, Label, URL string }

// NavItems lists the navigation for the logged-in user's role.
func (v *view) NavItems() []navItem {
	if v.Session == nil {
		return nil
	}
	// Those who work the desk find the inbox first.
	var items []navItem
	if v.Session.User.ReadsMessages() {
		items = append(items, navItem{"inbox", "Inbox", "/inbox"}, navItem{"customers", "Customers", "/customers"})
	}
	if v.Session.User.SeesDashboards() {
		items = append(items, []navItem{{"overview", "Overview", "/"}, {"cohorts", "Cohorts", "/cohorts"}, {"explore", "Explore", "/explore"}, {"topics", "Topics", "/topics"}, {"self-service", "Self-service", "/self-service"},
			{"review", "Review", "/review"}, {"alerts", "Alerts", "/alerts"}, {"corrections", "Corrections", "/corrections"}, {"guardrails", "Guardrails", "/guardrails"}, {"proactive", "Proactive", "/proactive"}}...)
	}
	if v.Session.User.EditsKB() {
		items = append(items, navItem{"kb", "Knowledge base", "/kb"})
	}
	if v.Session.User.Role == auth.RoleAdmin {
		items = append(items, navItem{"settings", "Settings", "/settings"})
	}
	return items
}

// settingsPages are the admins' settings pages, listed on /settings; the
// navigation shows them as one item, highlighted on each of them.
var settingsPages = []struct{ Key, Label, URL, About string }{
	{"chat", "Chat widget", "/settings/chat", "the tag to install on the shop, its settings, and the widget to try"},
	{"webhooks", "Webhooks", "/settings/webhooks", "addresses that receive conversations and messages as they happen, and their delivery log"},
	{"returns", "Returns policy", "/settings/returns", "the window, conditions and exclusions self-service return requests are checked against"},
	{"saved-replies", "Saved replies", "/saved-replies", "texts agents reuse, with the conversation's variables filled in"},
	{"users", "Users", "/settings/users", "who logs in and with which role: invite people, change roles, deactivate"},
	{"tokens", "API tokens", "/settings/tokens", "the tokens programs use with the API: create, see when each was last used, revoke"},
	{"store", "Store settings", "/settings/store", "the brand's name, site address, time zone, currency and weekly review day"},
	{"notifications", "Notification delivery", "/settings/notifications", "the mail relay and the chat webhook, each with a test send"},
	{"audit", "Audit log", "/settings/audit", "who changed what on these pages and from the command line"},
	{"connections", "Connections", "/settings/connections", "the shop and the helpdesk Quietdesk reads orders and contacts from, each sync's state and progress"},
}

// NavKey is the navigation item a page highlights: a settings page
// highlights Settings.
func (v *view) NavKey() string {
	for _, p := range settingsPages {
		if p.Key == v.Nav {
			return "settings"
		}
	}
	return v.Nav
}

func parseTemplates(funcs template.FuncMap) (*templates, error) {
	return parseTemplateSet(funcs, appTemplates, layoutFile)
}

// parseHelpTemplates parses the help centre's pages.
func parseHelpTemplates(funcs template.FuncMap) (*templates, error) {
	return parseTemplateSet(funcs, helpTemplates, helpFrameFile)
}

// parseTemplateSet parses the pages of dir, each with dir's frame file
// (the layout every page of the set is drawn in).
func parseTemplateSet(funcs template.FuncMap, dir, layoutFile string) (*templates, error) {
	layout, err := template.New(layoutFile).Funcs(funcs).ParseFS(templateFiles, dir+"/"+layoutFile)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	files, err := fs.Glob(templateFiles, dir+"/*.html")
	if err != nil {
		return nil, err
	}
	ts := &templates{pages: map[string]*template.Template{}, frame: layoutFile}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimPrefix(f, dir+"/")
		if name == layoutFile {
			continue
		}
		clone, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		t, err := clone.ParseFS(templateFiles, f)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		for _, want := range []string{"title", "content"} {
			if d := t.Lookup(want); d == nil || d.Tree == nil || d.Tree.ParseName != name {
				return nil, fmt.Errorf("templates: page %s does not define %q", name, want)
			}
		}
		for _, d := range t.Templates() {
			if d.Tree == nil {
				continue
			}
			for _, ref := range references(d.Tree.Root) {
				if t.Lookup(ref) == nil {
					return nil, fmt.Errorf("templates: %s (in %s) uses template %q, which %s does not define", d.Name(), d.Tree.ParseName, ref, name)
				}
			}
			if d.Name() == name {
				continue // the page file's own top level: only its defines
			}
			if key := d.Tree.ParseName + ":" + d.Name(); !seen[key] {
				seen[key] = true
				ts.defined = append(ts.defined, key)
			}
		}
		ts.pages[strings.TrimSuffix(name, ".html")] = t
	}
	sort.Strings(ts.defined)
	return ts, nil
}

// references lists the templates a parse tree calls by name.
func references(n parse.Node) []string {
	var out []string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.TemplateNode:
			out = append(out, n.Name)
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(n)
	return out
}

// execute draws page of ts with data into a buffer first, so a template
// error becomes a clean error response rather than half a page.
func (ts *templates) execute(w http.ResponseWriter, status int, page string, data any) error {
	t, ok := ts.pages[page]
	if !ok {
		return fmt.Errorf("no page template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, ts.frame, data); err != nil {
		return fmt.Errorf("draw page %s: %w", page, err)
	}
	if trackTemplates {
		markExecutedFrom(t, ts.frame)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// render draws a page into a buffer first, so a template error becomes a
// clean error response rather than half a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, v *view) error {
	v.ChartsMissing = s.assets.missing
	return s.pages.execute(w, status, page, v)
}

// markExecutedFrom records the templates that executing root reached, for
// the test that every template is drawn by some page.
func markExecutedFrom(t *template.Template, root string) {
	executed.Lock()
	defer executed.Unlock()
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		// Escaping renames a template called in another context (such as
		// "title" inside <title>) to "title$htmltemplate_…".
		name, _, _ = strings.Cut(name, "$htmltemplate_")
		d := t.Lookup(name)
		if d == nil || d.Tree == nil || seen[name] {
			return
		}
		seen[name] = true
		executed.names[d.Tree.ParseName+":"+name] = true
		for _, ref := range references(d.Tree.Root) {
			visit(ref)
		}
	}
	visit(root)
}

// neverExecuted lists the templates that no page drawn so far reached.
func (ts *templates) neverExecuted() []string {
	executed.Lock()
	defer executed.Unlock()
	return slices.DeleteFunc(slices.Clone(ts.defined), func(k string) bool { return executed.names[k] })
}

// errorPage draws an error as a page, with the navigation when the browser
// is logged in.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, detail errorDetail) {
	v := &view{Title: http.StatusText(status), Data: detail}
	if sess, err := s.session(r); err == nil {
		v.Session = &sess
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := s.render(w, status, "error", v); err != nil {
		s.log.Error("draw the error page", "err", err)
		http.Error(w, detail.Message, status)
	}
}

func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		// asset is a static file's URL with its content's hash, so
		// browsers may cache it for good.
		"asset": func(name string) (string, error) { return s.assets.url(name) },
		"deref": func(v *float64) float64 {
			if v == nil {
				return 0
			}
			return *v
		},
		"dimensions": dimensionOptions,
		// metricLabel names a metric for people.
		"metricLabel": metricLabel,
		// levels are a correction's effort and impact levels.
		"levels": func() []string { return decide.Levels },
	}
}
