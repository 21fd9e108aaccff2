package web

// kbSearchRoutes lists the public knowledge-base search API.
func (s *Server) kbSearchRoutes() []route {
	return nil
}
