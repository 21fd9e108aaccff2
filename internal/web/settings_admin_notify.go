package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/settings"
	"quietdesk/internal/store"
)

// emailFields are the SMTP relay's settings on /settings/notifications,
// the password apart: it is write-only.
var emailFields = []struct{ Key, Label string }{
	{notify.SettingSMTPHost, "Relay host"},
	{notify.SettingSMTPPort, "Port"},
	{notify.SettingSMTPTLS, "TLS"},
	{notify.SettingSMTPUsername, "User name"},
	{notify.SettingSMTPFrom, "From"},
}

// testTimeout bounds a "send a test": the outbox's worker allows a minute,
// a person waiting on the page less.
const testTimeout = 30 * time.Second

type notifyPageData struct {
	CSRF  string
	Email []settingField
	// PasswordSet says a password is stored; the password itself is
	// never drawn, not even as the input's value.
	PasswordSet bool
	PasswordErr string
	// The webhook's address is a secret too (its path is the key): only
	// its scheme and host are shown.
	WebhookSet  bool
	WebhookHost string
	WebhookErr  string
	TestTo      string // where a test email goes: the admin, until changed
	Result      *testResult
	Done        string
}

// testResult is what a "send a test" did.
type testResult struct {
	Channel string // email or webhook
	OK      bool
	Message string
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawNotifications(w, r, sess, http.StatusOK, "", nil, nil, notifyPageData{Done: doneMessages[r.URL.Query().Get("done")]})
}

// drawNotifications draws the page with the stored settings, or the ones
// typed (typed) when a form came back with problems.
func (s *Server) drawNotifications(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, problem string, typed, problems map[string]string, data notifyPageData) error {
	ctx := r.Context()
	data.CSRF = sess.CSRF
	if data.TestTo == "" {
		data.TestTo = sess.User.Email
	}
	for _, f := range emailFields {
		d, _ := settings.Lookup(f.Key)
		v, ok := typed[f.Key]
		if !ok {
			stored, err := s.db.Setting(ctx, f.Key)
			if err != nil {
				return err
			}
			v = stored
		}
		field := settingField{Key: f.Key, Label: f.Label, Help: d.Help, Value: v, Error: problems[f.Key]}
		if f.Key == notify.SettingSMTPTLS {
			field.Options = []string{"", notify.TLSStartTLS, notify.TLSImplicit, notify.TLSNone}
		}
		data.Email = append(data.Email, field)
	}
	pw, err := s.db.Setting(ctx, notify.SettingSMTPPassword)
	if err != nil {
		return err
	}
	hook, err := s.db.Setting(ctx, notify.SettingReviewWebhook)
	if err != nil {
		return err
	}
	data.PasswordSet, data.PasswordErr = pw != "", problems[notify.SettingSMTPPassword]
	data.WebhookSet, data.WebhookHost, data.WebhookErr = hook != "", notify.RedactURL(hook), problems[notify.SettingReviewWebhook]
	return s.render(w, status, "settings_notifications", &view{Title: "Notification delivery", Session: sess, Nav: "notifications", Notice: problem, Data: data})
}

// saveEmailSettings answers POST /settings/notifications/email. An empty
// password keeps the stored one; "clear_password" clears it.
func (s *Server) saveEmailSettings(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	values := map[string]string{}
	var keys []string
	for _, f := range emailFields {
		values[f.Key] = strings.TrimSpace(r.PostFormValue(f.Key))
		keys = append(keys, f.Key)
	}
	switch pw := strings.TrimRight(r.PostFormValue("password"), "\r\n"); {
	case r.PostFormValue("clear_password") != "":
		values[notify.SettingSMTPPassword] = ""
		keys = append(keys, notify.SettingSMTPPassword)
	case pw != "":
		values[notify.SettingSMTPPassword] = pw
		keys = append(keys, notify.SettingSMTPPassword)
	}
	return s.saveNotifySettings(w, r, sess, keys, values)
}

