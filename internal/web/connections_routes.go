package web

// connectionsRoutes lists this capability's routes.
func (s *Server) connectionsRoutes() []route { return nil }
