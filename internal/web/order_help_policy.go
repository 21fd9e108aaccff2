package web

import (
	"net/http"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/selfserve"
)

// returnsPolicyPage is /settings/returns: the return policy the brand
// edits, which the help centre checks requests against and shows to
// customers (docs/order-help.md#return-policy).
type returnsPolicyData struct {
	CSRF   string
	Fields []policyField
	Saved  bool
}

type policyField struct {
	Key, Label, Help, Value, Error string
	Choices                        []string // a select's options; none for text
	Long                           bool     // a text area
}

func (s *Server) returnsPolicyPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	values := map[string]string{}
	for _, st := range selfserve.Settings {
		v, err := s.db.Setting(r.Context(), st.Key)
		if err != nil {
			return err
		}
		values[st.Key] = v
	}
	return s.drawReturnsPolicy(w, sess, http.StatusOK, values, nil, r.URL.Query().Get("saved") == "1")
}

func (s *Server) drawReturnsPolicy(w http.ResponseWriter, sess *auth.Session, status int, values, errs map[string]string, saved bool) error {
	d := returnsPolicyData{CSRF: sess.CSRF, Saved: saved}
	for _, st := range selfserve.Settings {
		f := policyField{Key: st.Key, Label: st.Label, Help: st.Help, Value: values[st.Key], Error: errs[st.Key]}
		switch st.Key {
		case selfserve.SettingShippingPaidBy:
			f.Choices = []string{"", selfserve.PaidByCustomer, selfserve.PaidByBrand}
		case selfserve.SettingCancelAllowed:
			f.Choices = []string{"", "true", "false"}
		case selfserve.SettingCondition:
			f.Long = true
		}
		d.Fields = append(d.Fields, f)
	}
	notice := ""
	if len(errs) > 0 {
		notice = "The return policy was not changed: fix the fields marked below."
	}
	return s.render(w, status, "returns_policy", &view{Title: "Returns policy", Session: sess, Nav: "returns", Notice: notice, Data: d})
}

// saveReturnsPolicy stores the form's settings, all or none; a bad value
// brings the form back as typed with the reason beside its field.
func (s *Server) saveReturnsPolicy(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	values := map[string]string{}
	for _, st := range selfserve.Settings {
		values[st.Key] = r.PostFormValue(st.Key)
	}
	err := selfserve.SavePolicy(r.Context(), s.db, values)
	if e, ok := err.(*domain.Error); ok && e.Code == domain.EInvalid {
		errs := map[string]string{}
		for _, f := range e.Fields {
			errs[f.Field] = f.Reason
		}
		return s.drawReturnsPolicy(w, sess, http.StatusBadRequest, values, errs, false)
	}
	if err != nil {
		return err
	}
	s.log.Info("return policy saved", "by", sess.User.Email)
	http.Redirect(w, r, "/settings/returns?saved=1", http.StatusSeeOther)
	return nil
}
