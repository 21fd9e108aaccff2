package web

import "quietdesk/internal/auth"

// orderHelpRoutes lists order status and returns without a person: the public order lookup, one-time codes and return requests.
//
// None needs a login: an order is opened by its number and the email or
// phone on it, a signed link, or a one-time code (docs/order-help.md).
// Every route is limited per source address, and lookups also per order
// and per email or phone (package selfserve counts failures in its trail).
func (s *Server) orderHelpRoutes() []route {
	admins := []string{auth.RoleAdmin}
	return []route{
		{"GET /api/v1/orders/lookup", s.limitSource("order lookup", 0.5, 20, s.handle(s.apiOrderLookup)), false},
		{"GET /help/orders", s.orderPage("order page", 2, 30, s.helpOrdersForm), true},
		{"POST /help/orders", s.orderPage("order lookup form", 0.5, 10, s.helpOrdersLookup), true},
		{"GET /help/orders/view", s.orderPage("order link", 1, 30, s.helpOrderView), true},
		{"POST /help/orders/request", s.orderPage("order request", 0.5, 10, s.helpOrderRequest), true},
		{"POST /help/orders/escalate", s.orderPage("order escalation", 0.2, 10, s.helpOrderEscalate), true},
		{"POST /help/orders/code", s.orderPage("order code", 0.1, 5, s.helpOrderSendCode), true},
		{"POST /help/orders/code/verify", s.orderPage("order code check", 0.5, 10, s.helpOrderVerifyCode), true},
		{"GET /help/orders/mine", s.orderPage("my orders", 1, 30, s.helpMyOrders), true},
		{"GET /help/returns", s.orderPage("return policy", 2, 60, s.helpReturnPolicy), true},
		{"GET /settings/returns", s.page(admins, s.returnsPolicyPage), true},
		{"POST /settings/returns", s.page(admins, s.saveReturnsPolicy), true},
	}
}
