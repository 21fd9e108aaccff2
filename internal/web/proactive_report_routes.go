package web

// proactiveReportRoutes lists the holdout reports' pages and API.
func (s *Server) proactiveReportRoutes() []route {
	return nil
}
