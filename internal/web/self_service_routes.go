package web

import "quietdesk/internal/auth"

// selfServiceRoutes lists the self-service measures: deflection per article, failing articles, searches with no result.
func (s *Server) selfServiceRoutes() []route {
	return []route{
		{"GET /api/v1/self-service", s.readAccess(s.handle(s.getSelfService)), false},
		{"GET /self-service", s.page([]string{auth.RoleAdmin, auth.RoleAnalyst}, s.selfServicePage), true},
	}
}
