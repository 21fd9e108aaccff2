package web

import "quietdesk/internal/auth"

// inboxRoutes lists the routes of this part of the desk: the inbox and its
// live updates, conversations and what agents do to them, and saved
// replies (docs/desk.md). The API is for desk tokens and for agents and
// admins logged in; the pages are for agents and admins.
func (s *Server) inboxRoutes() []route {
	desk := auth.DeskRoles
	admins := []string{auth.RoleAdmin}
	return []route{
		{"GET /api/v1/conversations", s.deskAccess(s.handle(s.apiListConversations)), false},
		{"POST /api/v1/conversations/bulk", s.deskAccess(s.handle(s.apiBulk)), false},
		{"GET /api/v1/conversations/{id}", s.deskAccess(s.handle(s.apiGetConversation)), false},
		{"POST /api/v1/conversations/{id}/replies", s.deskAccess(s.handle(s.apiReply)), false},
		{"POST /api/v1/conversations/{id}/notes", s.deskAccess(s.handle(s.apiNote)), false},
		{"POST /api/v1/conversations/{id}/assign", s.deskAccess(s.handle(s.apiAssign)), false},
		{"POST /api/v1/conversations/{id}/state", s.deskAccess(s.handle(s.apiState)), false},
		{"POST /api/v1/conversations/{id}/topic", s.deskAccess(s.handle(s.apiTopic)), false},
		{"POST /api/v1/conversations/{id}/tags", s.deskAccess(s.handle(s.apiTags)), false},
		{"POST /api/v1/conversations/{id}/fill", s.deskAccess(s.handle(s.apiFill)), false},
		{"POST /api/v1/conversations/{id}/presence", s.deskAccess(s.handle(s.apiPresence)), false},
		{"GET /api/v1/saved_replies", s.deskAccess(s.handle(s.apiSavedReplies)), false},
		{"POST /api/v1/saved_replies", s.deskAdmin(s.handle(s.apiSaveReply)), false},

		{"GET /inbox", s.page(desk, s.inboxPage), true},
		{"GET /inbox/events", s.page(desk, s.inboxEvents), true},
		{"POST /inbox/bulk", s.page(desk, s.inboxBulk), true},
		{"GET /conversations/{id}", s.page(desk, s.conversationPage), true},
		{"POST /conversations/{id}/reply", s.page(desk, s.conversationReply), true},
		{"POST /conversations/{id}/note", s.page(desk, s.conversationNote), true},
		{"POST /conversations/{id}/assign", s.page(desk, s.conversationAssign), true},
		{"POST /conversations/{id}/state", s.page(desk, s.conversationState), true},
		{"POST /conversations/{id}/snooze", s.page(desk, s.conversationSnooze), true},
		{"POST /conversations/{id}/tags", s.page(desk, s.conversationTags), true},
		{"POST /conversations/{id}/topic", s.page(desk, s.conversationTopic), true},
		{"POST /conversations/{id}/mentions/read", s.page(desk, s.conversationMentionsRead), true},
		{"GET /saved-replies", s.page(admins, s.savedRepliesPage), true},
		{"POST /saved-replies", s.page(admins, s.saveReplyForm), true},
		{"POST /saved-replies/{id}/delete", s.page(admins, s.deleteReplyForm), true},
	}
}
