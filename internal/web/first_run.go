package web

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// FirstRunSetting, set to "dismissed", shows the usual Overview even
// before the store has orders, contacts and costs (docs/first-run.md).
const FirstRunSetting = "overview.first_run"

// firstRunData is what a new store's Overview shows instead of empty
// charts: three steps, each done or not from what the store holds, and
// its first figures once orders and contacts are in.
type firstRunData struct {
	Steps    []firstRunStep
	Orders   int64
	Contacts int64
	Costs    int64
	// Figures: the latest complete week with orders, from the metrics
	// engine (the definitions every page reads).
	Figures *firstFigures
	// FiguresWhy says why there are no figures yet.
	FiguresWhy string
	Proposals  []decide.Proposal
	ProposeErr string
	CanEdit    bool
	CSRF       string
	Cost       costForm
}

type firstRunStep struct {
	N              int
	ID, Title      string
	Unlocks        string
	Done           bool
	Count          string // "1,204 orders"
	Connect, Other string // the links' text
}

type firstFigures struct {
	Week      string
	From, To  string
	CPO       string
	CPODetail string
	CPOURL    string
}

// costForm is the team rate and monthly fixed cost form, as typed in.
type costForm struct {
	Team, Rate, Fixed, Start string
	Errors                   []string
	Saved                    string
}

// storeCounts counts what the three steps are about.
func (s *Server) storeCounts(ctx context.Context) (orders, contacts, costs int64, err error) {
	for _, c := range []struct {
		n     *int64
		query string
	}{{&orders, `SELECT COUNT(*) FROM orders`}, {&contacts, `SELECT COUNT(*) FROM contacts`}, {&costs, `SELECT COUNT(*) FROM cost_entries`}} {
		if err = s.db.QueryRow(ctx, c.query).Scan(c.n); err != nil {
			return
		}
	}
	return
}

// firstRun draws the first-run Overview when the store is new: it lacks
// orders, contacts or costs, and no admin dismissed the steps. It reports
// whether it drew the page.
func (s *Server) firstRun(w http.ResponseWriter, r *http.Request, sess *auth.Session) (bool, error) {
	if v, err := s.db.Setting(r.Context(), FirstRunSetting); err != nil || v == "dismissed" {
		return false, err
	}
	d, err := s.firstRunData(r.Context(), sess)
	if err != nil {
		return false, err
	}
	if d.Orders > 0 && d.Contacts > 0 && d.Costs > 0 {
		return false, nil
	}
	return true, s.render(w, http.StatusOK, "first_run", &view{Title: "Overview", Session: sess, Nav: "overview", Data: d})
}

func (s *Server) firstRunData(ctx context.Context, sess *auth.Session) (*firstRunData, error) {
	orders, contacts, costs, err := s.storeCounts(ctx)
	if err != nil {
		return nil, err
	}
	d := &firstRunData{Orders: orders, Contacts: contacts, Costs: costs, CanEdit: sess.User.Role == auth.RoleAdmin, CSRF: sess.CSRF}
	d.Steps = []firstRunStep{
		{N: 1, ID: "orders", Title: "Connect the shop, or upload orders", Unlocks: "order counts and cohorts", Done: orders > 0,
			Count: thousands(float64(orders), 0) + " orders", Connect: "Connect Shopify", Other: "Upload an orders file"},
		{N: 2, ID: "contacts", Title: "Connect the helpdesk, or upload contacts", Unlocks: "contacts per order (CPO)", Done: contacts > 0,
			Count: thousands(float64(contacts), 0) + " contacts", Connect: "Connect Zendesk or Gorgias", Other: "Upload a contacts file"},
		{N: 3, ID: "costs", Title: "Add support costs or team rates", Unlocks: "support cost per order", Done: costs > 0,
			Count: thousands(float64(costs), 0) + " cost lines"},
	}
	start, err := s.firstDataDay(ctx)
	if err != nil {
		return nil, err
	}
	d.Cost = costForm{Team: "Support", Start: start}
	if orders == 0 || contacts == 0 {
		return d, nil
	}
	if err := s.firstFigures(ctx, d); err != nil {
		return nil, err
	}
	if d.Proposals, err = s.decider().Propose(ctx); err != nil {
		if domain.ErrorCode(err) == domain.EInternal {
			return nil, err
		}
		d.ProposeErr = err.Error()
	}
	return d, nil
}

// firstDataDay is the day the store's data begins (its first order or
// contact, in its time zone): team rates apply from then on by default.
func (s *Server) firstDataDay(ctx context.Context) (string, error) {
	var first sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT MIN(t) FROM (SELECT MIN(placed_at) AS t FROM orders UNION ALL SELECT MIN(started_at) AS t FROM contacts) firsts`).Scan(&first)
	if err != nil {
		return "", err
	}
	if !first.Valid {
		today, err := s.today(ctx)
		return today.Format(dateLayout), err
	}
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		return "", err
	}
	return time.Unix(first.Int64, 0).In(loc).Format(dateLayout), nil
}

// firstFigures reads the store's first CPO and support cost per order:
// those of the latest complete week with orders in the Overview's 26
// weeks, exactly as GET /api/v1/metrics answers them for that week.
func (s *Server) firstFigures(ctx context.Context, d *firstRunData) error {
	today, err := s.today(ctx)
	if err != nil {
		return err
	}
	periods := weeks(lastCompleteWeek(today), trendWeeks)
	from, to := periods[0].Start, lastCompleteWeek(today).AddDate(0, 0, 6).Format(dateLayout)
	res, err := s.run(ctx, metrics.Query{Metric: "cpo", From: from, To: to, Grain: "week"})
	if err != nil {
		return err
	}
	var row *metrics.Row
	for i := len(res.Rows) - 1; i >= 0; i-- {
		if res.Rows[i].Denominator > 0 {
			row = &res.Rows[i]
			break
		}
	}
	if row == nil {
		d.FiguresWhy = "No complete week of the last " + thousands(trendWeeks, 0) + " has orders yet: the first figures show once a week with orders has ended."
		return nil
	}
	weekStart, _ := parseDate(row.Start)
	weekEnd := weekStart.AddDate(0, 0, 6).Format(dateLayout)
	cpo, _ := lookupMetric("cpo")
	f := &firstFigures{Week: row.Period, From: row.Start, To: weekEnd, CPO: cpo.format(row.Value),
		CPODetail: thousands(row.Numerator, 0) + " contacts ÷ " + thousands(row.Denominator, 0) + " orders"}
	q := metrics.Query{Metric: "cpo", From: row.Start, To: weekEnd, Grain: "week"}
	f.CPOURL = apiURL(q, "")
	// Support cost per order needs step 3; once it is done the usual
	// Overview, with its support cost per order card, takes over.
	d.Figures = f
	return nil
}
