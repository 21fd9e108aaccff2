package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// proactiveRulesPage is /proactive: the rules, what each is set to and
// when it last changed. Admins edit them; analysts read.
type proactiveRulesPage struct {
	CSRF  string
	Admin bool
	Rules []ruleRow
}

type ruleRow struct {
	*proactive.Rule
	Scope      string
	LastChange string // "enabled 2026-11-23 09:00 UTC by ann@example.com"
}

func (s *Server) proactiveRulesPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	rules, err := eventRules(r, s.db)
	if err != nil {
		return err
	}
	data := proactiveRulesPage{CSRF: sess.CSRF, Admin: sess.User.Role == auth.RoleAdmin}
	for _, rule := range rules {
		row := ruleRow{Rule: rule, Scope: scopeLabel(rule.Scope)}
		var at int64
		var change, by string
		err := s.db.QueryRow(r.Context(), `SELECT at, change, by_whom FROM proactive_rule_changes WHERE rule_id = ? ORDER BY at DESC, id DESC LIMIT 1`, rule.ID).Scan(&at, &change, &by)
		if err == nil {
			row.LastChange = change + " " + pageTime(time.Unix(at, 0))
			if by != "" {
				row.LastChange += " by " + by
			}
		}
		data.Rules = append(data.Rules, row)
	}
	return s.render(w, http.StatusOK, "proactive_rules", &view{Title: "Proactive notices", Session: sess, Nav: "proactive", Data: data})
}

// proactiveAddDefaults adds the default rules the database lacks.
func (s *Server) proactiveAddDefaults(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		_, err := proactive.EnsureDefaultRules(r.Context(), tx, s.Now())
		return err
	}); err != nil {
		return err
	}
	http.Redirect(w, r, "/proactive", http.StatusSeeOther)
	return nil
}

// proactiveRulePage is /proactive/rules/{name}: one rule's settings and
// one text per channel and locale, each with its preview on sample data.
type proactiveRulePage struct {
	CSRF     string
	Admin    bool
	Rule     *proactive.Rule
	Kinds    []string
	Texts    []ruleText
	Saved    bool
	Problems []domain.FieldError // of the settings, not the texts
}

type ruleText struct {
	Channel, Locale string
	Subject, Body   string
	// The preview on sample data, or the template's problem.
	PreviewSubject, PreviewBody string
	SubjectError, BodyError     string
}

// ruleLocales are the locales a rule's page offers a text in: those it has, and English.
func ruleLocales(rule *proactive.Rule) []string {
	locales := []string{"en"}
	for _, t := range rule.Templates {
		if !slices.Contains(locales, t.Locale) {
			locales = append(locales, t.Locale)
		}
	}
	return locales
}

func (s *Server) proactiveRulePage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	rule, err := eventRule(r, s.db, r.PathValue("name"))
	if err != nil {
		return err
	}
	return s.drawRule(w, sess, http.StatusOK, rule, nil, r.URL.Query().Get("saved") == "1")
}

func (s *Server) drawRule(w http.ResponseWriter, sess *auth.Session, status int, rule *proactive.Rule, problems []domain.FieldError, saved bool) error {
	data := proactiveRulePage{CSRF: sess.CSRF, Admin: sess.User.Role == auth.RoleAdmin, Rule: rule, Kinds: proactive.Kinds[:len(proactive.Kinds)-1], Saved: saved}
	byField := map[string]string{}
	for _, p := range problems {
		if strings.HasPrefix(p.Field, "templates[") {
			byField[p.Field] = p.Reason
		} else {
			data.Problems = append(data.Problems, p)
		}
	}
	for _, locale := range ruleLocales(rule) {
		for _, channel := range proactive.Channels {
			t := ruleText{Channel: channel, Locale: locale}
			i := slices.IndexFunc(rule.Templates, func(x proactive.Template) bool { return x.Channel == channel && x.Locale == locale })
			if i >= 0 {
				t.Subject, t.Body = rule.Templates[i].Subject, rule.Templates[i].Body
				prefix := "templates[" + strconv.Itoa(i) + "]."
				t.SubjectError, t.BodyError = byField[prefix+"subject"], byField[prefix+"body"]
				if t.SubjectError == "" && t.BodyError == "" {
					t.PreviewSubject, t.PreviewBody, _ = proactive.Render(rule.Templates[i], proactive.SampleNoticeData())
				}
			}
			data.Texts = append(data.Texts, t)
		}
	}
	return s.render(w, status, "proactive_rule", &view{Title: "Rule " + rule.Name, Session: sess, Nav: "proactive", Data: data})
}

// proactiveSaveRule saves the edit form. A text that does not work is
// refused, its line and reason shown under it, and nothing is stored.
func (s *Server) proactiveSaveRule(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	old, err := eventRule(r, s.db, r.PathValue("name"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EInvalid, "the form could not be read: %v", err)
	}
	f := r.PostForm
	rule := &proactive.Rule{Name: old.Name, Kind: f.Get("kind"), Enabled: f.Get("enabled") == "on", DryRun: f.Get("dry_run") == "on",
		Scope: proactive.Scope{Carrier: strings.TrimSpace(f.Get("carrier")), Country: strings.ToUpper(strings.TrimSpace(f.Get("country"))), SKU: strings.TrimSpace(f.Get("sku")),
			PlacedFrom: strings.TrimSpace(f.Get("placed_from")), PlacedTo: strings.TrimSpace(f.Get("placed_to"))}}
	var problems domain.Problems
	if rule.HoldoutPct, err = strconv.Atoi(strings.TrimSpace(f.Get("holdout_pct"))); err != nil {
		problems.Add("holdout_pct", "%q is not a whole number of percent (e.g. 10)", f.Get("holdout_pct"))
	}
	for _, locale := range ruleLocales(old) {
		for _, channel := range proactive.Channels {
			key := channel + "." + locale
			body := strings.ReplaceAll(f.Get("body."+key), "\r\n", "\n")
			subject := ""
			if channel == "email" {
				subject = strings.TrimSpace(f.Get("subject." + key))
			}
			if strings.TrimSpace(body) == "" && subject == "" {
				continue // no text on this channel in this locale
			}
			rule.Templates = append(rule.Templates, proactive.Template{Channel: channel, Locale: locale, Subject: subject, Body: body})
		}
	}
	if len(problems) == 0 && !sameRule(old, rule) {
		err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
			return proactive.SaveRule(r.Context(), tx, rule, sess.User.Email, s.Now())
		})
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.EInvalid {
			problems = de.Fields
		} else if err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return s.drawRule(w, sess, http.StatusBadRequest, rule, problems, false)
	}
	http.Redirect(w, r, "/proactive/rules/"+rule.Name+"?saved=1", http.StatusSeeOther)
	return nil
}

// scopeLabel writes a scope for a table cell.
func scopeLabel(sc proactive.Scope) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"carrier", sc.Carrier}, {"country", sc.Country}, {"SKU", sc.SKU}, {"placed from", sc.PlacedFrom}, {"placed to", sc.PlacedTo}} {
		if f.v != "" {
			parts = append(parts, f.k+" "+f.v)
		}
	}
	if len(parts) == 0 {
		return "all orders"
	}
	return strings.Join(parts, ", ")
}
