package web

import (
	"net/http"
	"net/url"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/selfserve"
)

// One-time codes (docs/order-help.md#one-time-codes): from an order's
// page, "See all my orders" sends a code to the address that opened it;
// the right code sets a signed cookie that opens all of that address's
// orders for a while.

// customerCookieName holds a customer token; its path keeps it to the
// order pages.
const customerCookieName = "qd_orders"

// codePage fills the code form.
type codePage struct {
	Session string
	Token   string // the order page's token: the address the code went to
	SentTo  string // masked
	Error   string
}

// myOrdersPage lists a customer's orders.
type myOrdersPage struct {
	Session string
	Orders  []myOrder
}

type myOrder struct {
	Name, StatusLabel, PlacedAt, Link string
	Items                             int64
}

// helpOrderSendCode answers POST /help/orders/code: a code to the address
// the order's page was opened with.
func (s *Server) helpOrderSendCode(w http.ResponseWriter, r *http.Request) error {
	c, o, err := s.orderClaims(r)
	if err != nil {
		return s.formNotFound(w, r, err)
	}
	session := sessionOr(r.PostFormValue("session"))
	site, err := s.helpSiteOf(r.Context())
	if err != nil {
		return err
	}
	sentTo, err := selfserve.SendCode(r.Context(), s.db, c.Address, site.Brand.Name, s.Now())
	if domain.ErrorCode(err) == domain.EConflict {
		return s.drawOrder(w, r, http.StatusConflict, o, c, session, nil, err.Error())
	}
	if err != nil {
		return err
	}
	return s.drawCode(w, r, http.StatusOK, codePage{Session: session, Token: r.PostFormValue("t"), SentTo: sentTo})
}

func (s *Server) drawCode(w http.ResponseWriter, r *http.Request, status int, d codePage) error {
	return s.renderHelp(w, r, status, "orders_code", &helpView{Title: "Enter your code", Nav: "orders", Data: d})
}

// helpOrderVerifyCode answers POST /help/orders/code/verify: the right
// code sets the cookie and shows all the orders; a wrong one says so.
func (s *Server) helpOrderVerifyCode(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.orderClaims(r)
	if err != nil {
		return s.formNotFound(w, r, err)
	}
	session := sessionOr(r.PostFormValue("session"))
	ok, why, err := selfserve.VerifyCode(r.Context(), s.db, c.Address, r.PostFormValue("code"), s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return s.drawCode(w, r, http.StatusUnprocessableEntity, codePage{Session: session, Token: r.PostFormValue("t"), SentTo: selfserve.Masked(c.Address), Error: why})
	}
	secret, err := selfserve.ExistingSecret(r.Context(), s.db)
	if err != nil {
		return err
	}
	expires := s.Now().Add(selfserve.CustomerLifetime)
	s.setCookie(w, r, customerCookieName, selfserve.SignCustomer(secret, c.Address, expires), "/help/orders", int(selfserve.CustomerLifetime.Seconds()))
	http.Redirect(w, r, "/help/orders/mine?session="+url.QueryEscape(session), http.StatusSeeOther)
	return nil
}

// customerCookie reads the customer token of the request.
func (s *Server) customerCookie(r *http.Request) (selfserve.Claims, error) {
	ck, err := r.Cookie(customerCookieName)
	if err != nil {
		return selfserve.Claims{}, domain.Errorf(domain.ENotFound, "%s", selfserve.NotFoundMessage)
	}
	secret, err := selfserve.ExistingSecret(r.Context(), s.db)
	if err != nil {
		return selfserve.Claims{}, err
	}
	return selfserve.VerifyCustomer(secret, ck.Value, s.Now())
}

// helpMyOrders answers GET /help/orders/mine: the orders of the address a
// code proved, each linking to its page. It only reads. Without a valid
// cookie it is the lookup form.
func (s *Server) helpMyOrders(w http.ResponseWriter, r *http.Request) error {
	session := sessionOr(r.URL.Query().Get("session"))
	c, err := s.customerCookie(r)
	if selfserve.IsNotFound(err) {
		return s.drawLookup(w, r, http.StatusNotFound, lookupPage{Session: session, Error: "Your code has expired: look an order up again to get a new one."})
	}
	if err != nil {
		return err
	}
	orders, err := selfserve.CustomerOrders(r.Context(), s.db, c.Address)
	if err != nil {
		return err
	}
	secret, err := selfserve.ExistingSecret(r.Context(), s.db)
	if err != nil {
		return err
	}
	d := myOrdersPage{Session: session}
	for _, o := range orders {
		var items int64
		for _, it := range o.Items {
			items += it.Quantity
		}
		link := strings.Replace(selfserve.SignLink(secret, o.Name, c.Address.Value, c.Expires), "?", "?session="+url.QueryEscape(session)+"&", 1)
		d.Orders = append(d.Orders, myOrder{Name: o.Name, StatusLabel: statusLabels[o.Status], PlacedAt: helpDate(o.PlacedAt), Items: items, Link: link})
	}
	return s.renderHelp(w, r, http.StatusOK, "orders_mine", &helpView{Title: "Your orders", Nav: "orders", Data: d})
}
