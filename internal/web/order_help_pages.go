package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
)

// The help centre's order pages (docs/order-help.md): a form to look an
// order up, the order's page (status, items, tracking, promised date, its
// returns, and forms to ask for a return or a cancellation), and what a
// request became. The order's page carries a short-lived signed token in
// its forms: it is what proves the order to the next request, so nothing
// is kept on the server between pages.

// orderFormLifetime is how long an order page's forms stay valid.
const orderFormLifetime = time.Hour

// orderPage wraps an order page: drawn as a page, limited per source
// address, never cached, indexed or passed on as a referrer (order pages
// show a customer's order), and forms only from this site.
func (s *Server) orderPage(class string, perSecond float64, burst int, h handlerFunc) http.Handler {
	inner := s.limitSource(class, perSecond, burst, s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodPost {
			if err := s.crossOrigin.Check(r); err != nil {
				return domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused")
			}
		}
		return h(privateHeaders{w}, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r).page = true
		inner.ServeHTTP(w, r)
	})
}

// privateHeaders sets, as the answer starts, the headers of a page that
// shows a customer's order: whatever the help centre's drawing set, it is
// not cached, not indexed and its address (a signed link) is not passed
// on as a referrer.
type privateHeaders struct{ http.ResponseWriter }

func (p privateHeaders) WriteHeader(status int) {
	h := p.Header()
	if h.Get("Cache-Control") != "public, max-age=300" { // the public policy page
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
	}
	h.Set("Referrer-Policy", "no-referrer")
	p.ResponseWriter.WriteHeader(status)
}

func (p privateHeaders) Write(b []byte) (int, error) { return p.ResponseWriter.Write(b) }

// lookupPage fills the lookup form.
type lookupPage struct {
	Session string
	Order   string // as typed
	Contact string // the email or phone as typed
	Error   string // the one not-found message, a limit, or a missing field
}

// orderPageData fills an order's page.
type orderPageData struct {
	Session string
	Token   string // proves the order to the page's forms
	Order   custOrderView
	Policy  custPolicyView
	// Outcome is the request just sent or escalated.
	Outcome *custRequestView
	Error   string // what was wrong with the form sent
	// Mine links back to all the customer's orders when a code opened them.
	Mine bool
}

type custOrderView struct {
	Name, Status, StatusLabel, PlacedAt string
	PromisedDate                        string
	Items                               []custItemView
	Shipments                           []custShipmentView
	ShopReturns                         []string // dates
	Requests                            []custRequestView
	CanReturn, CanCancel                bool
}

type custItemView struct {
	Key, SKU, Title string
	Quantity        int64
	Choices         []int64 // 0…Quantity
}

type custShipmentView struct {
	Carrier, TrackingNumber, TrackingURL, ShippedAt, DeliveredAt string
}

type custRequestView struct {
	ID                  int64
	Kind, Status, Label string
	At                  string
	RefusalText, Reason string
	Lines               []string
	CanEscalate         bool
}

type custPolicyView struct {
	WindowDays                  int
	Condition, Excluded, PaidBy string
	CancelAllowed               bool
}

var statusLabels = map[string]string{
	selfserve.StatusPlaced: "Placed: not shipped yet", selfserve.StatusShipped: "Shipped: on its way", selfserve.StatusDelayed: "Delayed",
	selfserve.StatusDeliveryProblem: "Delivery problem", selfserve.StatusDelivered: "Delivered", selfserve.StatusReturned: "Returned",
	selfserve.StatusCancelled: "Cancelled",
}

var requestLabels = map[string]string{
	selfserve.RequestRequested: "Requested: the shop will confirm it", selfserve.RequestConfirmed: "Confirmed by the shop",
	selfserve.RequestRefused: "Refused", selfserve.RequestEscalated: "Passed to a person: we will answer by email",
}

func helpDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

func newCustOrderView(o *selfserve.Order, reqs []selfserve.Request) custOrderView {
	v := custOrderView{Name: o.Name, Status: o.Status, StatusLabel: statusLabels[o.Status], PlacedAt: helpDate(o.PlacedAt)}
	if o.PromisedDate != nil {
		if d, err := time.Parse(time.DateOnly, *o.PromisedDate); err == nil {
			v.PromisedDate = helpDate(d)
		}
	}
	for _, it := range o.Items {
		iv := custItemView{Key: it.Key, SKU: it.SKU, Title: it.Title, Quantity: it.Quantity}
		for q := int64(0); q <= it.Quantity && q <= 20; q++ {
			iv.Choices = append(iv.Choices, q)
		}
		v.Items = append(v.Items, iv)
	}
	for _, sh := range o.Shipments {
		sv := custShipmentView{Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, TrackingURL: sh.TrackingURL}
		if sh.ShippedAt != nil {
			sv.ShippedAt = helpDate(*sh.ShippedAt)
		}
		if sh.DeliveredAt != nil {
			sv.DeliveredAt = helpDate(*sh.DeliveredAt)
		}
		v.Shipments = append(v.Shipments, sv)
	}
	for _, r := range o.Returns {
		if r.ID == 0 {
			v.ShopReturns = append(v.ShopReturns, helpDate(r.At))
		}
	}
	for _, r := range reqs {
		v.Requests = append(v.Requests, newCustRequestView(r))
	}
	v.CanReturn = o.Status != selfserve.StatusCancelled && len(o.Items) > 0
	v.CanCancel = o.Status == selfserve.StatusPlaced
	return v
}

