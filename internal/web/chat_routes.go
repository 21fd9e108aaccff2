package web

import "quietdesk/internal/auth"

// chatRoutes are the chat widget's (docs/chat.md): the script a brand's
// page loads, and the widget's own protocol under /chat/, which pages on
// the brand's origins (chat.origins) call cross-origin with a visitor
// token in a header. They are the widget's, not the public API, so they
// are outside the OpenAPI document; each is limited per source address.
// Agents read a conversation's visitor state with their session.
func (s *Server) chatRoutes() []route {
	chat := func(pattern, class string, perSecond float64, burst int, h chatFunc, create bool) route {
		return route{pattern, s.chatCORS(s.limitSource(class, perSecond, burst, s.chatVisitor(h, create))), true}
	}
	return []route{
		{"GET /widget.js", s.limitSource("widget", 20, 200, s.handle(s.widgetScript)), true},
		{"OPTIONS /chat/{path...}", s.chatCORS(s.limitSource("chat preflight", 10, 60, s.handle(s.chatPreflight))), true},
		// A new visitor is a row: few per address.
		chat("POST /chat/session", "chat session", 0.5, 20, s.chatSession, true),
		chat("GET /chat/stream", "chat stream", 1, 30, s.chatStream, false),
		chat("POST /chat/messages", "chat message", 2, 30, s.chatPost, false),
		chat("POST /chat/typing", "chat typing", 2, 20, s.chatTyping, false),
		chat("POST /chat/seen", "chat seen", 5, 60, s.chatSeen, false),
		chat("POST /chat/email", "chat email", 0.5, 10, s.chatEmail, false),
		{"GET /chat/conversations/{id}/visitor", s.deskAccess(s.handle(s.chatVisitorState)), true},
		{"GET /settings/chat", s.page([]string{auth.RoleAdmin}, s.chatSettings), true},
	}
}
