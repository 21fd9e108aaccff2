package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The customer pages: search, and one page per customer with the
// timeline and the profile beside it (docs/customers.md). Everything a
// customer wrote is drawn by html/template, escaped; message bodies are
// shown as text, never as the HTML they may have come in.

// customerPageData is what customer.html draws, for an agent (Links) or
// for a share link's visitor (no links, no forms).
type customerPageData struct {
	Links    bool
	Profile  profileView
	Timeline timelineView
	CSRF     string
	// Requested is the id asked for when it was merged into this one.
	Requested int64
	// MergeForm and Errors keep what was typed in the merge and share
	// forms, and what was wrong with it, by field (customer, days).
	MergeForm map[string]string
	Errors    map[string]string
	// Confirm is a merge waiting for the agent's confirmation.
	Confirm *mergeConfirm
	// NewLink is a share link just made: its address is shown only now.
	NewLink        *shareLinkResponse
	NewLinkExpires string
	ShareLinks     []shareLinkView

	format customerFormat
}

type mergeConfirm struct {
	Gone     profileView
	Survivor int64
}

type profileView struct {
	desk.CustomerProfile
	// Formatted for people, in the store's time zone.
	Since, FirstOrder, LastOrder, CPOText string
	External                              []externalIDs
	MergeViews                            []mergeView
}

type externalIDs struct {
	System string
	Values []string
}

type mergeView struct {
	desk.CustomerMerge
	When, Undone string
}

type shareLinkView struct {
	desk.ShareLink
	Created, Expires string
}

type timelineView struct {
	Items []itemView
	// Older is the next page's address, "" on the last page; Newest the
	// first page's, "" on it.
	Older, Newest string
}

// itemView is a timeline item as the page shows it.
type itemView struct {
	desk.TimelineItem
	When, ISO string
	Title     string
	// OrderName is the order the item is about; OrderURL shows it (an
	// agent's page only).
	OrderName  string
	OrderURL   string
	Confidence string
	Promised   string
	Delivered  string
}

// customerFormat formats times and amounts for one page.
type customerFormat struct {
	loc *time.Location
}

func (f customerFormat) when(t time.Time) string { return t.In(f.loc).Format("2 Jan 2006 15:04") }

func (f customerFormat) whenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return f.when(*t)
}

// page is the customer page of profile p with timeline page tl; base is
// the address of this view (the customer's page or the share link's), to
// which the paging links add ?before=.
func (s *Server) customerData(r *http.Request, p desk.CustomerProfile, tl desk.TimelinePage, base string, links bool) (customerPageData, error) {
	loc, err := store.TimeZone(r.Context(), s.db)
	if err != nil {
		return customerPageData{}, err
	}
	f := customerFormat{loc}
	d := customerPageData{Links: links, Profile: f.profile(p), MergeForm: map[string]string{}, Errors: map[string]string{}, format: f}
	for _, it := range tl.Items {
		d.Timeline.Items = append(d.Timeline.Items, f.item(it, links, tl.CustomerID))
	}
	if tl.Next != "" {
		d.Timeline.Older = base + "?before=" + url.QueryEscape(tl.Next)
	}
	if r.URL.Query().Get("before") != "" {
		d.Timeline.Newest = base
	}
	return d, nil
}

func (f customerFormat) profile(p desk.CustomerProfile) profileView {
	v := profileView{CustomerProfile: p, Since: f.when(p.CreatedAt), FirstOrder: f.whenPtr(p.Orders.First), LastOrder: f.whenPtr(p.Orders.Last), CPOText: "–"}
	if p.CPO != nil {
		v.CPOText = strconv.FormatFloat(*p.CPO, 'f', 2, 64)
	}
	systems := make([]string, 0, len(p.ExternalIDs))
	for sys := range p.ExternalIDs {
		systems = append(systems, sys)
	}
	slices.Sort(systems)
	for _, sys := range systems {
		v.External = append(v.External, externalIDs{sys, p.ExternalIDs[sys]})
	}
	for _, m := range p.Merges {
		mv := mergeView{CustomerMerge: m, When: f.when(m.At)}
		if m.UndoneAt != nil {
			mv.Undone = f.when(*m.UndoneAt)
		}
		v.MergeViews = append(v.MergeViews, mv)
	}
	return v
}

var channelNames = map[string]string{"email": "Email", "chat": "Chat", "voice": "Call", "sms": "SMS", "social": "Social message", "other": "Message"}

func channelName(c string) string {
	if n, ok := channelNames[c]; ok {
		return n
	}
	return "Message"
}

var eventTitles = map[string]string{"assign": "Assigned", "state": "State changed", "snooze": "Snoozed", "tag": "Tagged", "topic": "Topic corrected"}

