package web

import (
	"fmt"
	"net/http"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
)

// importRoutes lists this capability's routes: the Import page, where
// admins and analysts upload a file, see how it will be read, map its
// columns, import it with a progress bar and download the rows set aside
// (docs/import.md#in-the-browser). They are pages: no API route.
func (s *Server) importRoutes() []route {
	dashboards := []string{auth.RoleAdmin, auth.RoleAnalyst}
	return []route{
		{"GET /import", s.page(dashboards, s.importPage), true},
		{"POST /import", s.uploadLimit(s.page(dashboards, s.importUpload)), true},
		{"GET /import/{id}", s.page(dashboards, s.importRunPage), true},
		{"POST /import/{id}/map", s.page(dashboards, s.importMap), true},
		{"POST /import/{id}/run", s.page(dashboards, s.importRun), true},
		{"GET /import/{id}/rejects.csv", s.page(dashboards, s.importRejects), true},
	}
}

// importPath is the Import page, whose uploads may be larger than other
// requests (Server.MaxUploadBytes). Larger files are imported with
// quietdesk import on the server.
const importPath = "/import"

// uploadLimit refuses an upload larger than the page takes before its
// form is read, with a page that says so (once the form is cut short, the
// CSRF check could only call it expired).
func (s *Server) uploadLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limit := s.uploadMaxBytes(); r.ContentLength > limit {
			infoOf(r).page = true
			s.writeError(w, r, domain.Errorf(domain.EInvalid, "the upload is %s, larger than the %s this page takes: split it into smaller files, or import it on the server with quietdesk import",
				megabytes(r.ContentLength), megabytes(limit)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) uploadMaxBytes() int64 { return s.MaxUploadBytes }

// megabytes says how large a file is, for people.
func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
