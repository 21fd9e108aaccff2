package web

// helpRoutes lists the public help centre's pages, its feedback and contact form, and the self-service events its pages and the chat widget report.
//
// None needs a login; each is limited per source address (reading pages
// generously, the forms that write sparingly). The events endpoint is
// called by the chat widget from the brand's pages, so it answers CORS
// for chat.origins as the widget's own routes do.
func (s *Server) helpRoutes() []route {
	page := func(pattern string, h helpFunc) route {
		return route{pattern, s.helpPage("help page", 20, 200, h), true}
	}
	form := func(pattern string, perSecond float64, burst int, h helpFunc) route {
		return route{pattern, s.helpPage("help form", perSecond, burst, h), true}
	}
	articles := &helpArticleCache{}
	return []route{
		page("GET /help", s.helpHome),
		page("GET /help/{locale}", s.helpHome),
		page("GET /help/{locale}/categories/{category}", s.helpCategoryPage),
		page("GET /help/{locale}/articles/{slug}", s.helpArticle(articles)),
		form("POST /help/{locale}/articles/{slug}/feedback", 1, 30, s.helpFeedback),
		page("GET /help/search", s.helpSearchPage),
		page("GET /help/contact", s.helpContactForm),
		form("POST /help/contact", 0.2, 10, s.helpContactSend),
		page("GET /help/{path...}", s.helpNotFound),
		{"GET /help/theme.css", s.limitSource("help theme", 20, 200, s.handle(s.helpTheme)), true},
		{"GET /help/sitemap.xml", s.limitSource("help sitemap", 2, 30, s.handle(s.helpSitemap)), true},
		{"GET /robots.txt", s.limitSource("robots", 2, 30, s.handle(s.robots)), true},
		{"POST /api/v1/self-service/events", s.chatCORS(s.limitSource("self-service event", 5, 120, s.handle(s.postSelfServiceEvent))), false},
		{"OPTIONS /api/v1/self-service/events", s.chatCORS(s.limitSource("self-service preflight", 5, 60, s.handle(s.chatPreflight))), false},
	}
}
