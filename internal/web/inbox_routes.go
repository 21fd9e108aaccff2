package web

// inboxRoutes lists the routes of this part of the desk.
func (s *Server) inboxRoutes() []route {
	return nil
}
