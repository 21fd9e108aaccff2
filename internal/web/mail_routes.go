package web

// mailRoutes lists the routes of this part of the desk.
func (s *Server) mailRoutes() []route {
	return nil
}
