package web

// csatRoutes lists the satisfaction survey's public pages: the link a
// customer gets when a conversation closes (docs/metrics.md#satisfaction).
// They need no login: the token in the address is the only key, so the
// lookups of unknown tokens are limited per address, as failed logins are.
func (s *Server) csatRoutes() []route {
	return []route{
		{"GET /csat/{token}", s.handle(s.csatPage), true},
		{"POST /csat/{token}", s.handle(s.csatAnswer), true},
	}
}
