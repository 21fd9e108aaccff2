package web

import "quietdesk/internal/auth"

// settingsAdminRoutes are the admins' pages for what was the command
// line's alone (docs/settings.md): users and invitations, API tokens, the
// store's settings, notification delivery, and the audit log of every
// change made there. The invitation link is public: its token is the
// credential, and its routes are limited per source address.
func (s *Server) settingsAdminRoutes() []route {
	admins := []string{auth.RoleAdmin}
	return []route{
		{"GET /settings/users", s.page(admins, s.usersPage), true},
		{"POST /settings/users/invite", s.page(admins, s.inviteUser), true},
		{"POST /settings/users/{id}/role", s.page(admins, s.changeRole), true},
		{"POST /settings/users/{id}/deactivate", s.page(admins, s.deactivateUser), true},
		{"POST /settings/users/{id}/reactivate", s.page(admins, s.reactivateUser), true},
		{"POST /settings/users/{id}/reinvite", s.page(admins, s.reinviteUser), true},

		{"GET /settings/tokens", s.page(admins, s.tokensPage), true},
		{"POST /settings/tokens", s.page(admins, s.createToken), true},
		{"POST /settings/tokens/{id}/revoke", s.page(admins, s.revokeToken), true},

		{"GET /settings/store", s.page(admins, s.storeSettingsPage), true},
		{"POST /settings/store", s.page(admins, s.saveStoreSettings), true},

		{"GET /settings/notifications", s.page(admins, s.notificationsPage), true},
		{"POST /settings/notifications/email", s.page(admins, s.saveEmailSettings), true},
		{"POST /settings/notifications/webhook", s.page(admins, s.saveWebhookSettings), true},
		{"POST /settings/notifications/email/test", s.page(admins, s.testEmail), true},
		{"POST /settings/notifications/webhook/test", s.page(admins, s.testWebhook), true},

		{"GET /settings/audit", s.page(admins, s.auditPage), true},

		{"GET /invite/{token}", s.limitSource("invite", 1, 20, s.handle(s.invitePage)), true},
		{"POST /invite/{token}", s.limitSource("invite accept", 0.2, 10, s.handle(s.acceptInvite)), true},
	}
}
