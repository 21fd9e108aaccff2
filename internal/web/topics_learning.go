package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/topics"
)

// The Topics learning page: how the model's figures moved after each
// retraining, and, for the people who read customers' messages, the
// contacts the model is least sure about, each labelled in one click
// through the conversation page's topic action.

const (
	// learningDays is how far back the uncertain contacts are looked for:
	// labels on what customers write now teach the model most.
	learningDays = 30
	// learningRows bounds the list: an agent labels a screenful, the page
	// reloads with the next least-sure ones.
	learningRows = 20
	// learningTrainings bounds the history shown.
	learningTrainings = 26
)

type learningPage struct {
	Trainings []trainingRow // newest first
	Chart     *chartData
	ReadsText bool // agents and admins: the uncertain contacts with their text
	Uncertain []uncertainRow
	Topics    []topics.StoreTopic // the picker: active topics
	Days      int
	CSRF      string
}

type trainingRow struct {
	topics.Training
	When string
	Sets []setRow
}

// setRow is one held-out set of a retraining: both models' figures, or,
// when it was not judged on, why.
type setRow struct {
	Name, Size, Old, New string
	Worse                bool
	Skipped              string
}

type uncertainRow struct {
	topics.Uncertain
	When, Confidence, TopicName string
	Guesses                     []guessRow
}

type guessRow struct {
	Topic, Name, Probability string
}

// topicsLearningPage answers GET /topics/learning.
func (s *Server) topicsLearningPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawLearning(w, r, sess, http.StatusOK, "")
}

func (s *Server) drawLearning(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, notice string) error {
	ctx := r.Context()
	data := learningPage{ReadsText: sess.User.ReadsMessages(), Days: learningDays, CSRF: sess.CSRF}
	list, err := topics.Trainings(ctx, s.db, learningTrainings)
	if err != nil {
		return err
	}
	data.Chart = learningChart(list)
	for i := len(list) - 1; i >= 0; i-- {
		t := list[i]
		row := trainingRow{Training: t, When: t.At.Format("2006-01-02 15:04")}
		for _, sc := range t.Sets {
			row.Sets = append(row.Sets, setRow{Name: sc.Name, Size: sc.Size(), Old: fixed(sc.OldF1, 3), New: fixed(sc.NewF1, 3), Worse: sc.NewF1 < sc.OldF1})
		}
		for _, sk := range t.Skipped {
			row.Sets = append(row.Sets, setRow{Name: sk.Name, Size: strconv.Itoa(sk.N), Skipped: sk.Why})
		}
		data.Trainings = append(data.Trainings, row)
	}
	// Analysts see figures only, never what customers wrote: the contacts
	// are not even read for them.
	if data.ReadsText {
		if err := s.fillUncertain(ctx, &data); err != nil {
			return err
		}
	}
	return s.render(w, status, "topics_learning", &view{Title: "Topics: learning", Session: sess, Nav: "topics", Notice: notice, Data: data})
}

func (s *Server) fillUncertain(ctx context.Context, data *learningPage) error {
	all, err := topics.Taxonomy(ctx, s.db)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range all {
		names[t.ID] = t.Name
		if t.Status == "active" {
			data.Topics = append(data.Topics, t)
		}
	}
	list, err := topics.UncertainContacts(ctx, s.db, topics.UncertainOptions{Since: s.Now().Add(-learningDays * 24 * time.Hour), Limit: learningRows})
	if err != nil {
		return err
	}
	for _, u := range list {
		row := uncertainRow{Uncertain: u, When: u.StartedAt.Format("2006-01-02 15:04"), Confidence: fixed(u.Confidence, 2), TopicName: orDefault(names[u.Topic], u.Topic)}
		for _, g := range u.Guesses {
			row.Guesses = append(row.Guesses, guessRow{Topic: g.Topic, Name: orDefault(names[g.Topic], g.Topic), Probability: strconv.Itoa(int(100*g.Probability+0.5)) + "%"})
		}
		data.Uncertain = append(data.Uncertain, row)
	}
	return nil
}

// learningChart draws the macro-F1 of the model in use after each
// retraining on each held-out set: the new model's when it shipped, the
// old one's when it did not.
func learningChart(list []topics.Training) *chartData {
	if len(list) == 0 {
		return nil
	}
	c := &chartData{Format: "ratio"}
	index := map[string]int{}
	for i, t := range list {
		c.Labels = append(c.Labels, t.At.Format("2006-01-02"))
		for _, sc := range t.Sets {
			k, ok := index[sc.Name]
			if !ok {
				k = len(c.Series)
				index[sc.Name] = k
				c.Series = append(c.Series, chartSeries{Label: sc.Name, Values: make([]*float64, len(list))})
			}
			v := sc.OldF1
			if t.Shipped {
				v = sc.NewF1
			}
			c.Series[k].Values[i] = &v
		}
	}
	return c
}

// topicsLearningLabel answers POST /topics/learning/label (conversation,
// contact, topic): the agent's label goes through the conversation page's
// topic action (desk.CorrectTopic: source agent, recorded on the
// conversation), so the contact leaves the list.
func (s *Server) topicsLearningLabel(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	conv, err1 := strconv.ParseInt(r.PostFormValue("conversation"), 10, 64)
	contact, err2 := strconv.ParseInt(r.PostFormValue("contact"), 10, 64)
	if err1 != nil || err2 != nil || conv <= 0 || contact <= 0 {
		return deskFieldError("the topic was not set", "contact", "the form names no contact: reload the page")
	}
	// The conversation page labels a conversation's latest contact; the
	// list shows only latest contacts, but a customer may have written
	// again since the page was drawn.
	var latest int64
	err := s.db.QueryRow(ctx, `SELECT id FROM contacts WHERE conversation_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, conv).Scan(&latest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if latest != contact {
		return s.drawLearning(w, r, sess, http.StatusConflict, fmt.Sprintf("conversation %d has a newer contact than the one shown: open it to set the topic", conv))
	}
	if _, err := s.correctTopic(ctx, s.pageActor(sess), conv, strings.TrimSpace(r.PostFormValue("topic"))); err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.EInvalid {
			return s.drawLearning(w, r, sess, http.StatusBadRequest, "the topic was not set: "+fieldReason(err))
		}
		return err
	}
	http.Redirect(w, r, "/topics/learning#uncertain", http.StatusSeeOther)
	return nil
}
