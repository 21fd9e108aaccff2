package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The decision pages: the weekly review, the alerts with their evidence,
// the corrections with expected against realized impact, and the decision
// table's editor. Everyone who sees the dashboards reads them; admins
// change them.

type reviewPage struct {
	Week, Prev, Next string
	Body             template.HTML
	Markdown, JSON   string // API links
}

// reviewPageHandler answers GET /review?week=.
func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	week, err := s.week(r.Context(), r)
	if err != nil {
		return err
	}
	rev, err := s.decider().Review(r.Context(), week)
	if err != nil {
		return err
	}
	names, err := s.topicNames(r.Context())
	if err != nil {
		return err
	}
	body, err := reviewForPeople(rev, names).HTMLBody()
	if err != nil {
		return err
	}
	d := reviewPage{Week: week.String(), Prev: "/review?week=" + week.Add(-1).String(), Body: body,
		Markdown: "/api/v1/review?format=md&week=" + week.String(), JSON: "/api/v1/review?week=" + week.String()}
	if loc, err := store.TimeZone(r.Context(), s.db); err == nil && week.Before(decide.LastCompleteWeek(s.Now(), loc)) {
		d.Next = "/review?week=" + week.Add(1).String()
	}
	return s.render(w, http.StatusOK, "review", &view{Title: "Weekly review " + d.Week, Session: sess, Nav: "review", Data: d})
}

// reviewForPeople is the review as the page shows it: topics by their
// names rather than their ids, metrics and dimensions by their labels. The
// API's review keeps the ids.
func reviewForPeople(rev decide.WeeklyReview, names map[string]string) decide.WeeklyReview {
	name := func(id string) string { return orDefault(names[id], id) }
	named := func(sc decide.Scope) decide.Scope {
		if isTopic(sc) {
			sc.Group = name(sc.Group)
		}
		return sc
	}
	rev.Changed.Topics = slices.Clone(rev.Changed.Topics)
	for i := range rev.Changed.Topics {
		rev.Changed.Topics[i].Topic = name(rev.Changed.Topics[i].Topic)
	}
	rev.Changed.CorrectionsStarted = slices.Clone(rev.Changed.CorrectionsStarted)
	for i := range rev.Changed.CorrectionsStarted {
		c := &rev.Changed.CorrectionsStarted[i]
		c.Scope, c.Metric = named(c.Scope), metricLabel(c.Metric)
	}
	rev.Decisions.Alerts = slices.Clone(rev.Decisions.Alerts)
	for i := range rev.Decisions.Alerts {
		a := &rev.Decisions.Alerts[i]
		a.Scope, a.Metric = named(a.Scope), metricLabel(a.Metric)
	}
	rev.Decisions.Open = slices.Clone(rev.Decisions.Open)
	for i := range rev.Decisions.Open {
		c := &rev.Decisions.Open[i]
		c.Scope, c.Metric = named(c.Scope), metricLabel(c.Metric)
	}
	rev.Moved = slices.Clone(rev.Moved)
	for i, m := range rev.Moved {
		if m.By == "topic" {
			rev.Moved[i].Drivers = slices.Clone(m.Drivers)
			for j := range m.Drivers {
				rev.Moved[i].Drivers[j].Group = name(m.Drivers[j].Group)
			}
		}
		if m.By != "" {
			rev.Moved[i].By = lowerFirst(dimensionLabel(m.By)) // "Driven by discount code"
		}
	}
	return rev
}

