package web

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/reviewday"
	"quietdesk/internal/store"
)

// The customer API (docs/customers.md#the-api): search, profile, timeline,
// merges and share links, for desk tokens and agents.

// pathID reads a numeric path value; anything else names nothing.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.ENotFound, "there is no %s %q", what, r.PathValue(name))
	}
	return id, nil
}

func invalidField(message, field, reason string) error {
	return &domain.Error{Code: domain.EInvalid, Message: message, Fields: []domain.FieldError{{Field: field, Reason: reason}}}
}

// readOptionalJSON decodes a JSON object body into v, refusing unknown
// fields; an empty body leaves v as it is.
func readOptionalJSON(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return domain.Errorf(domain.EInvalid, "the body is not the JSON expected: %v", err)
	}
	return nil
}

// wholeNumber reads a JSON number that must be a whole number.
func wholeNumber(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

type customersResponse struct {
	Customers []desk.CustomerSummary `json:"customers"`
}

// apiSearchCustomers answers GET /api/v1/customers?q=.
func (s *Server) apiSearchCustomers(w http.ResponseWriter, r *http.Request) error {
	found, err := desk.SearchCustomers(r.Context(), s.db, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, customersResponse{found})
}

// apiCustomerProfile answers GET /api/v1/customers/{id}: the profile of
// the customer, or of the survivor it was merged into.
func (s *Server) apiCustomerProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	p, err := desk.Profile(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

type timelineResponse struct {
	CustomerID int64               `json:"customer_id"`
	Items      []desk.TimelineItem `json:"items"`
	// Next is the cursor of the next (older) page, null on the last.
	Next *string `json:"next"`
}

// timelineCursor reads ?before= and ?limit=.
func timelineCursor(r *http.Request) (desk.Cursor, error) {
	c := desk.Cursor{Before: r.URL.Query().Get("before")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return c, invalidField("bad page size", "limit", strconv.Quote(l)+" is not a whole number")
		}
		if n == 0 {
			return c, invalidField("bad page size", "limit", "0 is not between 1 and "+strconv.Itoa(desk.MaxTimelinePage))
		}
		c.Limit = n
	}
	return c, nil
}

// apiCustomerTimeline answers GET /api/v1/customers/{id}/timeline.
func (s *Server) apiCustomerTimeline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	cursor, err := timelineCursor(r)
	if err != nil {
		return err
	}
	page, err := desk.Timeline(r.Context(), s.db, id, cursor)
	if err != nil {
		return err
	}
	resp := timelineResponse{CustomerID: page.CustomerID, Items: page.Items}
	if resp.Items == nil {
		resp.Items = []desk.TimelineItem{}
	}
	if page.Next != "" {
		resp.Next = &page.Next
	}
	return writeJSON(w, http.StatusOK, resp)
}

// apiMergeCustomers answers POST /api/v1/customers/{id}/merge with
// {"customer_id": GONE}: GONE is merged into customer id.
func (s *Server) apiMergeCustomers(w http.ResponseWriter, r *http.Request) error {
	survivor, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	var body struct {
		CustomerID any `json:"customer_id"`
	}
	if err := readOptionalJSON(r, &body); err != nil {
		return err
	}
	gone, ok := wholeNumber(body.CustomerID)
	if !ok || gone <= 0 {
		return invalidField("the customers cannot be merged", "customer_id", "is required: the id of the customer to merge into this one")
	}
	var m desk.CustomerMerge
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		m, err = desk.MergeCustomers(r.Context(), tx, survivor, gone, actorOf(r).UserID, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// apiUndoMerge answers POST /api/v1/customer_merges/{id}/undo.
func (s *Server) apiUndoMerge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "merge")
	if err != nil {
		return err
	}
	var m desk.CustomerMerge
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		m, err = desk.UnmergeCustomers(r.Context(), tx, id, actorOf(r).UserID, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

type shareLinkResponse struct {
	ID         int64     `json:"id"`
	CustomerID int64     `json:"customer_id"`
	URL        string    `json:"url"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// shareDays reads how many days a new link lives: 1 to 30, 7 when not
// said.
func shareDays(v any, given bool) (time.Duration, error) {
	if !given {
		return desk.DefaultShareTTL, nil
	}
	days, ok := wholeNumber(v)
	if max := int64(desk.MaxShareTTL / (24 * time.Hour)); !ok || days < 1 || days > max {
		return 0, invalidField("bad share link", "days", "must be a whole number of days from 1 to "+strconv.FormatInt(max, 10))
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// createShareLink makes a link to a customer and returns it with the
// address to hand out, which carries the token and is shown only now.
func (s *Server) createShareLink(r *http.Request, customerID int64, ttl time.Duration) (shareLinkResponse, error) {
	var token string
	var link desk.ShareLink
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		token, link, err = desk.CreateShareLink(r.Context(), tx, customerID, actorOf(r).UserID, ttl, s.Now())
		return err
	})
	if err != nil {
		return shareLinkResponse{}, err
	}
	base, err := s.siteURL(r)
	if err != nil {
		return shareLinkResponse{}, err
	}
	return shareLinkResponse{ID: link.ID, CustomerID: link.CustomerID, URL: base + "/share/" + token, ExpiresAt: link.ExpiresAt.UTC()}, nil
}

// siteURL is where people reach this server: the site.url setting, else
// the address this request was sent to.
func (s *Server) siteURL(r *http.Request) (string, error) {
	base, err := s.db.Setting(r.Context(), reviewday.SiteURLSetting)
	if err != nil {
		return "", err
	}
	if base != "" {
		return strings.TrimRight(base, "/"), nil
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host, nil
}

// apiCreateShareLink answers POST /api/v1/customers/{id}/share_links
// with {"days": 7} (optional).
func (s *Server) apiCreateShareLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	var body map[string]any
	if err := readOptionalJSON(r, &body); err != nil {
		return err
	}
	for k := range body {
		if k != "days" {
			return invalidField("bad share link", k, "is not a field of a share link (days is)")
		}
	}
	days, given := body["days"]
	ttl, err := shareDays(days, given)
	if err != nil {
		return err
	}
	link, err := s.createShareLink(r, id, ttl)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, link)
}

// apiRevokeShareLink answers DELETE /api/v1/share_links/{id}.
func (s *Server) apiRevokeShareLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "share link")
	if err != nil {
		return err
	}
	var link desk.ShareLink
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		link, err = desk.RevokeShareLink(r.Context(), tx, id, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, link)
}
