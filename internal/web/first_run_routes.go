package web

import "quietdesk/internal/auth"

// firstRunRoutes lists this capability's routes: the forms of a new
// store's Overview (docs/first-run.md). The steps themselves are drawn by
// GET / (overview.go), which writes nothing.
func (s *Server) firstRunRoutes() []route {
	admins := []string{auth.RoleAdmin}
	return []route{
		{"POST /first-run/costs", s.page(admins, s.firstRunCosts), true},
		{"POST /first-run/dismiss", s.page(admins, s.dismissFirstRun), true},
	}
}
