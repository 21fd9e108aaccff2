package shopify

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// The kinds of shopify_objects (migration 018).
const (
	kindOrder       = "order"
	kindFulfillment = "fulfillment"
	kindRefund      = "refund"
	kindCustomer    = "customer"
)

// Outcome is what one webhook delivery or one imported order did.
type Outcome struct {
	Topic string `json:"topic,omitempty"`
	// Duplicate: the webhook id was seen before; nothing was done.
	Duplicate bool `json:"duplicate,omitempty"`
	// Ignored says why nothing was done: a topic Quietdesk does not take,
	// or an update older than the one already kept.
	Ignored string `json:"ignored,omitempty"`
	// Waiting: a fulfilment or refund whose order has not arrived yet. It
	// is kept, and applied when the order comes.
	Waiting bool   `json:"waiting_for_order,omitempty"`
	OrderID string `json:"order_id,omitempty"`
	store.Counts
}

// Older is the Ignored reason of an update older than the one kept.
const Older = "older than the version already stored"

// keep stores the newest version of a Shopify object and reports whether
// this one is it: an update older than the stored one is not kept (the
// same time is: a repeat maps to the same rows, which changes nothing).
func keep(ctx context.Context, tx *store.Tx, kind, shopifyID, orderID string, updated time.Time, body []byte) (bool, error) {
	var have int64
	err := tx.QueryRow(ctx, `SELECT updated_at FROM shopify_objects WHERE kind = ? AND shopify_id = ?`, kind, shopifyID).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.Exec(ctx, `INSERT INTO shopify_objects (kind, shopify_id, order_id, updated_at, body) VALUES (?, ?, ?, ?, ?)`,
			kind, shopifyID, orderID, updated.Unix(), string(body))
		return err == nil, err
	case err != nil:
		return false, err
	case updated.Unix() < have:
		return false, nil
	}
	_, err = tx.Exec(ctx, `UPDATE shopify_objects SET order_id = ?, updated_at = ?, body = ? WHERE kind = ? AND shopify_id = ?`,
		orderID, updated.Unix(), string(body), kind, shopifyID)
	return err == nil, err
}

// decode reads one JSON object into v, refusing a body that is not one
// with an error that names the field at fault.
func decode(what string, raw []byte, v any) error {
	err := json.NewDecoder(bytes.NewReader(raw)).Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return domain.Errorf(domain.EInvalid, "the %s must be a JSON object, not a JSON %s", what, te.Value)
	case errors.As(err, &te):
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("the %s JSON does not read as Shopify's", what),
			Fields: []domain.FieldError{{Field: te.Field, Reason: fmt.Sprintf("is a JSON %s where Shopify sends %s", te.Value, jsonKind(te.Type))}}}
	case errors.As(err, &se):
		return domain.Errorf(domain.EInvalid, "the %s is not valid JSON: %v (at byte %d)", what, se, se.Offset)
	}
	return domain.Errorf(domain.EInvalid, "the %s is not valid JSON: %v", what, err)
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	}
	return "an object"
}

// invalid turns an object's problems into the error a client can act on.
func invalid(what string, p domain.Problems) error {
	return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("the %s cannot be stored; nothing was changed", what), Fields: p}
}

// updatedAt is the time that orders versions of an object: its
// updated_at, else its created_at.
func updatedAt(field string, updated, created string) (time.Time, error) {
	r := &reader{}
	s, f := updated, field+"updated_at"
	if s == "" {
		s, f = created, field+"created_at"
	}
	t := r.time(f, s, true)
	if t == nil {
		return time.Time{}, invalid("Shopify object", r.problems)
	}
	return *t, nil
}

// putOrder keeps a Shopify order and, when it is the newest version, maps
// it (with the fulfilments and refunds kept beside it) onto the store.
func putOrder(ctx context.Context, tx *store.Tx, env *ingest.Env, raw []byte) (Outcome, error) {
	var o order
	if err := decode("order", raw, &o); err != nil {
		return Outcome{}, err
	}
	r := &reader{}
	oid := r.id("id", o.ID)
	if len(r.problems) > 0 {
		return Outcome{}, invalid("order", r.problems)
	}
	at, err := updatedAt("", o.UpdatedAt, o.CreatedAt)
	if err != nil {
		return Outcome{OrderID: oid}, err
	}
	// Check the order before keeping it, so a bad one keeps nothing.
	if _, p := o.mapOrder(nil, nil); len(p) > 0 {
		return Outcome{OrderID: oid}, invalid("order "+oid, p)
	}
	kept, err := keep(ctx, tx, kindOrder, oid, oid, at, compact(raw))
	if err != nil || !kept {
		return Outcome{OrderID: oid, Ignored: ignoredIf(!kept)}, err
	}
	return applyOrder(ctx, tx, env, oid)
}

func ignoredIf(b bool) string {
	if b {
		return Older
	}
	return ""
}

