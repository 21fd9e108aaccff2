package web

// proactiveCampaignRoutes lists the campaigns' pages and API: a cohort, its preview, the send.
func (s *Server) proactiveCampaignRoutes() []route {
	return nil
}
