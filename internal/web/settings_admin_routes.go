package web

// settingsAdminRoutes lists this capability's routes.
func (s *Server) settingsAdminRoutes() []route { return nil }
