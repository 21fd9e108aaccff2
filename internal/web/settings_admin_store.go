package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/settings"
	"quietdesk/internal/store"
)

// storeFields are the settings /settings/store holds, in the order shown;
// their help and checks are the command line's (package settings).
var storeFields = []struct{ Key, Label string }{
	{settings.BrandName, "Brand name"},
	{settings.SiteURL, "Site address"},
	{settings.TimeZone, "Time zone"},
	{settings.Currency, "Currency"},
	{settings.ReviewDay, "Weekly review day"},
	{settings.ProgramStart, "Program start"},
}

// settingField is one setting on a settings page.
type settingField struct {
	Key, Label, Help, Affects string
	Value                     string
	Options                   []string // a choice instead of free text
	Error                     string
}

type storePageData struct {
	CSRF    string
	Fields  []settingField
	Changes []string // what was just changed, and what that does
	Done    string
}

func (s *Server) storeSettingsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	values := map[string]string{}
	for _, f := range storeFields {
		v, err := s.db.Setting(r.Context(), f.Key)
		if err != nil {
			return err
		}
		values[f.Key] = v
	}
	return s.drawStoreSettings(w, sess, http.StatusOK, "", values, nil, nil)
}

func (s *Server) drawStoreSettings(w http.ResponseWriter, sess *auth.Session, status int, problem string, values, problems map[string]string, changes []string) error {
	data := storePageData{CSRF: sess.CSRF, Changes: changes}
	for _, f := range storeFields {
		d, _ := settings.Lookup(f.Key)
		field := settingField{Key: f.Key, Label: f.Label, Help: d.Help, Affects: d.Affects, Value: values[f.Key], Error: problems[f.Key]}
		if f.Key == settings.ReviewDay {
			field.Options = append([]string{""}, decide.Weekdays...)
		}
		data.Fields = append(data.Fields, field)
	}
	return s.render(w, status, "settings_store", &view{Title: "Store settings", Session: sess, Nav: "store", Notice: problem, Data: data})
}

// saveStoreSettings answers POST /settings/store. Every value is checked
// first: one wrong value stores none of them, and the form comes back as
// typed with each problem beside its field. Then all are stored in one
// transaction, each change with its audit record.
func (s *Server) saveStoreSettings(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	values := map[string]string{}
	problems := map[string]string{}
	for _, f := range storeFields {
		v := strings.TrimSpace(r.PostFormValue(f.Key))
		values[f.Key] = v
		if err := settings.Check(f.Key, v); err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || len(de.Fields) == 0 {
				return err
			}
			problems[f.Key] = de.Fields[0].Reason
		}
	}
	if len(problems) > 0 {
		return s.drawStoreSettings(w, sess, http.StatusBadRequest, fmt.Sprintf("Nothing was saved: %d of the values are not right (see below).", len(problems)), values, problems, nil)
	}
	now := s.Now()
	var changes []string
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		changes = nil // a retried transaction starts over
		for _, f := range storeFields {
			c, err := settings.Set(ctx, tx, now, sess.User.Email, f.Key, values[f.Key])
			if err != nil {
				return err
			}
			if !c.Changed {
				continue
			}
			line := f.Label + ": " + settings.Describe(f.Key, c.Old, c.New) + "."
			if d, _ := settings.Lookup(f.Key); d.Affects != "" {
				line += " " + capitalize(d.Affects) + "."
			}
			if f.Key == settings.Currency && c.Old != "" {
				var orders int64
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM orders`).Scan(&orders); err != nil {
					return err
				}
				line += fmt.Sprintf(" The store holds %d orders.", orders)
			}
			changes = append(changes, line)
		}
		return nil
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawStoreSettings(w, sess, status, msg, values, nil, nil)
	} else if err != nil {
		return err
	}
	if len(changes) == 0 {
		changes = []string{"Nothing changed: every setting already had that value."}
	}
	return s.drawStoreSettings(w, sess, http.StatusOK, "", values, nil, changes)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
