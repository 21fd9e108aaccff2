package web

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
)

// The page a share link opens (docs/customers.md#share-links): one
// customer's profile and timeline, read-only, for whoever holds the link.
// It is a document of its own, not drawn in the layout: no navigation, no
// link to any other customer or to the desk, no form. Search engines and
// caches are told to keep out, and the link is not passed on as a
// referrer to any address the page might lead to.

// sharedHeaders are the headers of every answer to a share link, found or
// not.
func sharedHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Cache-Control", "no-store")
}

// sharedCustomerPage answers GET /share/{token}?before=CURSOR.
func (s *Server) sharedCustomerPage(w http.ResponseWriter, r *http.Request) error {
	sharedHeaders(w)
	infoOf(r).page = true
	token := r.PathValue("token")
	link, err := desk.OpenShareLink(r.Context(), s.db, token, s.Now())
	if domain.ErrorCode(err) == domain.ENotFound {
		return s.renderShared(w, http.StatusNotFound, "shared-error", err.Error())
	}
	if err != nil {
		return err
	}
	p, err := desk.Profile(r.Context(), s.db, link.CustomerID)
	if err != nil {
		return err
	}
	cursor, err := timelineCursor(r)
	var tl desk.TimelinePage
	if err == nil {
		tl, err = desk.Timeline(r.Context(), s.db, p.ID, cursor)
	}
	if domain.ErrorCode(err) == domain.EInvalid {
		return s.renderShared(w, http.StatusBadRequest, "shared-error", "This address is not one this page links to: open the link as it was given.")
	}
	if err != nil {
		return err
	}
	d, err := s.customerData(r, p, tl, "/share/"+token, false)
	if err != nil {
		return err
	}
	// What only the brand's people see stays off the page: agents' notes
	// and actions, and merges, which name other customers' ids.
	d.Profile.MergeViews, d.Profile.MergedIDs = nil, nil
	d.Timeline.Items = slices.DeleteFunc(d.Timeline.Items, func(it itemView) bool { return it.Event != nil })
	return s.renderShared(w, http.StatusOK, "shared-document", struct {
		customerPageData
		Expires string
	}{d, d.format.when(link.ExpiresAt)})
}

// renderShared draws one of customer.html's standalone documents.
func (s *Server) renderShared(w http.ResponseWriter, status int, root string, data any) error {
	t, ok := s.pages.pages["customer"]
	if !ok {
		return fmt.Errorf("no page template customer")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, data); err != nil {
		return fmt.Errorf("draw %s: %w", root, err)
	}
	if trackTemplates {
		markExecutedFrom(t, root)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}
