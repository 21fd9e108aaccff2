package web

// firstRunRoutes lists this capability's routes.
func (s *Server) firstRunRoutes() []route { return nil }