// words writes a stored value for people: "rolled_back" reads "rolled
// back". The value itself stays in data attributes and the API.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// lowerFirst lowers a label's first letter to run in a sentence: "Sales
// channel" reads "sales channel", "SKU" stays.
func lowerFirst(s string) string {
	if len(s) > 1 && unicode.IsLower(rune(s[1])) {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// metricLabel is a metric's label, or its name when unknown.
func metricLabel(name string) string {
	if m, ok := lookupMetric(name); ok && m.Label != "" {
		return m.Label
	}
	return words(name)
}

type alertsPage struct {
	Week, Prev string
	Alerts     []alertView
	Waiting    []string
	CanEdit    bool
	CSRF       string
}

type alertView struct {
	decide.Alert
	Figure string
	Chart  *chartData
	// For people: the state and metric in words, the scope with a topic's
	// name.
	StateText, MetricText, ScopeText string
	// Correction is the page of the correction started from it.
	Correction string
}

// alertsPage answers GET /alerts?week=: the week's alerts in priority
// order, each with its evidence chart.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	week, err := s.week(r.Context(), r)
	if err != nil {
		return err
	}
	d := s.decider()
	res, err := d.WeekAlerts(r.Context(), week)
	if err != nil {
		return err
	}
	data := alertsPage{Week: res.Week, Prev: "/alerts?week=" + week.Add(-1).String(), Waiting: res.Waiting,
		CanEdit: sess.User.Role == auth.RoleAdmin, CSRF: sess.CSRF}
	names, err := s.topicNamesIf(r.Context(), slices.ContainsFunc(res.Alerts, func(a decide.Alert) bool { return isTopic(a.Scope) }))
	if err != nil {
		return err
	}
	corrections, err := d.Corrections(r.Context())
	if err != nil {
		return err
	}
	for _, a := range res.Alerts {
		v := alertView{Alert: a, Figure: alertFigure(a), StateText: words(a.State), MetricText: metricLabel(a.Metric), ScopeText: scopeText(a.Scope, names),
			Correction: "/corrections"}
		for _, c := range corrections {
			if c.AlertID != nil && *c.AlertID == a.ID {
				v.Correction = "/corrections#correction-" + strconv.FormatInt(c.ID, 10)
			}
		}
		ev, err := d.Evidence(r.Context(), a)
		if err != nil {
			return err
		}
		v.Chart = evidenceChart(a, ev, names)
		data.Alerts = append(data.Alerts, v)
	}
	return s.render(w, http.StatusOK, "alerts", &view{Title: "Alerts " + res.Week, Session: sess, Nav: "alerts", Data: data})
}

func alertFigure(a decide.Alert) string {
	if a.Value == nil {
		return ""
	}
	f := strconv.FormatFloat(*a.Value, 'f', 3, 64)
	if a.Threshold != nil {
		f += " against " + strconv.FormatFloat(*a.Threshold, 'f', 3, 64)
	}
	return f
}

// evidenceChart draws the scope, the rest of the store and the threshold.
func evidenceChart(a decide.Alert, ev decide.Evidence, names map[string]string) *chartData {
	m, _ := lookupMetric(a.Metric)
	c := &chartData{Labels: ev.Weeks, Format: m.Format}
	name := "store"
	if isTopic(a.Scope) {
		name = orDefault(names[a.Scope.Group], a.Scope.Group)
	} else if a.Scope.Dimension != "" {
		name = a.Scope.Group
	}
	c.Series = append(c.Series, chartSeries{Label: name, Values: ev.Scope})
	if ev.Rest != nil {
		c.Series = append(c.Series, chartSeries{Label: "rest of the store", Values: ev.Rest})
	}
	if ev.Threshold != nil {
		line := make([]*float64, len(ev.Weeks))
		for i := range line {
			line[i] = ev.Threshold
		}
		c.Series = append(c.Series, chartSeries{Label: "threshold", Values: line})
	}
	return c
}

// alertState answers POST /alerts/{id}/state (acknowledge or reopen).
func (s *Server) alertState(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "no alert %q", r.PathValue("id"))
	}
	if err := s.decider().SetAlertState(r.Context(), id, r.PostFormValue("state"), r.PostFormValue("note"), sess.User.Email); err != nil {
		return err
	}
	http.Redirect(w, r, "/alerts?week="+url.QueryEscape(r.PostFormValue("week")), http.StatusSeeOther)
	return nil
}

type correctionsPage struct {
	// Alert prefills the form: a correction started from an alert.
	Alert       *decide.Alert
	AlertScope  string // the alert's scope, for people
	Scope       string
	Corrections []correctionView
	Program     *decide.Program
	Metrics     []option
	CanEdit     bool
	CSRF        string
	// Form holds the new-correction form's values: prefilled from an
	// alert, or as typed when the form comes back with Errors beside its
	// fields (by field: title, metric, scope, expected, owner, start).
	Form   map[string]string
	Errors map[string]string
}

type correctionView struct {
	decide.Correction
	// For people: the status and metric in words, the scope with a
	// topic's name.
	StatusText, MetricText, ScopeText string
	// Bar places the expected range and the realized impact on one scale,
	// in percent of its width.
	Low, Width, Base, Realized float64
	HasRealized                bool
}

