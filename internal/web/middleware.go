package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// that writeError alone decides how errors look.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// requestInfo is what the log line of a request reports; inner handlers
// fill in what only they know.
type requestInfo struct {
	token string // the API token's name
	user  string // the logged-in user's email
	// page is set for requests a browser makes for a page: their errors
	// are HTML pages, not JSON.
	page bool
}

func infoOf(r *http.Request) *requestInfo {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// isPage reports whether r is a browser's request for a page.
func isPage(r *http.Request) bool { return infoOf(r).page }

type infoKey struct{}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one log line per request.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.Now()
		sw := &statusWriter{ResponseWriter: w}
		info := &requestInfo{}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("path", loggedPath(r.URL.Path)), slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes), slog.Duration("duration", s.Now.Since(start)), slog.String("remote", r.RemoteAddr),
		}
		if info.token != "" {
			attrs = append(attrs, slog.String("token", info.token))
		}
		if info.user != "" {
			attrs = append(attrs, slog.String("user", info.user))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recoverPanics turns a panicking handler into a 500 and a logged stack,
// instead of a dropped connection and no trace of why.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler asked for the connection to be dropped
			}
			s.log.Error("panic", "method", r.Method, "path", loggedPath(r.URL.Path), "panic", v, "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				return // the response has begun; nothing sensible can follow it
			}
			s.writeError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds every request body; reading past the limit fails with
// *http.MaxBytesError, which writeError turns into 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.MaxBodyBytes
		switch {
		case r.URL.Path == inboundEmailPath:
			limit = max(limit, desk.MaxMailBytes)
		case r.URL.Path == importPath && r.Method == http.MethodPost:
			limit = max(limit, s.MaxUploadBytes)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// need lets a request through only with a bearer token that grants scope.
func (s *Server) need(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plain, ok := bearer(r)
		if !ok {
			s.writeError(w, r, domain.Errorf(domain.EUnauthorized, "send an API token: Authorization: Bearer qd_… (create one with quietdesk token create)"))
			return
		}
		tok, err := auth.Verify(r.Context(), s.db, plain, s.Now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		infoOf(r).token = tok.Name
		if !tok.Allows(scope) {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "API token %q has scopes %s; this needs scope %s", tok.Name, strings.Join(tok.Scopes, ","), scope))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. The content
// security policy allows scripts, styles and images from this server only:
// no inline script, no other origin, so injected markup cannot run code.
// (Scripts may still set element styles, as the chart library does.)
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// pageNotFound answers a browser's request for an unknown page with an
// HTML page; unknown API paths keep the router's plain answer.
func (s *Server) pageNotFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") {
			infoOf(r).page = true
			s.writeError(w, r, domain.Errorf(domain.ENotFound, "there is no page %s", r.URL.Path))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// secretPaths are the pages whose next path segment is a secret link's
// token: an invitation, a shared timeline, a satisfaction survey. The log
// shows "…" in its place, so reading the log gives no one the link.
var secretPaths = []string{"/invite/", "/share/", "/csat/"}

// loggedPath is a request's path as the log shows it.
func loggedPath(p string) string {
	for _, prefix := range secretPaths {
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" {
			_, after, more := strings.Cut(rest, "/")
			if more {
				return prefix + "…/" + after
			}
			return prefix + "…"
		}
	}
	return p
}
