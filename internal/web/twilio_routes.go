package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// twilioRoutes are the routes of this channel (docs/twilio.md): one
// webhook for every Twilio callback, verified by its signature and limited
// per source address.
func (s *Server) twilioRoutes() []route {
	return []route{
		{"POST " + twilio.WebhookPath, s.limitSource("Twilio webhook", webhookPerSecond, webhookBurst, s.handle(s.postTwilio)), false},
	}
}

// maxTwilioBody bounds a callback: Twilio's are a few kilobytes.
const maxTwilioBody = 256 << 10

// postTwilio answers POST /webhooks/twilio. Nothing is read from the
// request before its signature is checked; a request that fails the check
// answers 403 and changes nothing.
func (s *Server) postTwilio(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTwilioBody+1))
	if err != nil {
		return err
	}
	cfg, err := twilio.LoadConfig(ctx, s.db, store.SiteURLSetting)
	if err != nil {
		return err
	}
	refuse := func(reason string, attrs ...any) error {
		s.log.Warn("Twilio webhook refused: "+reason, append([]any{"ip", s.clientIP(r), "path", r.URL.Path}, attrs...)...)
		return domain.Errorf(domain.EForbidden, "this request is not signed by Twilio for this site")
	}
	switch {
	case cfg.AuthToken == "":
		s.log.Error("Twilio webhook refused: no auth token is set, so no request can be verified",
			"fix", "quietdesk settings set "+twilio.SettingAuthToken+" - (the auth token from the Twilio Console)")
		return domain.Errorf(domain.EForbidden, "Twilio webhooks are not set up on this site")
	case cfg.SiteURL == "":
		s.log.Error("Twilio webhook refused: site.url is not set, so the signed URL is unknown",
			"fix", "quietdesk settings set "+store.SiteURLSetting+" https://desk.example.com (the address Twilio posts to)")
		return domain.Errorf(domain.EForbidden, "Twilio webhooks are not set up on this site")
	case len(body) > maxTwilioBody:
		return refuse("body too large", "bytes", len(body))
	}
	// Twilio signs the URL it posted to: the site's address and this path
	// and query, as sent.
	signed := strings.TrimRight(cfg.SiteURL, "/") + r.URL.RequestURI()
	sig := r.Header.Get("X-Twilio-Signature")
	var params url.Values
	if r.URL.Query().Get("bodySHA256") != "" {
		if !twilio.ValidJSON(cfg.AuthToken, signed, body, sig) {
			return refuse("signature or body hash does not match", "url", signed, "fix", "check "+twilio.SettingAuthToken+" and that "+store.SiteURLSetting+" is the address configured in Twilio")
		}
		if params, err = jsonParams(body); err != nil {
			return domain.Errorf(domain.EInvalid, "the JSON body is not an object of Twilio's parameters: %v", err)
		}
	} else {
		params, err = url.ParseQuery(string(body))
		if err != nil || !twilio.Valid(cfg.AuthToken, signed, params, sig) {
			return refuse("signature does not match", "url", signed, "fix", "check "+twilio.SettingAuthToken+" and that "+store.SiteURLSetting+" is the address configured in Twilio")
		}
	}
	c, err := twilio.Parse(params)
	if err != nil {
		return err
	}
	res, err := desk.ReceiveTwilio(ctx, s.db, s.Now(), c)
	if err != nil {
		return err
	}
	s.log.Info("Twilio callback", "kind", c.Kind, "sid", c.MessageSID+c.CallSID, "status", c.MessageStatus+c.CallStatus,
		"changed", res.Changed, "conversation", res.ConversationID, "new_contact", res.NewContact)
	answer := []byte(twilio.Empty)
	if c.Kind == twilio.KindCall && c.Direction == "inbound" && !twilio.Final(c.CallStatus) {
		if cfg.VoiceForward != "" {
			answer = twilio.Forward(cfg.VoiceForward)
		} else {
			answer = twilio.Voicemail(cfg.WebhookURL())
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(answer)
	return err
}

// jsonParams reads a JSON callback body (an object of strings, numbers or
// booleans) as parameters.
func jsonParams(body []byte) (url.Values, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	out := url.Values{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out.Set(k, v)
		case float64, bool:
			out.Set(k, fmt.Sprint(v))
		case nil:
		default:
			return nil, fmt.Errorf("%s is not a plain value", k)
		}
	}
	return out, nil
}