// correctionsPage answers GET /corrections.
func (s *Server) correctionsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	form := map[string]string{"metric": "cpo", "effort": "medium", "impact": "medium"}
	if today, err := s.today(r.Context()); err == nil {
		form["start"] = today.Format(dateLayout)
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("alert"), 10, 64); err == nil {
		if a, err := s.decider().GetAlert(r.Context(), id); err == nil {
			form["alert"], form["metric"], form["title"], form["owner"] = strconv.FormatInt(a.ID, 10), a.Metric, a.Action, a.Owner
			if a.Scope.Dimension != "" {
				form["scope"] = a.Scope.String()
			}
		}
	}
	return s.renderCorrections(w, r, sess, http.StatusOK, form, nil)
}

// renderCorrections draws the corrections page with the form's values and
// the errors beside its fields.
func (s *Server) renderCorrections(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, form, errs map[string]string) error {
	d := s.decider()
	list, err := d.Corrections(r.Context())
	if err != nil {
		return err
	}
	data := correctionsPage{CanEdit: sess.User.Role == auth.RoleAdmin, CSRF: sess.CSRF, Form: form, Errors: errs, Scope: form["scope"]}
	if p, err := d.Program(r.Context()); err == nil {
		data.Program = &p
	}
	names, err := s.topicNamesIf(r.Context(), form["alert"] != "" || slices.ContainsFunc(list, func(c decide.Correction) bool { return isTopic(c.Scope) }))
	if err != nil {
		return err
	}
	if id, err := strconv.ParseInt(form["alert"], 10, 64); err == nil {
		if a, err := d.GetAlert(r.Context(), id); err == nil {
			data.Alert, data.AlertScope = &a, scopeText(a.Scope, names)
		}
	}
	data.Metrics = metricOptions(form["metric"])
	for _, c := range list {
		v := correctionBar(c)
		v.StatusText, v.MetricText, v.ScopeText = words(c.Status), metricLabel(c.Metric), scopeText(c.Scope, names)
		data.Corrections = append(data.Corrections, v)
	}
	return s.render(w, status, "corrections", &view{Title: "Corrections", Session: sess, Nav: "corrections", Data: data})
}

// correctionBar lays a correction's expected range and realized impact on
// a scale from min(0, low, realized) to max(high, realized).
func correctionBar(c decide.Correction) correctionView {
	v := correctionView{Correction: c}
	lo, hi := min(0, c.Expected.Low), c.Expected.High
	if c.Realized != nil {
		lo, hi = min(lo, *c.Realized), max(hi, *c.Realized)
		v.HasRealized = true
	}
	if hi <= lo {
		hi = lo + 1
	}
	at := func(x float64) float64 { return (x - lo) / (hi - lo) * 100 }
	v.Low, v.Width, v.Base = at(c.Expected.Low), at(c.Expected.High)-at(c.Expected.Low), at(c.Expected.Base)
	if c.Realized != nil {
		v.Realized = at(*c.Realized)
	}
	return v
}

// correctionFields are the new-correction form's fields, kept as typed
// when the form comes back with errors.
var correctionFields = []string{"alert", "title", "metric", "scope", "low", "base", "high", "owner", "start", "lever", "effort", "impact", "force"}

// addCorrection answers POST /corrections. A correction the decision loop
// refuses brings the form back, as typed, with each error beside its field.
func (s *Server) addCorrection(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	f := r.PostFormValue
	form := map[string]string{}
	for _, k := range correctionFields {
		form[k] = f(k)
	}
	var p domain.Problems
	num := func(name string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSpace(f(name)), 64)
		if err != nil {
			p.Add("expected", "%s %q is not a number", name, f(name))
		}
		return v
	}
	c := decide.Correction{Title: f("title"), Metric: f("metric"), Owner: f("owner"), Start: f("start"), Lever: f("lever"),
		Effort: f("effort"), Impact: f("impact"), Expected: decide.Expected{Low: num("low"), Base: num("base"), High: num("high")}}
	if dim, group, ok := strings.Cut(f("scope"), "="); ok {
		c.Scope = decide.Scope{Dimension: strings.TrimSpace(dim), Group: strings.TrimSpace(group)}
	} else if strings.TrimSpace(f("scope")) != "" {
		p.Add("scope", "write the cohort as DIMENSION=GROUP, like carrier=ParcelNow, or leave it empty for the store")
	}
	if id, err := strconv.ParseInt(f("alert"), 10, 64); err == nil {
		c.AlertID = &id
	}
	err := error(nil)
	if len(p) > 0 {
		err = &domain.Error{Code: domain.EInvalid, Message: "bad correction", Fields: p}
	} else {
		_, err = s.decider().AddCorrection(r.Context(), c, decide.AddOptions{Force: f("force") != "", By: sess.User.Email})
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		errs := map[string]string{}
		for _, fe := range de.Fields {
			errs[fe.Field] = strings.TrimSpace(errs[fe.Field] + " " + fe.Reason)
		}
		if len(de.Fields) == 0 {
			errs["form"] = de.Message
		}
		return s.renderCorrections(w, r, sess, http.StatusBadRequest, form, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/corrections", http.StatusSeeOther)
	return nil
}

// decideCorrection answers POST /corrections/{id}/decide: review it, or
// record a person's verdict.
func (s *Server) decideCorrection(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "no correction %q", r.PathValue("id"))
	}
	d := s.decider()
	if v := r.PostFormValue("verdict"); v != "" {
		_, err = d.Decide(r.Context(), id, v, r.PostFormValue("reason"), sess.User.Email)
	} else {
		_, err = d.ReviewCorrection(r.Context(), id)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/corrections", http.StatusSeeOther)
	return nil
}