func newCustRequestView(r selfserve.Request) custRequestView {
	v := custRequestView{ID: r.ID, Kind: r.Kind, Status: r.Status, Label: requestLabels[r.Status], At: helpDate(r.CreatedAt),
		RefusalText: r.RefusalText, Reason: r.Reason, CanEscalate: r.Status == selfserve.RequestRefused}
	for _, l := range r.Lines {
		v.Lines = append(v.Lines, strconv.FormatInt(l.Quantity, 10)+" × "+l.Title)
	}
	return v
}

func newCustPolicyView(p selfserve.Policy) custPolicyView {
	paid := "you"
	if p.ShippingPaidBy == selfserve.PaidByBrand {
		paid = "us"
	}
	return custPolicyView{WindowDays: p.WindowDays, Condition: p.Condition, Excluded: p.ExcludedText(), PaidBy: paid, CancelAllowed: p.CancelAllowed}
}

// helpOrdersForm answers GET /help/orders: the lookup form.
func (s *Server) helpOrdersForm(w http.ResponseWriter, r *http.Request) error {
	return s.drawLookup(w, r, http.StatusOK, lookupPage{Session: sessionOr(r.URL.Query().Get("session"))})
}

func (s *Server) drawLookup(w http.ResponseWriter, r *http.Request, status int, d lookupPage) error {
	return s.renderHelp(w, r, status, "orders", &helpView{Title: "Track an order", Nav: "orders", Data: d})
}

// helpOrdersLookup answers POST /help/orders: the order's page when the
// number and the email or phone match, else the form again with the one
// not-found message (404), or 429 while a limit holds.
func (s *Server) helpOrdersLookup(w http.ResponseWriter, r *http.Request) error {
	d := lookupPage{Session: sessionOr(r.PostFormValue("session")), Order: r.PostFormValue("order"), Contact: strings.TrimSpace(r.PostFormValue("contact"))}
	addr := selfserve.EmailAddress(d.Contact)
	if !strings.Contains(d.Contact, "@") {
		addr = selfserve.PhoneAddress(d.Contact)
	}
	o, err := selfserve.Lookup(r.Context(), s.db, selfserve.LookupInput{Order: d.Order, Address: addr, Source: s.clientIP(r), Session: d.Session}, s.Now())
	var limited *selfserve.LimitedError
	switch {
	case errors.As(err, &limited):
		lookupError(w, err)
		d.Error = "Too many lookups that did not match. Try again in " + minutes(limited.RetryAfter) + "."
		return s.drawLookup(w, r, http.StatusTooManyRequests, d)
	case selfserve.IsNotFound(err), domain.ErrorCode(err) == domain.EInvalid:
		d.Error = selfserve.NotFoundMessage
		status := http.StatusNotFound
		if domain.ErrorCode(err) == domain.EInvalid {
			d.Error, status = "Give the order number and the email address or phone number on the order.", http.StatusBadRequest
		}
		return s.drawLookup(w, r, status, d)
	case err != nil:
		return err
	}
	return s.drawOrder(w, r, http.StatusOK, o, selfserve.Claims{Order: o.Name, Address: addr}, d.Session, nil, "")
}

// drawOrder draws an order's page, with a fresh token for its forms.
func (s *Server) drawOrder(w http.ResponseWriter, r *http.Request, status int, o *selfserve.Order, c selfserve.Claims, session string, outcome *custRequestView, formError string) error {
	var token string
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		secret, err := selfserve.Secret(r.Context(), tx)
		token = selfserve.SignOrder(secret, o.Name, c.Address, s.Now().Add(orderFormLifetime))
		return err
	})
	if err != nil {
		return err
	}
	reqs, err := selfserve.OrderRequests(r.Context(), s.db, o)
	if err != nil {
		return err
	}
	policy, err := selfserve.LoadPolicy(r.Context(), s.db)
	if err != nil {
		return err
	}
	_, mineErr := s.customerCookie(r)
	d := orderPageData{Session: session, Token: token, Order: newCustOrderView(o, reqs), Policy: newCustPolicyView(policy), Outcome: outcome, Error: formError, Mine: mineErr == nil}
	return s.renderHelp(w, r, status, "orders_view", &helpView{Title: "Order " + o.Name, Nav: "orders", Data: d})
}

