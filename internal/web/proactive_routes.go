package web

import "quietdesk/internal/auth"

// proactiveRoutes lists the proactive notices' pages and API: rules, campaigns and their holdout reports.
func (s *Server) proactiveRoutes() []route {
	admins := []string{auth.RoleAdmin}
	dashboards := []string{auth.RoleAdmin, auth.RoleAnalyst}
	return []route{
		{"GET /api/v1/proactive/rules", s.readAccess(s.handle(s.apiProactiveRules)), false},
		{"GET /api/v1/proactive/rules/{name}", s.readAccess(s.handle(s.apiProactiveRule)), false},
		{"PUT /api/v1/proactive/rules/{name}", s.need(auth.ScopeAdmin, s.handle(s.apiPutProactiveRule)), false},

		{"GET /proactive", s.page(dashboards, s.proactiveRulesPage), true},
		{"POST /proactive/defaults", s.page(admins, s.proactiveAddDefaults), true},
		{"GET /proactive/rules/{name}", s.page(dashboards, s.proactiveRulePage), true},
		{"POST /proactive/rules/{name}", s.page(admins, s.proactiveSaveRule), true},
	}
}