func (f customerFormat) item(it desk.TimelineItem, links bool, customer int64) itemView {
	v := itemView{TimelineItem: it, When: f.when(it.At), ISO: it.At.UTC().Format(time.RFC3339)}
	var order *desk.OrderRef
	switch {
	case it.Message != nil:
		m := it.Message
		switch {
		case it.Type == desk.ItemNotice:
			v.Title = "Proactive notice · " + strings.ToLower(channelName(m.Channel))
		case m.Direction == "in":
			v.Title = channelName(m.Channel) + " from the customer"
		case m.Agent != "":
			v.Title = channelName(m.Channel) + " reply by " + m.Agent
		default:
			v.Title = channelName(m.Channel) + " from the brand"
		}
		if m.Kind != "" && m.Kind != desk.KindMessage {
			v.Title += " (" + strings.ReplaceAll(m.Kind, "_", "-") + ")"
		}
	case it.Contact != nil:
		c := it.Contact
		v.Title = "Contact · " + strings.ToLower(channelName(c.Channel))
		if c.TopicConfidence != nil {
			v.Confidence = strconv.Itoa(int(*c.TopicConfidence*100+0.5)) + "%"
		}
		order = c.Order
	case it.Order != nil:
		v.Title = "Order " + it.Order.Name + " placed"
		v.Promised, v.Delivered = f.whenPtr(it.Order.PromisedAt), f.whenPtr(it.Order.DeliveredAt)
	case it.Fulfillment != nil:
		v.Title = "Order " + it.Fulfillment.Order.Name + " " + it.Fulfillment.Kind
		order = &it.Fulfillment.Order
	case it.Return != nil:
		v.Title = "Return of order " + it.Return.Order.Name
		order = &it.Return.Order
	case it.SelfService != nil:
		ss := it.SelfService
		v.Title = "Self-service"
		if ss.Kind != "" {
			v.Title += " · " + strings.ReplaceAll(ss.Kind, "_", " ")
		}
		v.Title += " (" + ss.Outcome + ")"
		order = ss.Order
	case it.Event != nil:
		e := it.Event
		switch it.Type {
		case desk.ItemNote:
			v.Title = "Note"
		case desk.ItemMerge:
			v.Title = "Customers merged"
			if e.Kind == desk.EventUnmerge {
				v.Title = "Merge undone"
			}
		default:
			v.Title = eventTitles[e.Kind]
			if v.Title == "" {
				v.Title = strings.ToUpper(e.Kind[:1]) + e.Kind[1:]
			}
		}
		if e.Actor != "" {
			v.Title += " by " + e.Actor
		}
	}
	if order != nil {
		v.OrderName = order.Name
	}
	if links && order != nil {
		v.OrderURL = fmt.Sprintf("/customers/%d?before=%s#order-%d", customer, url.QueryEscape(desk.OrderCursor(*order)), order.ID)
	}
	return v
}

// customerPage answers GET /customers/{id}?before=CURSOR.
func (s *Server) customerPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	d, err := s.agentCustomerData(r, sess, id)
	if err != nil {
		return err
	}
	return s.renderCustomer(w, http.StatusOK, sess, d)
}

// agentCustomerData is the agent's view of customer id: the profile, the
// page of the timeline asked for, and the live share links.
func (s *Server) agentCustomerData(r *http.Request, sess *auth.Session, id int64) (customerPageData, error) {
	cursor, err := timelineCursor(r)
	if err != nil {
		return customerPageData{}, err
	}
	p, err := desk.Profile(r.Context(), s.db, id)
	if err != nil {
		return customerPageData{}, err
	}
	tl, err := desk.Timeline(r.Context(), s.db, p.ID, cursor)
	if err != nil {
		return customerPageData{}, err
	}
	d, err := s.customerData(r, p, tl, fmt.Sprintf("/customers/%d", p.ID), true)
	if err != nil {
		return d, err
	}
	d.CSRF = sess.CSRF
	if id != p.ID {
		d.Requested = id
	}
	links, err := desk.ShareLinks(r.Context(), s.db, p.ID, s.Now())
	if err != nil {
		return d, err
	}
	for _, l := range links {
		d.ShareLinks = append(d.ShareLinks, shareLinkView{ShareLink: l, Created: d.format.when(l.CreatedAt), Expires: d.format.when(l.ExpiresAt)})
	}
	return d, nil
}

func (s *Server) renderCustomer(w http.ResponseWriter, status int, sess *auth.Session, d customerPageData) error {
	title := d.Profile.Name
	if title == "" {
		title = "Customer " + strconv.FormatInt(d.Profile.ID, 10)
	}
	return s.render(w, status, "customer", &view{Title: title, Session: sess, Nav: "customers", Data: d})
}