// saveWebhookSettings answers POST /settings/notifications/webhook. An
// empty address keeps the stored one; "clear_webhook" clears it.
func (s *Server) saveWebhookSettings(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	values := map[string]string{}
	switch url := strings.TrimSpace(r.PostFormValue("webhook_url")); {
	case r.PostFormValue("clear_webhook") != "":
		values[notify.SettingReviewWebhook] = ""
	case url != "":
		values[notify.SettingReviewWebhook] = url
	default:
		http.Redirect(w, r, "/settings/notifications?done=saved", http.StatusSeeOther)
		return nil
	}
	return s.saveNotifySettings(w, r, sess, []string{notify.SettingReviewWebhook}, values)
}

// saveNotifySettings checks every value, then stores them all in one
// transaction with their audit records, or none.
func (s *Server) saveNotifySettings(w http.ResponseWriter, r *http.Request, sess *auth.Session, keys []string, values map[string]string) error {
	problems := map[string]string{}
	for _, k := range keys {
		if err := settings.Check(k, values[k]); err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || len(de.Fields) == 0 {
				return err
			}
			problems[k] = de.Fields[0].Reason
		}
	}
	// What is drawn back never holds a secret: typed keeps only the
	// visible fields.
	typed := map[string]string{}
	for _, f := range emailFields {
		if v, ok := values[f.Key]; ok {
			typed[f.Key] = v
		}
	}
	if len(problems) > 0 {
		return s.drawNotifications(w, r, sess, http.StatusBadRequest, fmt.Sprintf("Nothing was saved: %d of the values are not right (see below).", len(problems)), typed, problems, notifyPageData{})
	}
	now := s.Now()
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		for _, k := range keys {
			if _, err := settings.Set(r.Context(), tx, now, sess.User.Email, k, values[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawNotifications(w, r, sess, status, msg, typed, nil, notifyPageData{})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/notifications?done=saved", http.StatusSeeOther)
	return nil
}

// testEmail answers POST /settings/notifications/email/test: a message
// sent now through the stored relay by the outbox's own sender, and what
// the relay answered.
func (s *Server) testEmail(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	to := strings.TrimSpace(r.PostFormValue("to"))
	res, err := s.sendTest(r.Context(), notify.ChannelEmail, to)
	if err != nil {
		return err
	}
	return s.drawNotifications(w, r, sess, http.StatusOK, "", nil, nil, notifyPageData{TestTo: to, Result: res})
}

// testWebhook answers POST /settings/notifications/webhook/test: a post to
// the stored chat webhook, and what it answered.
func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	res, err := s.sendTest(r.Context(), notify.ChannelWebhook, "")
	if err != nil {
		return err
	}
	return s.drawNotifications(w, r, sess, http.StatusOK, "", nil, nil, notifyPageData{Result: res})
}

// sendTest sends a test message straight through the channel's sender, as
// quietdesk notify test does (not through the outbox, so the answer is
// known now). Delivery problems are the result, not an error.
func (s *Server) sendTest(ctx context.Context, channel, to string) (*testResult, error) {
	cfg, err := notify.LoadConfig(ctx, s.db)
	if err != nil {
		return nil, err
	}
	res := &testResult{Channel: channel}
	now := s.Now()
	d := notify.Delivery{Key: "test", Channel: channel, Target: to, Subject: "Quietdesk test message",
		Text: "Quietdesk test message, sent " + now.UTC().Format(time.RFC1123) + ". If you can read this, delivery works."}
	if channel == notify.ChannelWebhook {
		if cfg.WebhookURL == "" {
			res.Message = "Not sent: no chat webhook is set. Save its address above first."
			return res, nil
		}
		d.Target = cfg.WebhookURL
	}
	if d, err = notify.Check(d); err != nil {
		res.Message = "Not sent: " + err.Error()
		return res, nil
	}
	sctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	start := s.Now()
	via := notify.RedactURL(d.Target)
	if channel == notify.ChannelEmail {
		via = d.Target + " via " + cfg.SMTP.Describe()
	}
	if err := cfg.Senders(s.Now)[channel].Send(sctx, d); err != nil {
		res.Message = "Not sent to " + via + ": " + err.Error()
		if notify.IsPermanent(err) {
			res.Message += " (refused for good: the outbox would not retry it)"
		}
		return res, nil
	}
	res.OK = true
	res.Message = fmt.Sprintf("Sent to %s in %s.", via, s.Now.Since(start).Round(time.Millisecond))
	return res, nil
}
