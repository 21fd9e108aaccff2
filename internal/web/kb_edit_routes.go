package web

// kbEditRoutes lists the knowledge base's editor pages and API for admins and editors.
func (s *Server) kbEditRoutes() []route {
	return nil
}
