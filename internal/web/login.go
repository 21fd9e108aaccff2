package web

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
)

// loginData fills the login form.
type loginData struct {
	Email string
	Next  string // where to go once logged in
	CSRF  string
	Error string
}

// loginForm answers GET /login. A browser already logged in goes on.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	infoOf(r).page = true
	next := localPath(r.URL.Query().Get("next"))
	if _, err := s.session(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.loginPage(w, r, http.StatusOK, loginData{Next: next})
}

// loginPage draws the login form with a fresh CSRF token. Before login
// there is no session to tie the token to, so it is a double-submit: the
// same random value in a cookie and in the form, which another site can
// neither read nor set.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, status int, d loginData) error {
	d.CSRF = rand.Text()
	s.setCookie(w, r, loginCookie, d.CSRF, "/login", int(time.Hour/time.Second))
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, status, "login", &view{Title: "Log in", Data: d})
}

// login answers POST /login: email and password in, a session cookie out.
// Failed logins are limited per account and address, and per address
// (ratelimit.go); past a limit the answer is 429 with Retry-After.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	infoOf(r).page = true
	if err := s.crossOrigin.Check(r); err != nil {
		return domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused")
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	d := loginData{Email: email, Next: localPath(r.PostFormValue("next"))}
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		d.Error = "The login form had expired. Please log in again."
		return s.loginPage(w, r, statusOf(domain.EForbidden), d)
	}

	now := s.Now()
	addr := "ip " + s.clientIP(r)
	pair := "account " + email + " from " + addr
	if wait := max(s.logins.wait(now, pair), s.loginAddrs.wait(now, addr)); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
		d.Error = fmt.Sprintf("Too many failed logins. Try again in %s.", minutes(wait))
		return s.loginPage(w, r, statusOf(eRateLimited), d)
	}
	u, err := auth.Authenticate(r.Context(), s.db, email, r.PostFormValue("password"))
	if errors.Is(err, auth.ErrDeactivated) {
		// The password was right: the failure is not counted.
		d.Error = "This account is deactivated. Ask an admin to reactivate it."
		return s.loginPage(w, r, statusOf(domain.EForbidden), d)
	}
	if domain.ErrorCode(err) == domain.EUnauthorized {
		s.logins.fail(now, pair)
		s.loginAddrs.fail(now, addr)
		d.Error = "Wrong email or password."
		return s.loginPage(w, r, statusOf(domain.EUnauthorized), d)
	}
	if err != nil {
		return err
	}
	s.logins.forget(pair)
	sess, plain, err := auth.StartSession(r.Context(), s.db, u, now)
	if errors.Is(err, auth.ErrDeactivated) {
		d.Error = "This account is deactivated. Ask an admin to reactivate it."
		return s.loginPage(w, r, statusOf(domain.EForbidden), d)
	}
	if err != nil {
		return err
	}
	infoOf(r).user = sess.User.Email
	s.setCookie(w, r, sessionCookie, plain, "/", int(auth.SessionLifetime/time.Second))
	s.setCookie(w, r, loginCookie, "", "/login", -1)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

// logout answers POST /logout (a form with the session's CSRF token).
func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		if err := auth.EndSession(r.Context(), s.db, c.Value); err != nil {
			return err
		}
	}
	s.setCookie(w, r, sessionCookie, "", "/", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// minutes writes a wait for people: "1 minute", "14 minutes".
func minutes(d time.Duration) string {
	n := int((d + time.Minute - 1) / time.Minute)
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}
