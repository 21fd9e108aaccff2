package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// campaignsPage is what /proactive/campaigns and a campaign's preview draw.
type campaignsPage struct {
	CSRF      string
	Admin     bool
	Campaigns []campaignRow
	Form      campaignForm
	// Preview is the one campaign shown, with who it would reach.
	Preview  *proactive.Preview
	Campaign *campaignRow
	Channels []string
}

type campaignRow struct {
	proactive.CampaignSummary
	Cohort string
	Sent   string
}

// campaignForm is the create form as typed.
type campaignForm struct {
	Name, Carrier, SKU, Country, PlacedFrom, PlacedTo, Holdout, Channel, Locale, Subject, Body string
}

func (s *Server) campaignsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawCampaigns(w, r, sess, http.StatusOK, campaignsPage{Form: campaignForm{Holdout: strconv.Itoa(proactive.DefaultHoldoutPct), Channel: "email", Locale: "en"}}, "")
}

func (s *Server) drawCampaigns(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, data campaignsPage, notice string) error {
	list, err := proactive.ListCampaigns(r.Context(), s.db)
	if err != nil {
		return err
	}
	data.CSRF, data.Admin, data.Channels = sess.CSRF, sess.User.Role == auth.RoleAdmin, proactive.Channels
	for _, c := range list {
		data.Campaigns = append(data.Campaigns, campaignRowOf(c))
	}
	return s.render(w, status, "proactive_campaigns", &view{Title: "Campaigns", Session: sess, Nav: "proactive", Notice: notice, Data: data})
}

func campaignRowOf(c proactive.CampaignSummary) campaignRow {
	row := campaignRow{CampaignSummary: c, Cohort: proactive.CohortText(c.Scope), Sent: "not sent"}
	if c.SentAt != nil {
		row.Sent = pageTime(*c.SentAt) + " by " + c.SentBy
	}
	return row
}

// createCampaign saves the form's campaign and shows its preview; a
// mistake draws the form again as typed, with what is wrong.
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EInvalid, "the form could not be read: %v", err)
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	form := campaignForm{Name: f("name"), Carrier: f("carrier"), SKU: f("sku"), Country: f("country"), PlacedFrom: f("placed_from"), PlacedTo: f("placed_to"),
		Holdout: f("holdout"), Channel: f("channel"), Locale: f("locale"), Subject: f("subject"), Body: r.PostFormValue("body")}
	holdout, err := strconv.Atoi(form.Holdout)
	if err != nil {
		return s.drawCampaigns(w, r, sess, http.StatusBadRequest, campaignsPage{Form: form}, "holdout: "+strconv.Quote(form.Holdout)+" is not a whole percent (0 to 50)")
	}
	c := &proactive.Rule{Name: form.Name, Kind: proactive.KindCampaign, HoldoutPct: holdout,
		Scope:     proactive.Scope{Carrier: form.Carrier, SKU: form.SKU, Country: form.Country, PlacedFrom: form.PlacedFrom, PlacedTo: form.PlacedTo},
		Templates: []proactive.Template{{Channel: form.Channel, Locale: form.Locale, Subject: form.Subject, Body: form.Body}}}
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error { return proactive.SaveCampaign(r.Context(), tx, c, sess.User.Email, s.Now()) })
	if code := domain.ErrorCode(err); code == domain.EInvalid || code == domain.EConflict {
		return s.drawCampaigns(w, r, sess, http.StatusBadRequest, campaignsPage{Form: form}, err.Error())
	}
	if err != nil {
		return err
	}
	s.log.Info("campaign saved", "campaign", c.Name, "by", sess.User.Email)
	http.Redirect(w, r, "/proactive/campaigns/"+url.PathEscape(c.Name), http.StatusSeeOther)
	return nil
}

// campaignPreviewPage shows who the campaign would reach, and to admins
// the button that sends it.
func (s *Server) campaignPreviewPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	c, err := s.campaign(r)
	if err != nil {
		return err
	}
	p, err := proactive.PreviewCampaign(r.Context(), s.db, c, s.Now())
	if err != nil {
		return err
	}
	var row *campaignRow
	list, err := proactive.ListCampaigns(r.Context(), s.db)
	if err != nil {
		return err
	}
	for _, l := range list {
		if l.Name == c.Name {
			v := campaignRowOf(l)
			row = &v
		}
	}
	data := campaignsPage{CSRF: sess.CSRF, Admin: sess.User.Role == auth.RoleAdmin, Preview: &p, Campaign: row}
	return s.render(w, http.StatusOK, "proactive_campaigns", &view{Title: "Campaign " + c.Name, Session: sess, Nav: "proactive", Data: data})
}

// sendCampaign decides the campaign and goes back to its preview, which
// then counts its orders as decided.
func (s *Server) sendCampaign(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	name := r.PathValue("name")
	sent, err := proactive.SendCampaign(r.Context(), s.db, name, sess.User.Email, s.Now())
	if err != nil {
		return err
	}
	s.log.Info("campaign sent", "campaign", name, "scheduled", sent.Scheduled, "held_out", sent.HeldOut, "by", sess.User.Email)
	http.Redirect(w, r, "/proactive/campaigns/"+url.PathEscape(name), http.StatusSeeOther)
	return nil
}
