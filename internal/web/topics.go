package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// The Topics page (docs/topics.md): why customers write, what each
// reason costs in contacts per order and support cost per order, which
// reasons are rising, what discovery found, and which frequent topics have
// no help-centre answer yet.

// topicWeeks is how many weeks the page's trend covers; gapWeeks how far
// back an FAQ gap's contacts are counted.
const (
	topicWeeks  = 8
	gapWeeks    = 4
	gapContacts = 20
	chartTopics = 6
)

type topicsPage struct {
	Week, Prev string
	Rows       []topicRow
	Rising     []topicRise
	Gaps       []topicRow
	Candidates []topics.Candidate
	Chart      *chartData
	CanEdit    bool
	CSRF       string
	From, To   string // discovery's default range
}

type topicRow struct {
	Topic, Name       string
	Contacts, Recent  float64 // this week; the last gapWeeks weeks
	CPO, CostPerOrder string  // the topic's part of the store's
	Share             string
	Change            string
	HasArticle        bool
	sortKey           float64
}

// topicsPage answers GET /topics?week=.
func (s *Server) topicsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	week, err := s.week(ctx, r)
	if err != nil {
		return err
	}
	first := week.Add(-(topicWeeks - 1))
	data := topicsPage{Week: week.String(), Prev: "/topics?week=" + week.Add(-1).String(), CanEdit: sess.User.Role == auth.RoleAdmin, CSRF: sess.CSRF,
		From: week.Add(-(gapWeeks - 1)).Start.Format(dateLayout), To: week.Sunday().Format(dateLayout)}
	series := func(metric string) (map[string][]*float64, []string, error) {
		res, err := s.run(ctx, metrics.Query{Metric: metric, Grain: "week", By: "topic", From: first.Start.Format(dateLayout), To: week.Sunday().Format(dateLayout)})
		if err != nil {
			return nil, nil, err
		}
		index := map[string]int{}
		var labels []string
		for i := range topicWeeks {
			index[first.Add(i).String()] = i
			labels = append(labels, first.Add(i).String())
		}
		out := map[string][]*float64{}
		for _, row := range res.Rows {
			if row.Group == nil {
				continue
			}
			if out[*row.Group] == nil {
				out[*row.Group] = make([]*float64, topicWeeks)
			}
			if i, ok := index[row.Period]; ok {
				out[*row.Group][i] = row.Value
			}
		}
		return out, labels, nil
	}
	contacts, labels, err := series("contacts")
	if err != nil {
		return err
	}
	cpo, _, err := series("cpo")
	if err != nil {
		return err
	}
	cost, _, err := series("support_cost_per_order")
	if err != nil {
		return err
	}
	names, articles, err := s.topicFacts(ctx, week)
	if err != nil {
		return err
	}
	last := topicWeeks - 1
	var total float64
	for _, v := range contacts {
		total += at(v, last)
	}
	for t, v := range contacts {
		row := topicRow{Topic: t, Name: orDefault(names[t], t), Contacts: at(v, last), HasArticle: articles[t],
			CPO: fixed(at(cpo[t], last), 3), CostPerOrder: fixed(at(cost[t], last), 2), sortKey: at(cpo[t], last)}
		for i := last - gapWeeks + 1; i <= last; i++ {
			row.Recent += at(v, i)
		}
		if total > 0 {
			row.Share = strconv.FormatFloat(100*row.Contacts/total, 'f', 1, 64) + "%"
		}
		if prev := at(v, last-1); prev > 0 {
			row.Change = strconv.FormatFloat(100*(row.Contacts-prev)/prev, 'f', 0, 64) + "%"
		}
		data.Rows = append(data.Rows, row)
		if !row.HasArticle && row.Recent >= gapContacts && t != "other" && t != "(none)" {
			data.Gaps = append(data.Gaps, row)
		}
	}
	sort.Slice(data.Rows, func(i, j int) bool { return data.Rows[i].sortKey > data.Rows[j].sortKey })
	sort.Slice(data.Gaps, func(i, j int) bool { return data.Gaps[i].Recent > data.Gaps[j].Recent })
	data.Chart = &chartData{Labels: labels, Format: "count"}
	for _, row := range data.Rows[:min(chartTopics, len(data.Rows))] {
		data.Chart.Series = append(data.Chart.Series, chartSeries{Label: row.Name, ID: row.Topic, Values: contacts[row.Topic]})
	}
	// Rising is judged per order, as the review judges it (decide).
	rising, err := s.decider().RisingTopics(ctx, week)
	if err != nil {
		return err
	}
	for _, m := range rising {
		data.Rising = append(data.Rising, topicRise{Topic: m.Topic, Name: orDefault(names[m.Topic], m.Topic), Contacts: m.Contacts,
			Rate: fixed(m.PerOrder, 3), Median: fixed(m.MedianPerOrder, 3), New: m.New})
	}
	if data.Candidates, err = topics.Candidates(ctx, s.db); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "topics", &view{Title: "Topics", Session: sess, Nav: "topics", Data: data})
}

