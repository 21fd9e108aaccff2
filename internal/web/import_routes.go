package web

// importRoutes lists this capability's routes.
func (s *Server) importRoutes() []route { return nil }
