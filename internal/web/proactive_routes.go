package web

// proactiveRoutes lists the proactive notices' pages and API: rules, campaigns and their holdout reports.
func (s *Server) proactiveRoutes() []route {
	return nil
}
