package web

import (
	"net/http"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// proactiveCampaignRoutes lists the campaigns' pages and API: a cohort, its preview, the send.
func (s *Server) proactiveCampaignRoutes() []route {
	admins := []string{auth.RoleAdmin}
	dashboards := []string{auth.RoleAdmin, auth.RoleAnalyst}
	return []route{
		{"GET /api/v1/proactive/campaigns", s.readAccess(s.handle(s.apiCampaigns)), false},
		{"POST /api/v1/proactive/campaigns", s.need(auth.ScopeAdmin, s.handle(s.apiSaveCampaign)), false},
		{"GET /api/v1/proactive/campaigns/{name}/preview", s.readAccess(s.handle(s.apiPreviewCampaign)), false},
		{"POST /api/v1/proactive/campaigns/{name}/send", s.need(auth.ScopeAdmin, s.handle(s.apiSendCampaign)), false},

		{"GET /proactive/campaigns", s.page(dashboards, s.campaignsPage), true},
		{"POST /proactive/campaigns", s.page(admins, s.createCampaign), true},
		{"GET /proactive/campaigns/{name}", s.page(dashboards, s.campaignPreviewPage), true},
		{"POST /proactive/campaigns/{name}/send", s.page(admins, s.sendCampaign), true},
	}
}

func (s *Server) apiCampaigns(w http.ResponseWriter, r *http.Request) error {
	list, err := proactive.ListCampaigns(r.Context(), s.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"campaigns": list})
}

// apiSaveCampaign creates a campaign, or edits one not yet sent: the body
// is a rule's JSON (name, holdout_pct, scope, templates); its kind is
// campaign whatever it says.
func (s *Server) apiSaveCampaign(w http.ResponseWriter, r *http.Request) error {
	var c proactive.Rule
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	c.Enabled, c.DryRun = false, false
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		return proactive.SaveCampaign(r.Context(), tx, &c, infoOf(r).token, s.Now())
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, &c)
}

func (s *Server) apiPreviewCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaign(r)
	if err != nil {
		return err
	}
	p, err := proactive.PreviewCampaign(r.Context(), s.db, c, s.Now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// apiSendCampaign decides the campaign for its cohort; sending again
// answers the same counts with nothing new scheduled.
func (s *Server) apiSendCampaign(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	sent, err := proactive.SendCampaign(r.Context(), s.db, name, infoOf(r).token, s.Now())
	if err != nil {
		return err
	}
	s.log.Info("campaign sent", "campaign", name, "scheduled", sent.Scheduled, "held_out", sent.HeldOut, "by", infoOf(r).token)
	return writeJSON(w, http.StatusOK, map[string]any{"campaign": name, "sent": sent})
}

// campaign reads the campaign the path names.
func (s *Server) campaign(r *http.Request) (*proactive.Rule, error) {
	c, err := proactive.GetRule(r.Context(), s.db, r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	if c.Kind != proactive.KindCampaign {
		return nil, domain.Errorf(domain.ENotFound, "%s is a %s rule, not a campaign: /proactive/campaigns lists the campaigns", c.Name, c.Kind)
	}
	return c, nil
}
