package web

import (
	"context"
	"net/http"
	"time"

	"quietdesk/internal/domain"
)

// healthz answers load balancers and supervisors: 200 while the database
// answers a query, 503 when it does not.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var one int
	if err := s.db.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		s.log.Error("health check: database", "err", err)
		return domain.Errorf(eUnavailable, "the database does not answer")
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(s.db.Dialect)})
}
