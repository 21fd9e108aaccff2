package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/settings"
	"quietdesk/internal/store"
)

// maxFixedMonths bounds the months a monthly fixed cost is written for.
const maxFixedMonths = 60

// firstRunCosts answers POST /first-run/costs: a team's loaded hourly
// rate and/or a monthly fixed cost, written as costs records through the
// costs kind's own parser and writer (as `quietdesk import costs` and
// POST /api/v1/costs do). Sending it twice changes nothing.
func (s *Server) firstRunCosts(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	f := costForm{Team: strings.TrimSpace(r.PostFormValue("team")), Rate: strings.TrimSpace(r.PostFormValue("hourly_rate")),
		Fixed: strings.TrimSpace(r.PostFormValue("monthly_fixed")), Start: strings.TrimSpace(r.PostFormValue("start_date"))}
	rows, problems := s.costRows(r, f)
	var recs []any
	if len(problems) == 0 {
		loc, err := store.TimeZone(r.Context(), s.db)
		if err != nil {
			return err
		}
		tp := domain.TimeParser{Loc: loc}
		for _, row := range rows {
			rec, p := ingest.Costs.Parse(row, tp)
			for _, e := range p {
				problems = append(problems, fmt.Sprintf("%s %s: %s", row["kind"], formField(e.Field), e.Reason))
			}
			recs = append(recs, rec)
		}
	}
	if len(problems) > 0 {
		f.Errors = problems
		return s.renderFirstRun(w, r, sess, http.StatusBadRequest, f)
	}
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		if _, err := ingest.Costs.Write(r.Context(), tx, ingest.NewEnv(s.Now), recs); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, s.Now(), sess.User.Email, "costs.add", f.Team, fmt.Sprintf("%d cost lines from the Overview", len(recs)))
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/#step-costs", http.StatusSeeOther)
	return nil
}

// formField names a costs column as the form labels it.
func formField(column string) string {
	switch column {
	case "amount":
		return "amount"
	case "start_date":
		return "from"
	}
	return column
}

// costRows turns the form into costs rows: a team_rate line, and one
// fixed line per month from the start date's month to this month.
func (s *Server) costRows(r *http.Request, f costForm) ([]ingest.MapRow, []string) {
	var problems []string
	if f.Rate == "" && f.Fixed == "" {
		return nil, []string{"give a team's hourly rate, a monthly fixed cost, or both"}
	}
	start, ok := parseDate(f.Start)
	if !ok {
		return nil, []string{fmt.Sprintf("from: %q is not a date: write it as 2026-01-31", f.Start)}
	}
	var rows []ingest.MapRow
	if f.Rate != "" {
		rows = append(rows, ingest.MapRow{"kind": "team_rate", "amount": f.Rate, "team": f.Team, "start_date": f.Start})
	}
	if f.Fixed != "" {
		today, err := s.today(r.Context())
		if err != nil {
			return nil, []string{err.Error()}
		}
		first := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		last := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
		if first.After(last) {
			problems = append(problems, fmt.Sprintf("from: %s is after this month", f.Start))
		}
		for m, n := first, 0; !m.After(last); m, n = m.AddDate(0, 1, 0), n+1 {
			if n == maxFixedMonths {
				problems = append(problems, fmt.Sprintf("from: %s is more than %d months ago: import older fixed costs as a costs file", f.Start, maxFixedMonths))
				break
			}
			rows = append(rows, ingest.MapRow{"kind": "fixed", "amount": f.Fixed, "start_date": m.Format(dateLayout),
				"end_date": m.AddDate(0, 1, -1).Format(dateLayout), "description": "monthly fixed support cost"})
		}
	}
	return rows, problems
}

// dismissFirstRun answers POST /first-run/dismiss: the Overview shows its
// charts from now on, whatever the store holds.
func (s *Server) dismissFirstRun(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		_, err := settings.Set(r.Context(), tx, s.Now(), sess.User.Email, FirstRunSetting, "dismissed")
		return err
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// renderFirstRun draws the first-run Overview with the cost form as typed.
func (s *Server) renderFirstRun(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, f costForm) error {
	d, err := s.firstRunData(r.Context(), sess)
	if err != nil {
		return err
	}
	d.Cost = f
	return s.render(w, status, "first_run", &view{Title: "Overview", Session: sess, Nav: "overview", Data: d})
}
