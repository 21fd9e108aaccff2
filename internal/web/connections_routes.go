package web

import "quietdesk/internal/auth"

// connectionsRoutes lists this capability's routes: the admins' page of
// connections to the shop and the helpdesk (docs/connections.md#in-the-browser),
// its actions, and the JSON the page polls to move its progress bars.
func (s *Server) connectionsRoutes() []route {
	admins := []string{auth.RoleAdmin}
	return []route{
		{"GET /settings/connections", s.page(admins, s.connectionsPage), true},
		{"POST /settings/connections", s.page(admins, s.addConnection), true},
		{"POST /settings/connections/{name}/sync", s.page(admins, s.syncConnectionNow), true},
		{"POST /settings/connections/{name}/pause", s.page(admins, s.pauseConnection(true)), true},
		{"POST /settings/connections/{name}/resume", s.page(admins, s.pauseConnection(false)), true},
		{"POST /settings/connections/{name}/remove", s.page(admins, s.removeConnection), true},
		{"GET /api/v1/connections", s.readAccess(s.handle(s.getConnections)), false},
	}
}
