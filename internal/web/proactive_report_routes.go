package web

import "quietdesk/internal/auth"

// proactiveReportRoutes lists the holdout reports' pages and API. The
// page is under /proactive/report/ so that its path never overlaps the
// rules' and campaigns' pages.
func (s *Server) proactiveReportRoutes() []route {
	return []route{
		{"GET /api/v1/proactive/report", s.readAccess(s.handle(s.getProactiveReport)), false},
		{"GET /proactive/report/{name}", s.page([]string{auth.RoleAdmin, auth.RoleAnalyst}, s.proactiveReportPage), true},
	}
}
