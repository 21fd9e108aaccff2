package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// decider is the decision loop over the server's store and metrics.
func (s *Server) decider() *decide.Decider {
	return &decide.Decider{DB: s.db, Metrics: s.Metrics, Now: s.Now}
}

// week reads ?week=2026-W12, the last complete week when absent.
func (s *Server) week(ctx context.Context, r *http.Request) (decide.Week, error) {
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		return decide.Week{}, err
	}
	if q := r.URL.Query().Get("week"); q != "" {
		w, err := decide.ParseWeek(q, loc)
		if err != nil {
			var p domain.Problems
			p.Add("week", "%q is not an ISO week: write it like 2026-W12", q)
			return w, &domain.Error{Code: domain.EInvalid, Message: "bad week", Fields: p}
		}
		return w, nil
	}
	return decide.LastCompleteWeek(s.Now(), loc), nil
}

// getReview answers GET /api/v1/review?week=&format=json|md|html.
func (s *Server) getReview(w http.ResponseWriter, r *http.Request) error {
	week, err := s.week(r.Context(), r)
	if err != nil {
		return err
	}
	format := orDefault(r.URL.Query().Get("format"), "json")
	var p domain.Problems
	p.OneOf("format", format, "json", "md", "html")
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "bad review query", Fields: p}
	}
	rev, err := s.decider().Review(r.Context(), week)
	if err != nil {
		return err
	}
	switch format {
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, err = io.WriteString(w, rev.Markdown())
		return err
	case "html":
		page, err := rev.HTML()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err = io.WriteString(w, page)
		return err
	}
	return writeJSON(w, http.StatusOK, rev)
}

// getAlerts answers GET /api/v1/alerts?week= as `quietdesk alerts --format json`.
func (s *Server) getAlerts(w http.ResponseWriter, r *http.Request) error {
	week, err := s.week(r.Context(), r)
	if err != nil {
		return err
	}
	res, err := s.decider().WeekAlerts(r.Context(), week)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// getGuardrails answers GET /api/v1/guardrails.
func (s *Server) getGuardrails(w http.ResponseWriter, r *http.Request) error {
	list, err := decide.Guardrails(r.Context(), s.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"guardrails": list})
}

// guardrailEdit is the body of PATCH /api/v1/guardrails/{name}: the fields
// given change, the rest stay. "threshold": null clears the threshold.
type guardrailEdit struct {
	Metric        *string          `json:"metric"`
	Trigger       *string          `json:"trigger"`
	Threshold     *json.RawMessage `json:"threshold"`
	Weeks         *int             `json:"weeks"`
	Dimension     *string          `json:"dimension"`
	MinOrders     *int             `json:"min_orders"`
	Owner         *string          `json:"owner"`
	Action        *string          `json:"action"`
	ActionType    *string          `json:"action_type"`
	ReviewWeekday *string          `json:"review_weekday"`
	Area          *string          `json:"area"`
	Enabled       *bool            `json:"enabled"`
}

func (e guardrailEdit) edit() (decide.Edit, error) {
	out := decide.Edit{Metric: e.Metric, Trigger: e.Trigger, Weeks: e.Weeks, Dimension: e.Dimension, MinOrders: e.MinOrders, Owner: e.Owner,
		Action: e.Action, ActionType: e.ActionType, ReviewWeekday: e.ReviewWeekday, Area: e.Area, Enabled: e.Enabled}
	if e.Threshold != nil {
		if string(*e.Threshold) == "null" {
			out.ClearThreshold = true
		} else {
			var v float64
			if err := json.Unmarshal(*e.Threshold, &v); err != nil {
				var p domain.Problems
				p.Add("threshold", "must be a number or null")
				return out, &domain.Error{Code: domain.EInvalid, Message: "bad guardrail", Fields: p}
			}
			out.Threshold = &v
		}
	}
	return out, nil
}

// patchGuardrail answers PATCH /api/v1/guardrails/{name}.
func (s *Server) patchGuardrail(w http.ResponseWriter, r *http.Request) error {
	var body guardrailEdit
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	e, err := body.edit()
	if err != nil {
		return err
	}
	g, err := decide.SetGuardrail(r.Context(), s.db, r.PathValue("name"), e, false, actor(r), s.Now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

// actor names who made a change: the user, or the API token.
func actor(r *http.Request) string {
	info := infoOf(r)
	switch {
	case info.user != "":
		return info.user
	case info.token != "":
		return "token " + info.token
	}
	return "api"
}

// getCorrections answers GET /api/v1/corrections, in priority order.
func (s *Server) getCorrections(w http.ResponseWriter, r *http.Request) error {
	list, err := s.decider().Corrections(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"corrections": list})
}

// correctionBody is the body of POST /api/v1/corrections.
type correctionBody struct {
	decide.Correction
	Force bool `json:"force"`
}

// postCorrection answers POST /api/v1/corrections with the new correction.
func (s *Server) postCorrection(w http.ResponseWriter, r *http.Request) error {
	var body correctionBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	c, err := s.decider().AddCorrection(r.Context(), body.Correction, decide.AddOptions{Force: body.Force, By: actor(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

// getCorrectionReview answers GET /api/v1/corrections/{id}/review: the
// correction measured as of now, as `quietdesk corrections review ID
// --format json` shows it, without recording anything.
func (s *Server) getCorrectionReview(w http.ResponseWriter, r *http.Request) error {
	return s.correctionReview(w, r, s.decider().MeasureCorrection)
}

// postCorrectionReview answers POST /api/v1/corrections/{id}/review: the
// same, with the computed verdict recorded, as the command does.
func (s *Server) postCorrectionReview(w http.ResponseWriter, r *http.Request) error {
	return s.correctionReview(w, r, s.decider().ReviewCorrection)
}

func (s *Server) correctionReview(w http.ResponseWriter, r *http.Request, review func(context.Context, int64) (decide.Review, error)) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "no correction %q", r.PathValue("id"))
	}
	rev, err := review(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rev)
}

// decodeJSON reads a request's JSON body, refusing unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return domain.Errorf(domain.EInvalid, "the body is not the JSON expected: %v", err)
	}
	return nil
}
