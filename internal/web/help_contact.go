package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	netmail "net/mail"
	"strings"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// The contact form (docs/help-centre.md#contact-form): before a message
// goes to a person, the customer sees the articles that may answer it;
// "Send anyway" makes an email conversation in the inbox, as a mail to
// the support address would, and the self-service session ends
// escalated with it. With script, help.js shows the answers as the
// customer types; without, the first send shows them.

// Limits of the contact form's fields.
const (
	maxContactName    = 200
	maxContactSubject = 200
	maxContactMessage = 10000
)

// helpContactData fills the contact form.
type helpContactData struct {
	Name, Email, Subject, Message string
	Session                       string
	Errors                        map[string]string // by field
	// Suggestions are the articles shown before sending; Sent says the
	// message went to the team.
	Suggestions []helpResult
	Sent        bool
	Fields      []contactField // the one-line fields, as drawn
}

// contactField is one of the form's one-line fields.
type contactField struct {
	Name, Label, Type, Auto, Value, Error string
}

// helpContactForm answers GET /help/contact (?q= fills the message).
func (s *Server) helpContactForm(w http.ResponseWriter, r *http.Request, site helpSite) error {
	locale := site.locale(r, r.URL.Query().Get("locale"))
	d := helpContactData{Message: cut(r.URL.Query().Get("q"), maxContactMessage), Session: newSessionID()}
	// The form carries a new session id for a browser without script:
	// this answer is that visitor's own.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	return s.renderContact(w, http.StatusOK, site, locale, d)
}

func (s *Server) renderContact(w http.ResponseWriter, status int, site helpSite, locale string, d helpContactData) error {
	d.Fields = []contactField{
		{Name: "name", Label: "Your name", Type: "text", Auto: "name", Value: d.Name, Error: d.Errors["name"]},
		{Name: "email", Label: "Your email", Type: "email", Auto: "email", Value: d.Email, Error: d.Errors["email"]},
		{Name: "subject", Label: "Subject", Type: "text", Auto: "off", Value: d.Subject, Error: d.Errors["subject"]},
	}
	title := "Contact us"
	if d.Sent {
		title = "Message sent"
	}
	return s.help.execute(w, status, "contact", &helpView{Title: title, Brand: site.Brand, Locale: locale, Locales: site.Locales, Nav: "contact", Data: d})
}

// helpContactSend answers POST /help/contact.
func (s *Server) helpContactSend(w http.ResponseWriter, r *http.Request, site helpSite) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	locale := site.locale(r, r.PostFormValue("locale"))
	d := helpContactData{Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Subject: strings.TrimSpace(r.PostFormValue("subject")), Message: strings.TrimSpace(r.PostFormValue("message")),
		Session: sessionOr(r.PostFormValue("session")), Errors: map[string]string{}}
	if d.Errors = contactProblems(d); len(d.Errors) > 0 {
		return s.renderContact(w, http.StatusBadRequest, site, locale, d)
	}
	now := s.Now()
	customers := commerce.NewCustomers(clock.Fixed(now))
	if r.PostFormValue("send") != "anyway" {
		results, err := kb.Search(r.Context(), s.db, kb.Query{Text: d.Subject + " " + d.Message, Locale: locale, Limit: 3})
		if err != nil {
			return err
		}
		if len(results) > 0 {
			var shown []string
			for _, res := range results {
				d.Suggestions = append(d.Suggestions, helpResult{Title: res.Title, URL: articlePath(locale, res.Slug), Snippet: plainText(res.Snippet, 200)})
				shown = append(shown, res.Slug)
			}
			err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
				_, err := kb.RecordEvent(r.Context(), tx, customers, kb.Event{Session: d.Session, Channel: kb.ChannelContactForm, Type: kb.EventSearch,
					Locale: locale, Query: cut(d.Subject+" "+d.Message, kb.MaxQueryChars), Shown: shown, At: now})
				return err
			})
			if err != nil {
				return err
			}
			return s.renderContact(w, http.StatusOK, site, locale, d)
		}
	}
	who := commerce.CustomerRef{Email: d.Email, Name: d.Name}
	subject := d.Subject
	if subject == "" {
		subject = cut(strings.SplitN(d.Message, "\n", 2)[0], 80)
	}
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		rec, err := desk.RecordMessage(r.Context(), tx, customers, desk.Message{ExternalID: contactMessageID(d), Customer: who, Channel: "email", Author: "customer",
			Subject: subject, Body: d.Message, At: now, Received: now, FromAddr: (&netmail.Address{Name: d.Name, Address: d.Email}).String()})
		if err != nil {
			return err
		}
		_, err = kb.RecordEvent(r.Context(), tx, customers, kb.Event{Session: d.Session, Channel: kb.ChannelContactForm, Type: kb.EventEscalate,
			Locale: locale, Customer: who, ConversationID: rec.ConversationID, At: now})
		return err
	})
	if domain.ErrorCode(err) == domain.EInvalid {
		d.Errors["message"] = fieldMessage(err)
		return s.renderContact(w, http.StatusBadRequest, site, locale, d)
	}
	if err != nil {
		return err
	}
	d.Sent = true
	return s.renderContact(w, http.StatusOK, site, locale, d)
}

// contactProblems checks the form, naming each bad field.
func contactProblems(d helpContactData) map[string]string {
	p := map[string]string{}
	if n := len([]rune(d.Name)); n > maxContactName {
		p["name"] = "Your name is too long: at most 200 characters."
	}
	if d.Email == "" {
		p["email"] = "Your email is required, so we can answer you."
	} else if a, err := netmail.ParseAddress(d.Email); err != nil || a.Address != d.Email || !strings.Contains(d.Email[strings.LastIndex(d.Email, "@")+1:], ".") {
		p["email"] = "This is not an email address: write it as name@example.com."
	}
	if n := len([]rune(d.Subject)); n > maxContactSubject {
		p["subject"] = "The subject is too long: at most 200 characters."
	}
	switch n := len([]rune(d.Message)); {
	case strings.TrimSpace(d.Message) == "":
		p["message"] = "Write your question, so we know how to help."
	case n > maxContactMessage:
		p["message"] = "The message is too long: at most 10,000 characters."
	}
	return p
}

// contactMessageID is a sent form's message id: the same session sending
// the same words again makes no second conversation.
func contactMessageID(d helpContactData) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{d.Session, strings.ToLower(d.Email), d.Subject, d.Message}, "\x00")))
	return "help-contact:" + hex.EncodeToString(sum[:16])
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
