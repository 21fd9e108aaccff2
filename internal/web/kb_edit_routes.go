package web

import "quietdesk/internal/auth"

// kbEditRoutes lists the knowledge base's editor pages and API for admins
// and editors (docs/knowledge-base.md#editing), and the articles agents
// insert from a conversation's composer. The pages let in the desk's
// roles and refuse, with a 403 page, those without the editing right.
func (s *Server) kbEditRoutes() []route {
	desk := auth.DeskRoles
	return []route{
		{"GET /api/v1/kb/articles", s.kbAccess(false, s.handle(s.apiKBArticles)), false},
		{"GET /api/v1/kb/articles/{locale}/{slug}", s.kbAccess(false, s.handle(s.apiKBArticle)), false},
		{"PUT /api/v1/kb/articles/{locale}/{slug}", s.kbAccess(true, s.handle(s.apiKBPut)), false},
		{"POST /api/v1/kb/articles/{locale}/{slug}/publish", s.kbAccess(true, s.handle(s.apiKBPublish)), false},
		{"POST /api/v1/kb/articles/{locale}/{slug}/unpublish", s.kbAccess(true, s.handle(s.apiKBUnpublish)), false},
		{"GET /api/v1/kb/articles/{locale}/{slug}/versions", s.kbAccess(false, s.handle(s.apiKBVersions)), false},
		{"POST /api/v1/kb/articles/{locale}/{slug}/rollback", s.kbAccess(true, s.handle(s.apiKBRollback)), false},
		{"GET /api/v1/conversations/{id}/articles", s.deskAccess(s.handle(s.apiComposerArticles)), false},
		{"GET /api/v1/conversations/{id}/articles/{slug}", s.deskAccess(s.handle(s.apiComposerArticle)), false},

		{"GET /kb", s.page(desk, s.kbListPage), true},
		{"GET /kb/new", s.page(desk, s.kbNewPage), true},
		{"POST /kb/new", s.page(desk, s.kbCreateForm), true},
		{"GET /kb/{locale}/{slug}", s.page(desk, s.kbEditPage), true},
		{"POST /kb/{locale}/{slug}", s.page(desk, s.kbUpdateForm), true},
		{"GET /kb/{locale}/{slug}/history", s.page(desk, s.kbHistoryPage), true},
		{"POST /kb/{locale}/{slug}/rollback", s.page(desk, s.kbRollbackForm), true},
	}
}
