package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
)

// Cookies. The session cookie holds the session id; the login cookie holds
// the login form's CSRF token, before there is a session to tie one to.
const (
	sessionCookie = "qd_session"
	loginCookie   = "qd_login"
)

// pageFunc is a page handler: it gets the logged-in session and returns its
// error, as handlerFunc does.
type pageFunc func(w http.ResponseWriter, r *http.Request, sess *auth.Session) error

// page serves h to logged-in users with one of roles (any role when nil).
// A browser without a session is sent to the login page and back. A form
// posted to it must come from this site (Origin and Sec-Fetch-Site are
// checked) and carry the session's CSRF token.
func (s *Server) page(roles []string, h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r)
		info.page = true
		w.Header().Set("Cache-Control", "no-store")
		if err := s.crossOrigin.Check(r); err != nil {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused"))
			return
		}
		sess, err := s.session(r)
		if domain.ErrorCode(err) == domain.EUnauthorized {
			next := "/login"
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		info.user = sess.User.Email
		if roles != nil && !slices.Contains(roles, sess.User.Role) {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "this page is for the %s roles; %s is logged in as %s", strings.Join(roles, " and "), sess.User.Email, sess.User.Role))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sess.CheckCSRF(r.PostFormValue("csrf")) {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "the form had expired: go back, reload the page and send it again"))
			return
		}
		if err := h(w, r, &sess); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// session returns the request's live session.
func (s *Server) session(r *http.Request) (auth.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.Session{}, domain.Errorf(domain.EUnauthorized, "log in first")
	}
	return auth.LookupSession(r.Context(), s.db, c.Value, s.Now())
}

// readAccess lets a request through with a bearer token of scope read, or
// with the session of a user who sees the dashboards (the pages' CSV links
// and scripts use the API too).
func (s *Server) readAccess(next http.Handler) http.Handler {
	withToken := s.need(auth.ScopeRead, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); err != nil || r.Header.Get("Authorization") != "" {
			withToken.ServeHTTP(w, r)
			return
		}
		if _, ok := s.sessionWith(w, r, auth.User.SeesDashboards, "metrics are for admins and analysts"); ok {
			next.ServeHTTP(w, r)
		}
	})
}

// sessionWith returns the request's session when its user's role may
// (allowed), and otherwise writes the error (why names who may) and
// reports false.
func (s *Server) sessionWith(w http.ResponseWriter, r *http.Request, allowed func(auth.User) bool, why string) (auth.Session, bool) {
	sess, err := s.session(r)
	if err != nil {
		s.writeError(w, r, err)
		return sess, false
	}
	infoOf(r).user = sess.User.Email
	if !allowed(sess.User) {
		s.writeError(w, r, domain.Errorf(domain.EForbidden, "%s is logged in as %s; %s", sess.User.Email, sess.User.Role, why))
		return sess, false
	}
	return sess, true
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure when the browser
// spoke HTTPS. maxAge < 0 deletes it.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

// secure reports whether the browser reached us over HTTPS.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || (s.BehindProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// clientIP is the address login limits count by: the connection's, or
// behind a proxy the one the proxy saw (the last of X-Forwarded-For, the
// only entry the proxy itself wrote).
func (s *Server) clientIP(r *http.Request) string {
	if s.BehindProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// localPath returns next when it is a path on this site, "/" otherwise, so
// the login form cannot be made to send someone to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// deskActor is who acts through a desk route: a logged-in user, or an API
// token (UserID 0) acting under its name.
type deskActor struct {
	UserID int64
	Name   string
}

type actorKey struct{}

// actorOf returns the actor deskAccess let through.
func actorOf(r *http.Request) deskActor {
	a, _ := r.Context().Value(actorKey{}).(deskActor)
	return a
}

// deskAccess lets a request through with a bearer token of scope desk, or
// with the session of a user whose role reads messages (agents and admins;
// analysts see figures only). A session's writes must come from our own
// pages: cross-origin requests are refused as the pages' forms are.
func (s *Server) deskAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); err != nil || r.Header.Get("Authorization") != "" {
			s.need(auth.ScopeDesk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, deskActor{Name: infoOf(r).token})))
			})).ServeHTTP(w, r)
			return
		}
		if err := s.crossOrigin.Check(r); err != nil {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "this request was sent from another site, so it was refused"))
			return
		}
		sess, ok := s.sessionWith(w, r, auth.User.ReadsMessages, "conversations are for agents and admins")
		if !ok {
			return
		}
		a := deskActor{UserID: sess.User.ID, Name: sess.User.DisplayName()}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, a)))
	})
}