type guardrailsPage struct {
	Guardrails []guardrailView
	Proposals  []decide.Proposal
	ProposeErr string
	Dimensions []optionGroup
	CanEdit    bool
	CSRF       string
}

type guardrailView struct {
	decide.Guardrail
	Threshold string
	// For people: the metric's label, the area in words, the scope.
	MetricText, AreaText, ScopeText string
}

// guardrailsPage answers GET /guardrails: the decision table, editable,
// and the thresholds proposed from the baseline.
func (s *Server) guardrailsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	list, err := decide.Guardrails(r.Context(), s.db)
	if err != nil {
		return err
	}
	data := guardrailsPage{CanEdit: sess.User.Role == auth.RoleAdmin, CSRF: sess.CSRF, Dimensions: dimensionOptions("")}
	for _, g := range list {
		v := guardrailView{Guardrail: g, MetricText: metricLabel(g.Metric), AreaText: words(g.Area), ScopeText: "the whole store"}
		if g.Dimension != "" {
			v.ScopeText = "by " + lowerFirst(dimensionLabel(g.Dimension))
		}
		if g.Threshold != nil {
			v.Threshold = strconv.FormatFloat(*g.Threshold, 'f', -1, 64)
		}
		data.Guardrails = append(data.Guardrails, v)
	}
	if data.Proposals, err = s.decider().Propose(r.Context()); err != nil {
		data.ProposeErr = err.Error()
	}
	return s.render(w, http.StatusOK, "guardrails", &view{Title: "Guardrails", Session: sess, Nav: "guardrails", Data: data})
}

// saveGuardrail answers POST /guardrails/{name}.
func (s *Server) saveGuardrail(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	f := r.PostFormValue
	var e decide.Edit
	owner, action, dim := f("owner"), f("action"), f("by")
	e.Owner, e.Action, e.Dimension = &owner, &action, &dim
	if t := strings.TrimSpace(f("threshold")); t == "" {
		e.ClearThreshold = true
	} else {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			var p domain.Problems
			p.Add("threshold", "%q is not a number", t)
			return &domain.Error{Code: domain.EInvalid, Message: "bad guardrail", Fields: p}
		}
		e.Threshold = &v
	}
	if w := strings.TrimSpace(f("weeks")); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil {
			var p domain.Problems
			p.Add("weeks", "%q is not a whole number of weeks", w)
			return &domain.Error{Code: domain.EInvalid, Message: "bad guardrail", Fields: p}
		}
		e.Weeks = &n
	}
	on := f("enabled") != ""
	e.Enabled = &on
	g, err := decide.GetGuardrail(r.Context(), s.db, r.PathValue("name"))
	if err != nil {
		return err
	}
	if !g.NeedsThreshold() {
		e.ClearThreshold, e.Threshold = false, nil
	}
	if _, err := decide.SetGuardrail(r.Context(), s.db, g.Name, e, false, sess.User.Email, s.Now()); err != nil {
		return err
	}
	http.Redirect(w, r, "/guardrails", http.StatusSeeOther)
	return nil
}

// acceptProposals answers POST /guardrails/accept.
func (s *Server) acceptProposals(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	var names []string
	if n := r.PostFormValue("name"); n != "" {
		names = []string{n}
	}
	if _, err := s.decider().Accept(r.Context(), names, sess.User.Email); err != nil {
		return err
	}
	http.Redirect(w, r, "/guardrails", http.StatusSeeOther)
	return nil
}