// applyOrder maps the kept order oid, with its kept fulfilments and
// refunds, and writes it through the store's order, event and return
// writers. An order not kept yet waits.
func applyOrder(ctx context.Context, tx *store.Tx, env *ingest.Env, oid string) (Outcome, error) {
	out := Outcome{OrderID: oid}
	var o order
	var fs []fulfillment
	var rs []refund
	rows, err := tx.Query(ctx, `SELECT kind, body FROM shopify_objects WHERE order_id = ? AND kind IN (?, ?, ?)`, oid, kindOrder, kindFulfillment, kindRefund)
	if err != nil {
		return out, err
	}
	found := false
	for rows.Next() {
		var kind, body string
		if err := rows.Scan(&kind, &body); err != nil {
			rows.Close()
			return out, err
		}
		switch kind {
		case kindOrder:
			found = true
			err = decode("order", []byte(body), &o)
		case kindFulfillment:
			var f fulfillment
			err = decode("fulfillment", []byte(body), &f)
			fs = append(fs, f)
		case kindRefund:
			var rf refund
			err = decode("refund", []byte(body), &rf)
			rs = append(rs, rf)
		}
		if err != nil {
			rows.Close()
			return out, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if !found {
		out.Waiting = true
		return out, nil
	}
	m, p := o.mapOrder(fs, rs)
	if len(p) > 0 {
		return out, invalid("order "+oid, p)
	}
	c, err := ingest.Orders.Write(ctx, tx, env, []any{&m.Order})
	if err != nil {
		return out, err
	}
	out.Counts.Add(c)
	if len(m.Events) > 0 {
		tx.AfterCommit(proactive.Wake)
		c, err := commerce.AddFulfillmentEvents(ctx, tx, m.Events)
		if err != nil {
			return out, err
		}
		out.Counts.Add(c)
	}
	if m.Return != nil {
		c, err := commerce.UpsertReturns(ctx, tx, []commerce.Return{*m.Return})
		if err != nil {
			return out, err
		}
		out.Counts.Add(c)
	}
	return out, nil
}

// putFulfillment keeps a fulfilment sent on its own and maps its order
// again.
func putFulfillment(ctx context.Context, tx *store.Tx, env *ingest.Env, raw []byte) (Outcome, error) {
	var f fulfillment
	if err := decode("fulfillment", raw, &f); err != nil {
		return Outcome{}, err
	}
	r := &reader{}
	fid, oid := r.id("id", f.ID), r.id("order_id", f.OrderID)
	r.time("created_at", f.CreatedAt, true)
	if len(r.problems) > 0 {
		return Outcome{OrderID: oid}, invalid("fulfillment", r.problems)
	}
	at, err := updatedAt("", f.UpdatedAt, f.CreatedAt)
	if err != nil {
		return Outcome{OrderID: oid}, err
	}
	kept, err := keep(ctx, tx, kindFulfillment, fid, oid, at, compact(raw))
	if err != nil || !kept {
		return Outcome{OrderID: oid, Ignored: ignoredIf(!kept)}, err
	}
	return applyOrder(ctx, tx, env, oid)
}

// putRefund keeps a refund and maps its order again.
func putRefund(ctx context.Context, tx *store.Tx, env *ingest.Env, raw []byte) (Outcome, error) {
	var rf refund
	if err := decode("refund", raw, &rf); err != nil {
		return Outcome{}, err
	}
	r := &reader{}
	rid, oid := r.id("id", rf.ID), r.id("order_id", rf.OrderID)
	at := r.time("created_at", rf.CreatedAt, true)
	// Check its amounts now: a refund kept while it waits for its order
	// must not later stop that order from being stored.
	check := &reader{}
	refundsReturn(oid, []refund{rf}, check)
	for _, p := range check.problems {
		if p.Field != "refunds[0].created_at" { // reported above
			p.Field = strings.TrimPrefix(p.Field, "refunds[0].")
			r.problems = append(r.problems, p)
		}
	}
	if len(r.problems) > 0 {
		return Outcome{OrderID: oid}, invalid("refund", r.problems)
	}
	kept, err := keep(ctx, tx, kindRefund, rid, oid, *at, compact(raw))
	if err != nil || !kept {
		return Outcome{OrderID: oid, Ignored: ignoredIf(!kept)}, err
	}
	return applyOrder(ctx, tx, env, oid)
}

// putCustomer records who a Shopify customer is: their id, email and
// phone become identities of one Quietdesk customer (merging customers
// they prove are one person).
func putCustomer(ctx context.Context, tx *store.Tx, env *ingest.Env, raw []byte) (Outcome, error) {
	var c customer
	if err := decode("customer", raw, &c); err != nil {
		return Outcome{}, err
	}
	r := &reader{}
	cid := r.id("id", c.ID)
	if len(r.problems) > 0 {
		return Outcome{}, invalid("customer", r.problems)
	}
	at, err := updatedAt("", c.UpdatedAt, "")
	if err != nil {
		return Outcome{}, err
	}
	kept, err := keep(ctx, tx, kindCustomer, cid, "", at, compact(raw))
	if err != nil || !kept {
		return Outcome{Ignored: ignoredIf(!kept)}, err
	}
	_, err = env.Customers.Resolve(ctx, tx, commerce.CustomerRef{ExternalID: cid, System: System,
		Email: commerce.NormalizeEmail(c.Email), Phone: c.Phone, Name: c.name()})
	return Outcome{}, err
}

// compact stores a body without its indentation.
func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
