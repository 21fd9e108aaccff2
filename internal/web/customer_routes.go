package web

// customerRoutes lists the routes of this part of the desk.
func (s *Server) customerRoutes() []route {
	return nil
}