// topicRise is a topic whose contacts per order this week are beyond its
// usual range.
type topicRise struct {
	Topic, Name  string
	Contacts     float64 // this week
	Rate, Median string  // contacts per order: this week, and the median of the weeks before
	New          bool    // no contact in the weeks before
}

// topicNames maps each topic's id to its name. The pages show the name;
// the id stays where it identifies the topic (element ids, data attributes,
// links, downloads).
func (s *Server) topicNames(ctx context.Context) (map[string]string, error) {
	list, err := topics.Taxonomy(ctx, s.db)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range list {
		names[t.ID] = t.Name
	}
	return names, nil
}

// topicNamesIf is topicNames when the page has a topic to name, and none
// otherwise: reading the taxonomy counts its contacts.
func (s *Server) topicNamesIf(ctx context.Context, needed bool) (map[string]string, error) {
	if !needed {
		return nil, nil
	}
	return s.topicNames(ctx)
}

func isTopic(sc decide.Scope) bool { return sc.Dimension == "topic" }

// scopeText writes a scope as the pages show it, "carrier=ParcelNow",
// with a topic's name for its id: "topic=Where is my order".
func scopeText(sc decide.Scope, names map[string]string) string {
	if isTopic(sc) && names[sc.Group] != "" {
		return sc.Dimension + "=" + names[sc.Group]
	}
	return sc.String()
}

func at(v []*float64, i int) float64 {
	if i < 0 || i >= len(v) || v[i] == nil {
		return 0
	}
	return *v[i]
}

func fixed(v float64, digits int) string { return strconv.FormatFloat(v, 'f', digits, 64) }

// topicFacts reads the topics' names and which topics the help centre
// answered in the last 90 days (kb.AnsweredTopics: a published article on
// the topic that measurably deflects): with none, every frequent topic is a
// gap.
func (s *Server) topicFacts(ctx context.Context, week decide.Week) (names map[string]string, articles map[string]bool, err error) {
	if names, err = s.topicNames(ctx); err != nil {
		return nil, nil, err
	}
	articles, err = kb.AnsweredTopics(ctx, s.db, week.End().Add(-90*24*time.Hour), week.End(), s.Now())
	return names, articles, err
}

// discoverTopics answers POST /topics/discover: cluster the contacts the
// model could not place over a range into candidates.
func (s *Server) discoverTopics(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	loc, err := store.TimeZone(r.Context(), s.db)
	if err != nil {
		return err
	}
	var p domain.Problems
	from, err1 := time.ParseInLocation(dateLayout, r.PostFormValue("from"), loc)
	to, err2 := time.ParseInLocation(dateLayout, r.PostFormValue("to"), loc)
	if err1 != nil {
		p.Add("from", "%q is not a date", r.PostFormValue("from"))
	}
	if err2 != nil {
		p.Add("to", "%q is not a date", r.PostFormValue("to"))
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "bad range", Fields: p}
	}
	if _, err := topics.Discover(r.Context(), s.db, topics.DiscoverOptions{From: from, To: to.AddDate(0, 0, 1), Now: s.Now(), Location: loc}); err != nil {
		return err
	}
	http.Redirect(w, r, "/topics#candidates", http.StatusSeeOther)
	return nil
}

// promoteCandidate answers POST /topics/candidates/{id}/promote: the
// candidate becomes a topic and its contacts are labelled with it.
func (s *Server) promoteCandidate(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "no candidate %q", r.PathValue("id"))
	}
	topicID := strings.TrimSpace(r.PostFormValue("topic"))
	name := strings.TrimSpace(r.PostFormValue("name"))
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		_, err := topics.Promote(r.Context(), tx, id, topicID, name, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/topics", http.StatusSeeOther)
	return nil
}