// customersPage answers GET /customers?q=: customers found by name,
// email, phone, order number or id.
func (s *Server) customersPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	q := r.URL.Query().Get("q")
	d := struct {
		Query   string
		Results []desk.CustomerSummary
		Error   string
	}{Query: q}
	found, err := desk.SearchCustomers(r.Context(), s.db, q)
	status := http.StatusOK
	switch {
	case domain.ErrorCode(err) == domain.EInvalid:
		d.Error, status = err.Error(), http.StatusBadRequest
	case err != nil:
		return err
	}
	d.Results = found
	return s.render(w, status, "customers", &view{Title: "Customers", Session: sess, Nav: "customers", Data: d})
}

// mergeCustomerForm answers POST /customers/{id}/merge. The first post
// names the customer to merge in (an id, an email address or a phone
// number) and comes back asking to confirm; the confirmation merges.
func (s *Server) mergeCustomerForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	survivor, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	typed := strings.TrimSpace(r.PostFormValue("customer"))
	d, err := s.agentCustomerData(r, sess, survivor)
	if err != nil {
		return err
	}
	d.MergeForm["customer"] = typed
	refuse := func(status int, field, reason string) error {
		d.Errors[field] = reason
		return s.renderCustomer(w, status, sess, d)
	}
	if r.PostFormValue("confirm") == "yes" {
		gone, err := strconv.ParseInt(r.PostFormValue("gone"), 10, 64)
		if err != nil {
			return refuse(http.StatusBadRequest, "customer", "the merge to confirm names no customer: start again")
		}
		err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
			_, err := desk.MergeCustomers(r.Context(), tx, d.Profile.ID, gone, sess.User.ID, s.Now())
			return err
		})
		if err != nil {
			return s.refuseMerge(w, sess, d, err)
		}
		http.Redirect(w, r, fmt.Sprintf("/customers/%d", d.Profile.ID), http.StatusSeeOther)
		return nil
	}
	if typed == "" {
		return refuse(http.StatusBadRequest, "customer", "name the customer to merge into this one: an id, an email address or a phone number")
	}
	gone, err := desk.FindCustomer(r.Context(), s.db, typed)
	if err != nil {
		return s.refuseMerge(w, sess, d, err)
	}
	if gone == d.Profile.ID {
		return refuse(http.StatusBadRequest, "customer", "is this customer already")
	}
	p, err := desk.Profile(r.Context(), s.db, gone)
	if err != nil {
		return err
	}
	d.Confirm = &mergeConfirm{Gone: d.format.profile(p), Survivor: d.Profile.ID}
	return s.renderCustomer(w, http.StatusOK, sess, d)
}

// refuseMerge shows why a merge cannot be done beside the merge form, or
// fails the request when the cause is not the form's.
func (s *Server) refuseMerge(w http.ResponseWriter, sess *auth.Session, d customerPageData, err error) error {
	code := domain.ErrorCode(err)
	if code != domain.EInvalid && code != domain.ENotFound {
		return err
	}
	reason := err.Error()
	if de, ok := err.(*domain.Error); ok && len(de.Fields) == 1 {
		reason = de.Fields[0].Reason
	}
	d.Errors["customer"] = reason
	return s.renderCustomer(w, statusOf(code), sess, d)
}

// undoMergeForm answers POST /customers/{id}/merges/{merge}/undo.
func (s *Server) undoMergeForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	customer, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	mergeID, err := pathID(r, "merge", "merge")
	if err != nil {
		return err
	}
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		_, err := desk.UnmergeCustomers(r.Context(), tx, mergeID, sess.User.ID, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/customers/%d", customer), http.StatusSeeOther)
	return nil
}

// createShareLinkForm answers POST /customers/{id}/share_links: the page
// comes back with the new link's address, shown this once.
func (s *Server) createShareLinkForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	days := strings.TrimSpace(r.PostFormValue("days"))
	ttl := desk.DefaultShareTTL
	if days != "" {
		var given any = days // not a number: refused as such
		if n, err := strconv.Atoi(days); err == nil {
			given = float64(n)
		}
		ttl, err = shareDays(given, true)
	}
	if err != nil {
		d, derr := s.agentCustomerData(r, sess, id)
		if derr != nil {
			return derr
		}
		d.MergeForm["days"] = days
		d.Errors["days"] = err.(*domain.Error).Fields[0].Reason
		return s.renderCustomer(w, http.StatusBadRequest, sess, d)
	}
	link, err := s.createShareLink(r, id, ttl)
	if err != nil {
		return err
	}
	d, err := s.agentCustomerData(r, sess, id)
	if err != nil {
		return err
	}
	d.NewLink, d.NewLinkExpires = &link, d.format.when(link.ExpiresAt)
	return s.renderCustomer(w, http.StatusOK, sess, d)
}

// revokeShareLinkForm answers POST /customers/{id}/share_links/{link}/revoke.
func (s *Server) revokeShareLinkForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	customer, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	linkID, err := pathID(r, "link", "share link")
	if err != nil {
		return err
	}
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		_, err := desk.RevokeShareLink(r.Context(), tx, linkID, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/customers/%d", customer), http.StatusSeeOther)
	return nil
}
