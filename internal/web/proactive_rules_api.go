package web

import (
	"net/http"

	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// The proactive rules' API (docs/proactive.md#rules). Campaigns have their
// own routes: these leave them out.

func (s *Server) apiProactiveRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := eventRules(r, s.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"rules": rules})
}

func (s *Server) apiProactiveRule(w http.ResponseWriter, r *http.Request) error {
	rule, err := eventRule(r, s.db, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rule)
}

// apiPutProactiveRule creates or replaces a rule, its texts with it. A
// text that does not work is refused (400, its field, line and reason)
// and nothing is stored; the same request twice records one change.
func (s *Server) apiPutProactiveRule(w http.ResponseWriter, r *http.Request) error {
	var in proactive.Rule
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.Name = r.PathValue("name")
	if in.Kind == proactive.KindCampaign {
		return invalidField("rule cannot be saved", "kind", "campaign: campaigns are saved at /api/v1/proactive/campaigns")
	}
	if in.Templates == nil {
		in.Templates = []proactive.Template{}
	}
	status := http.StatusOK
	var out *proactive.Rule
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		if _, err := proactive.EnsureDefaultRules(r.Context(), tx, s.Now()); err != nil {
			return err
		}
		old, err := proactive.GetRule(r.Context(), tx, in.Name)
		switch {
		case err == proactive.ErrNoRule:
			status = http.StatusCreated
		case err != nil:
			return err
		case old.Kind == proactive.KindCampaign:
			return domain.Errorf(domain.EConflict, "%s is a campaign: edit it at /api/v1/proactive/campaigns", in.Name)
		case sameRule(old, &in):
			out = old
			return nil
		}
		if err := proactive.SaveRule(r.Context(), tx, &in, infoOf(r).token, s.Now()); err != nil {
			return err
		}
		out, err = proactive.GetRule(r.Context(), tx, in.Name)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, status, out)
}

// sameRule reports whether saving b over a would change nothing.
func sameRule(a, b *proactive.Rule) bool {
	if a.Kind != b.Kind || a.Enabled != b.Enabled || a.DryRun != b.DryRun || a.HoldoutPct != b.HoldoutPct || a.Scope != b.Scope || len(a.Templates) != len(b.Templates) {
		return false
	}
	have := map[proactive.Template]bool{}
	for _, t := range a.Templates {
		have[t] = true
	}
	for _, t := range b.Templates {
		if !have[t] {
			return false
		}
	}
	return true
}

// eventRules is every rule but the campaigns.
func eventRules(r *http.Request, q proactive.Querier) ([]*proactive.Rule, error) {
	all, err := proactive.ListRules(r.Context(), q)
	if err != nil {
		return nil, err
	}
	out := []*proactive.Rule{}
	for _, rule := range all {
		if rule.Kind != proactive.KindCampaign {
			out = append(out, rule)
		}
	}
	return out, nil
}

func eventRule(r *http.Request, q proactive.Querier, name string) (*proactive.Rule, error) {
	rule, err := proactive.GetRule(r.Context(), q, name)
	if err == nil && rule.Kind == proactive.KindCampaign {
		return nil, proactive.ErrNoRule
	}
	return rule, err
}
