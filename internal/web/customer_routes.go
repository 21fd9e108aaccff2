package web

import "quietdesk/internal/auth"

// customerRoutes lists the routes of this part of the desk: a customer's
// timeline and profile, customer search, merges and share links
// (docs/customers.md). The API is for desk tokens and for agents and
// admins logged in; the pages are for agents and admins; a share link's
// page is for whoever holds the link.
func (s *Server) customerRoutes() []route {
	desk := auth.DeskRoles
	return []route{
		{"GET /api/v1/customers", s.deskAccess(s.handle(s.apiSearchCustomers)), false},
		{"GET /api/v1/customers/{id}", s.deskAccess(s.handle(s.apiCustomerProfile)), false},
		{"GET /api/v1/customers/{id}/timeline", s.deskAccess(s.handle(s.apiCustomerTimeline)), false},
		{"POST /api/v1/customers/{id}/merge", s.deskAccess(s.handle(s.apiMergeCustomers)), false},
		{"POST /api/v1/customer_merges/{id}/undo", s.deskAccess(s.handle(s.apiUndoMerge)), false},
		{"POST /api/v1/customers/{id}/share_links", s.deskAccess(s.handle(s.apiCreateShareLink)), false},
		{"DELETE /api/v1/share_links/{id}", s.deskAccess(s.handle(s.apiRevokeShareLink)), false},

		{"GET /customers", s.page(desk, s.customersPage), true},
		{"GET /customers/{id}", s.page(desk, s.customerPage), true},
		{"POST /customers/{id}/merge", s.page(desk, s.mergeCustomerForm), true},
		{"POST /customers/{id}/merges/{merge}/undo", s.page(desk, s.undoMergeForm), true},
		{"POST /customers/{id}/share_links", s.page(desk, s.createShareLinkForm), true},
		{"POST /customers/{id}/share_links/{link}/revoke", s.page(desk, s.revokeShareLinkForm), true},
		{"GET /share/{token}", s.handle(s.sharedCustomerPage), true},
	}
}
