package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/connect"
	"quietdesk/internal/store"
)

// connectionForm is the form that adds a connection of one kind: the
// config fields are shown back on the page, the credential fields are
// password inputs that are never filled in again.
type connectionForm struct {
	Kind, Label, About string
	Config             []connectionField
	Creds              []connectionField
}

type connectionField struct {
	Name, Label, Placeholder string
	Type                     string // the input's type: text, email
}

// connectionForms are the kinds the page offers, with the field names their
// connectors read (docs/connections.md#in-the-browser).
var connectionForms = []connectionForm{
	{Kind: "shopify", Label: "Shopify", About: "orders, their lines, fulfillments, refunds and customers",
		Config: []connectionField{{"shop", "Shop domain", "your-shop.myshopify.com", "text"}},
		Creds:  []connectionField{{"access_token", "Admin API access token", "shpat_…", "password"}}},
	{Kind: "zendesk", Label: "Zendesk", About: "tickets as contacts, with their channel, agent, group and satisfaction",
		Config: []connectionField{{"subdomain", "Subdomain", "your-brand (of your-brand.zendesk.com)", "text"}, {"email", "Agent email", "admin@your-brand.com", "email"}},
		Creds:  []connectionField{{"api_token", "API token", "", "password"}}},
	{Kind: "gorgias", Label: "Gorgias", About: "tickets as contacts, with their channel, agent and satisfaction",
		Config: []connectionField{{"domain", "Domain", "your-brand.gorgias.com", "text"}, {"email", "Account email", "admin@your-brand.com", "email"}},
		Creds:  []connectionField{{"api_key", "REST API key", "", "password"}}},
}

func formOf(kind string) (connectionForm, bool) {
	i := slices.IndexFunc(connectionForms, func(f connectionForm) bool { return f.Kind == kind })
	if i < 0 {
		return connectionForm{}, false
	}
	return connectionForms[i], true
}

type connectionsData struct {
	Connections []connectionView
	Forms       []connectionFormView
	// NoKey: the server has no key to seal credentials with, so the forms
	// are disabled and the page says how to give one.
	NoKey    bool
	KeyEnv   string
	KeyFile  string
	TimeZone string
	CSRF     string
}

type connectionFormView struct {
	connectionForm
	// Available: a connector of this kind is in this build.
	Available bool
	Name      string            // the connection name typed in, after an error
	Values    map[string]string // config values typed in, after an error (never credentials)
	Error     string
}

// connectionView is one connection as the page shows it.
type connectionView struct {
	*connect.Connection
	Shown   []configPair
	Percent int  // done of total, when total is known
	Unknown bool // total is not known yet: the bar is indeterminate
	Records string
	Last    string
	Next    string
	Advice  string // what happens next, or what to do
}

type configPair struct{ Key, Value string }

// connectionsPage answers GET /settings/connections.
func (s *Server) connectionsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.renderConnections(w, r, sess, http.StatusOK, nil)
}

// renderConnections draws the page; failed, when set, is the add form
// that was refused, drawn again with its config (never its credentials).
func (s *Server) renderConnections(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, failed *connectionFormView) error {
	list, err := connect.List(r.Context(), s.db)
	if err != nil {
		return err
	}
	loc, err := store.TimeZone(r.Context(), s.db)
	if err != nil {
		return err
	}
	d := connectionsData{NoKey: s.Sealer == nil, KeyEnv: connect.KeyEnv, KeyFile: connect.KeyFileEnv, TimeZone: loc.String(), CSRF: sess.CSRF}
	for _, c := range list {
		d.Connections = append(d.Connections, viewConnection(c, loc))
	}
	kinds := connect.Kinds()
	for _, f := range connectionForms {
		v := connectionFormView{connectionForm: f, Available: slices.Contains(kinds, f.Kind)}
		if failed != nil && failed.Kind == f.Kind {
			v.Name, v.Values, v.Error = failed.Name, failed.Values, failed.Error
		}
		d.Forms = append(d.Forms, v)
	}
	return s.render(w, status, "connections", &view{Title: "Connections", Session: sess, Nav: "connections", Data: d})
}

// stampLayout is how the page writes a time, in the store's zone; the
// page's script writes the times it polls the same way.
const stampLayout = "2006-01-02 15:04"

func stamp(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format(stampLayout)
}

func viewConnection(c *connect.Connection, loc *time.Location) connectionView {
	v := connectionView{Connection: c, Last: stamp(c.LastSyncAt, loc), Next: stamp(c.NextSyncAt, loc)}
	keys := make([]string, 0, len(c.Config))
	for k := range c.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Shown = append(v.Shown, configPair{k, c.Config[k]})
	}
	switch {
	case c.Total > 0:
		v.Percent = int(min(100, c.Done*100/c.Total))
		v.Records = fmt.Sprintf("%s of %s records (%d%%)", thousands(float64(c.Done), 0), thousands(float64(c.Total), 0), v.Percent)
	case c.Total == 0:
		v.Percent = 100
		v.Records = "nothing to read"
	default:
		v.Unknown = c.State != connect.StateCurrent
		if !v.Unknown {
			v.Percent = 100
		}
		v.Records = thousands(float64(c.Done), 0) + " records so far"
	}
	v.Advice = connectionAdvice(c, v.Next)
	v.Last, v.Next = orText(v.Last, "never"), orText(v.Next, "when due")
	return v
}

// connectionAdvice says what happens next to a connection, or what an
// admin has to do (docs/connections.md#states).
func connectionAdvice(c *connect.Connection, next string) string {
	switch c.State {
	case connect.StateStopped:
		return "Nothing happens until someone acts: fix what the reason says (new credentials: add the connection again under the same name), then Resume. It goes on where it stopped."
	case connect.StateWaiting:
		return "Nothing to do: it resumes by itself at " + orText(next, "its next sync") + "."
	case connect.StatePaused:
		return "Paused by an admin: Resume goes on where it stopped."
	}
	if c.Reason != "" {
		return "The last sync failed for a passing reason; it tries again at " + orText(next, "the next minute") + " by itself."
	}
	if c.State == connect.StateBackfilling {
		return "Reading the history, a batch of pages each minute; it goes on where it stopped."
	}
	return "Current: it syncs what changed on its own period."
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