// helpOrderView answers GET /help/orders/view?t=TOKEN: the order a signed
// link names (from a notice, or from the list a code opened). A forged or
// expired link gets the lookup form with the one not-found message. Like
// the lookup API, it writes the trail row and the session's event.
func (s *Server) helpOrderView(w http.ResponseWriter, r *http.Request) error {
	session := sessionOr(r.URL.Query().Get("session"))
	o, c, err := selfserve.ViewLink(r.Context(), s.db, r.URL.Query().Get("t"), s.clientIP(r), session, s.Now())
	if selfserve.IsNotFound(err) {
		return s.drawLookup(w, r, http.StatusNotFound, lookupPage{Session: session, Error: selfserve.NotFoundMessage})
	}
	if err != nil {
		return err
	}
	return s.drawOrder(w, r, http.StatusOK, o, c, session, nil, "")
}

// orderClaims reads the token an order page's form carries; any fault is
// the one not-found answer.
func (s *Server) orderClaims(r *http.Request) (selfserve.Claims, *selfserve.Order, error) {
	secret, err := selfserve.ExistingSecret(r.Context(), s.db)
	if err != nil {
		return selfserve.Claims{}, nil, err
	}
	c, err := selfserve.VerifyOrder(secret, r.PostFormValue("t"), s.Now())
	if err != nil {
		return c, nil, err
	}
	o, err := selfserve.OrderFor(r.Context(), s.db, c)
	return c, o, err
}

// formNotFound answers a form whose token does not prove an order.
func (s *Server) formNotFound(w http.ResponseWriter, r *http.Request, err error) error {
	if selfserve.IsNotFound(err) {
		return s.drawLookup(w, r, http.StatusNotFound, lookupPage{Session: sessionOr(r.PostFormValue("session")),
			Error: "This page has expired or does not name an order of yours. Look your order up again."})
	}
	return err
}

// helpOrderRequest answers POST /help/orders/request: a return (qty_KEY
// fields, reason) or a cancel (kind=cancel) checked against the policy,
// and the order's page again with what it became.
func (s *Server) helpOrderRequest(w http.ResponseWriter, r *http.Request) error {
	c, o, err := s.orderClaims(r)
	if err != nil {
		return s.formNotFound(w, r, err)
	}
	session := sessionOr(r.PostFormValue("session"))
	in := selfserve.RequestInput{Kind: r.PostFormValue("kind"), Reason: r.PostFormValue("reason"), Session: session}
	for k, vs := range r.PostForm {
		key, ok := strings.CutPrefix(k, "qty_")
		if !ok || len(vs) == 0 || vs[0] == "" {
			continue
		}
		n, convErr := strconv.ParseInt(strings.TrimSpace(vs[0]), 10, 64)
		if convErr != nil {
			n = -1 // refused below, naming the line
		}
		in.Lines = append(in.Lines, selfserve.LineQuantity{Key: key, Quantity: n})
	}
	req, err := selfserve.Submit(r.Context(), s.db, c, in, s.Now())
	if domain.ErrorCode(err) == domain.EInvalid {
		msg := err.Error()
		if e, ok := err.(*domain.Error); ok && len(e.Fields) > 0 {
			msg = e.Fields[0].Field + ": " + e.Fields[0].Reason
		}
		return s.drawOrder(w, r, http.StatusBadRequest, o, c, session, nil, msg)
	}
	if err != nil {
		return s.formNotFound(w, r, err)
	}
	if o, err = selfserve.OrderFor(r.Context(), s.db, c); err != nil {
		return s.formNotFound(w, r, err)
	}
	v := newCustRequestView(req)
	return s.drawOrder(w, r, http.StatusOK, o, c, session, &v, "")
}

// helpOrderEscalate answers POST /help/orders/escalate: "Ask a person"
// for a request; it becomes a conversation, once.
func (s *Server) helpOrderEscalate(w http.ResponseWriter, r *http.Request) error {
	c, o, err := s.orderClaims(r)
	if err != nil {
		return s.formNotFound(w, r, err)
	}
	session := sessionOr(r.PostFormValue("session"))
	id, convErr := strconv.ParseInt(r.PostFormValue("request"), 10, 64)
	if convErr != nil {
		return s.drawOrder(w, r, http.StatusBadRequest, o, c, session, nil, "request: is not a request of this order")
	}
	req, err := selfserve.Escalate(r.Context(), s.db, c, id, session, s.Now())
	if domain.ErrorCode(err) == domain.ENotFound && !selfserve.IsNotFound(err) {
		return s.drawOrder(w, r, http.StatusNotFound, o, c, session, nil, "request: is not a request of this order")
	}
	if err != nil {
		return s.formNotFound(w, r, err)
	}
	v := newCustRequestView(req)
	return s.drawOrder(w, r, http.StatusOK, o, c, session, &v, "")
}

// helpReturnPolicy answers GET /help/returns: the policy as customers
// read it.
func (s *Server) helpReturnPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := selfserve.LoadPolicy(r.Context(), s.db)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return s.renderHelp(w, r, http.StatusOK, "returns", &helpView{Title: "Returns", Nav: "orders", Data: newCustPolicyView(p)})
}
