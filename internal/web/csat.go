package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// csatScore is one of the survey's five buttons.
type csatScore struct {
	Value    int
	Label    string
	Selected bool
}

// csatLabels say what each score means to the customer.
var csatLabels = []string{"Very poor", "Poor", "Okay", "Good", "Great"}

// csatData fills the survey page.
type csatData struct {
	Action  string // the form's address: this page's
	Subject string // what the conversation was about, the customer's own words
	Scores  []csatScore
	Comment string
	// Answered is the score given, 0 before; Open says whether an answer
	// is taken now, and Until until when a given one can be changed.
	Answered int
	Open     bool
	Until    string
	// Error is what was wrong with the answer sent, or why the link does
	// not work.
	Error   string
	Unknown bool // the link names no survey
}

// csatHeaders are the headers of every answer to a survey link: the link
// is the key, so it is not passed on as a referrer, cached or indexed.
func csatHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Cache-Control", "no-store")
}

// csatLimited answers 429 when the address has looked up too many unknown
// survey links lately; true when it did.
func (s *Server) csatLimited(w http.ResponseWriter, r *http.Request) (bool, error) {
	wait := s.loginAddrs.wait(s.Now(), csatKey(s.clientIP(r)))
	if wait <= 0 {
		return false, nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
	return true, s.renderSurvey(w, statusOf(eRateLimited), csatData{Unknown: true,
		Error: fmt.Sprintf("Too many survey links that do not exist were opened from your address. Try again in %s.", minutes(wait))})
}

// csatKey is the limiter's key of unknown survey links from an address,
// apart from its failed logins.
func csatKey(addr string) string { return "csat ip " + addr }

// csatPage answers GET /csat/{token}: the question, or the answer given.
// It only reads.
func (s *Server) csatPage(w http.ResponseWriter, r *http.Request) error {
	infoOf(r).page = true
	csatHeaders(w)
	if limited, err := s.csatLimited(w, r); limited {
		return err
	}
	survey, err := desk.LookupSatisfaction(r.Context(), s.db, r.PathValue("token"))
	if domain.ErrorCode(err) == domain.ENotFound {
		return s.csatUnknown(w, r, err)
	}
	if err != nil {
		return err
	}
	return s.renderSurvey(w, http.StatusOK, s.surveyData(r, survey))
}

// csatAnswer answers POST /csat/{token}: it records the score and comment
// and shows the survey again; a second answer changes the first for 7
// days, then is refused.
func (s *Server) csatAnswer(w http.ResponseWriter, r *http.Request) error {
	infoOf(r).page = true
	csatHeaders(w)
	if err := s.crossOrigin.Check(r); err != nil {
		return domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused")
	}
	if limited, err := s.csatLimited(w, r); limited {
		return err
	}
	token := r.PathValue("token")
	score, convErr := strconv.Atoi(r.PostFormValue("score"))
	if convErr != nil {
		score = 0 // refused below, naming the field
	}
	comment := r.PostFormValue("comment")
	var survey desk.Survey
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		survey, err = desk.AnswerSatisfaction(r.Context(), tx, token, score, comment, s.Now())
		return err
	})
	if err == nil {
		http.Redirect(w, r, "/csat/"+token, http.StatusSeeOther)
		return nil
	}
	switch domain.ErrorCode(err) {
	case domain.ENotFound:
		return s.csatUnknown(w, r, err)
	case domain.EInvalid, domain.EConflict:
		// The form comes back as sent, with what was wrong.
		if survey.ID == 0 {
			found, lerr := desk.LookupSatisfaction(r.Context(), s.db, token)
			if domain.ErrorCode(lerr) == domain.ENotFound {
				return s.csatUnknown(w, r, lerr)
			}
			if lerr != nil {
				return lerr
			}
			survey = found
		}
		d := s.surveyData(r, survey)
		d.Comment, d.Error = comment, err.Error()
		if e, ok := err.(*domain.Error); ok && len(e.Fields) > 0 {
			d.Error = e.Fields[0].Field + ": " + e.Fields[0].Reason
		}
		return s.renderSurvey(w, statusOf(domain.ErrorCode(err)), d)
	}
	return err
}

// csatUnknown answers a link that names no survey, and counts it against
// the address.
func (s *Server) csatUnknown(w http.ResponseWriter, r *http.Request, err error) error {
	s.loginAddrs.fail(s.Now(), csatKey(s.clientIP(r)))
	return s.renderSurvey(w, http.StatusNotFound, csatData{Unknown: true, Error: "This survey link is not known. Please open the link as it came in our message."})
}

// surveyData is the page of a survey as it stands.
func (s *Server) surveyData(r *http.Request, survey desk.Survey) csatData {
	now := s.Now()
	d := csatData{Action: "/csat/" + r.PathValue("token"), Subject: survey.Subject, Comment: survey.Comment, Answered: survey.Score, Open: survey.Changeable(now)}
	if survey.Answered() {
		d.Until = survey.AnsweredAt.Add(desk.AnswerChangeFor).In(s.zone(r)).Format("2 January 2006")
	}
	for i, label := range csatLabels {
		d.Scores = append(d.Scores, csatScore{Value: i + 1, Label: label, Selected: survey.Score == i+1})
	}
	return d
}

// zone is the store's time zone, UTC when it cannot be read.
func (s *Server) zone(r *http.Request) *time.Location {
	if loc, err := store.TimeZone(r.Context(), s.db); err == nil {
		return loc
	}
	return time.UTC
}

func (s *Server) renderSurvey(w http.ResponseWriter, status int, d csatData) error {
	return s.render(w, status, "csat", &view{Title: "How did we do?", Data: d})
}
