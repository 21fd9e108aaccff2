package ingest

import (
	"context"
	"quietdesk/internal/clock"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/actions"
	"quietdesk/internal/commerce"
	"quietdesk/internal/costs"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// Kind is one kind of record Quietdesk ingests (docs/import.md#generic-csv-formats): its columns,
// how a row becomes a record, and how a batch of records is written.
type Kind struct {
	Name     string
	Required []string
	Optional []string
	// Key is the column whose value must be unique within one file.
	Key string
	// KeyOf, for kinds keyed on several columns, gives a record's key.
	KeyOf func(rec any) string
	// Parse turns a row into a record and says what is wrong with it.
	Parse func(r Row, tp domain.TimeParser) (any, domain.Problems)
	// OrderRef, when set, names the order a record must refer to; records
	// naming an order that is not stored are rejected before any write.
	OrderRef func(rec any) string
	// AgainstOrder, when set, checks a record against the stored order its
	// OrderRef names, in the store's zone (a return dated before its order).
	AgainstOrder func(rec any, o StoredOrder, loc *time.Location) domain.Problems
	// AgainstStore, when set, starts the check of records against the
	// store beyond their order (an order's currency against the store's
	// and its exchange rates). The file import makes one for its checking
	// pass and gives it every record without problems, in file order, so
	// it can remember what earlier records settle (the first currency of
	// a store that has none). An error of its own refuses the whole file.
	AgainstStore func(ctx context.Context, db *store.DB) (func(rec any) (domain.Problems, error), error)
	// Write stores a batch of parsed, valid records in one transaction.
	Write func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error)
	// Prepare, when set, does a batch's work that needs no transaction
	// (classifying contacts); an import runs it beside the writing of the
	// batch before, where it costs no writer time.
	Prepare func(ctx context.Context, db *store.DB, recs []any) error
}

// Env is what writes share across the batches of one import or request.
type Env struct {
	Customers *commerce.Customers
	Now       clock.Clock
}

// NewEnv returns a fresh write environment reading the time from now.
func NewEnv(now clock.Clock) *Env { return &Env{Customers: commerce.NewCustomers(now), Now: now} }

// Kinds lists every kind, by name.
var Kinds = map[string]*Kind{}

func register(k *Kind) *Kind {
	Kinds[k.Name] = k
	return k
}

// KindNames returns the kind names, sorted.
func KindNames() []string {
	var out []string
	for n := range Kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// customerRef reads the customer columns every kind shares.
func customerRef(r *reader) commerce.CustomerRef {
	return commerce.CustomerRef{ExternalID: r.str("customer_id"), Email: r.email("customer_email"), Phone: r.str("customer_phone"), Name: r.str("customer_name")}
}

// finish adds the record's own rules to the parsing problems, so a row's
// every fault is reported at once; a field that did not parse is not
// reported a second time by the rules.
func finish[T interface{ Validate() domain.Problems }](rec T, r *reader) (any, domain.Problems) {
	reported := map[string]bool{}
	for _, p := range r.problems {
		reported[p.Field] = true
	}
	for _, p := range rec.Validate() {
		if !reported[p.Field] {
			r.problems = append(r.problems, p)
		}
	}
	return rec, r.problems
}

var Orders = register(&Kind{
	Name:     "orders",
	Required: []string{"order_id", "placed_at", "item_revenue"},
	Optional: []string{"order_name", "customer_id", "customer_email", "customer_phone", "customer_name", "status", "fulfilled_at", "cancelled_at", "currency",
		"discounts", "shipping_charged", "cogs", "fulfillment_cost", "payment_fees", "sales_channel", "campaign", "discount_code",
		"category", "sku", "country", "carrier", "warehouse", "tags", "promised_delivery_at", "delivered_at"},
	Key: "order_id",
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		o := &commerce.Order{
			ExternalID: r.str("order_id"), Name: r.str("order_name"), Customer: customerRef(r),
			PlacedAt: r.when("placed_at"), Status: r.lower("status"), FulfilledAt: r.optWhen("fulfilled_at"), CancelledAt: r.optWhen("cancelled_at"),
			Currency: strings.ToUpper(r.str("currency")), ItemRevenue: r.money("item_revenue"), Discounts: r.money("discounts"), ShippingCharged: r.money("shipping_charged"),
			COGS: r.money("cogs"), FulfillmentCost: r.money("fulfillment_cost"), PaymentFees: r.money("payment_fees"),
			SalesChannel: r.str("sales_channel"), Campaign: r.str("campaign"), DiscountCode: r.str("discount_code"), Category: r.str("category"),
			SKU: r.str("sku"), Country: r.str("country"), Carrier: r.str("carrier"), Warehouse: r.str("warehouse"), Tags: r.str("tags"),
			PromisedDeliveryAt: r.optWhen("promised_delivery_at"), DeliveredAt: r.optWhen("delivered_at"),
		}
		if r.str("item_revenue") == "" {
			r.problems.Add("item_revenue", "is required")
		}
		if r.ok("item_revenue", "discounts", "shipping_charged") {
			checkDiscounts(&r.problems, o)
		}
		if o.Name == "" {
			o.Name = o.ExternalID
		}
		return finish(o, r)
	},
	AgainstStore: checkOrderCurrency,
	Write:        writeOrders,
})

// WriteOrders stores orders and re-links the contacts they may now explain.
// It stores the amounts as they are: the orders kind's writer puts them in
// the store's currency first (currency.go).
func WriteOrders(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
	orders := make([]commerce.Order, len(recs))
	refs := make([]string, 0, 2*len(recs))
	for i, r := range recs {
		orders[i] = *r.(*commerce.Order)
		refs = append(refs, orders[i].ExternalID)
		if orders[i].Name != orders[i].ExternalID {
			refs = append(refs, orders[i].Name)
		}
	}
	counts, touched, err := commerce.UpsertOrders(ctx, tx, env.Customers, orders)
	if err != nil {
		return counts, err
	}
	if counts.Created+counts.Updated > 0 {
		err = desk.RefreshAttribution(ctx, tx, refs, touched)
	}
	return counts, err
}

var OrderLines = register(&Kind{
	Name:     "order_lines",
	Required: []string{"order_id", "sku", "quantity", "unit_price"},
	Optional: []string{"product", "category", "unit_cost"},
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		l := &commerce.OrderLine{OrderExternalID: r.str("order_id"), SKU: r.str("sku"), Product: r.str("product"), Category: r.str("category"),
			Quantity: r.integer("quantity"), UnitPrice: r.money("unit_price"), UnitCost: r.money("unit_cost")}
		r.problems.Require("order_id", l.OrderExternalID)
		if r.str("quantity") == "" {
			r.problems.Add("quantity", "is required")
		}
		return finish(l, r)
	},
	KeyOf: func(rec any) string {
		l := rec.(*commerce.OrderLine)
		return l.OrderExternalID + "\x00" + l.SKU
	},
	OrderRef: func(rec any) string { return rec.(*commerce.OrderLine).OrderExternalID },
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		return commerce.UpsertLines(ctx, tx, derefs[commerce.OrderLine](recs))
	},
})

var FulfillmentEvents = register(&Kind{
	Name:     "fulfillment_events",
	Required: []string{"order_id", "kind", "at"},
	Optional: []string{"detail"},
	KeyOf: func(rec any) string {
		e := rec.(*commerce.FulfillmentEvent)
		return e.OrderExternalID + "\x00" + e.Kind + "\x00" + e.At.String()
	},
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		e := &commerce.FulfillmentEvent{OrderExternalID: r.str("order_id"), Kind: r.lower("kind"), At: r.when("at"), Detail: r.str("detail")}
		return finish(e, r)
	},
	OrderRef: func(rec any) string { return rec.(*commerce.FulfillmentEvent).OrderExternalID },
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		// New events may make orders late: proactive rules look at once.
		tx.AfterCommit(proactive.Wake)
		return commerce.AddFulfillmentEvents(ctx, tx, derefs[commerce.FulfillmentEvent](recs))
	},
})

var Returns = register(&Kind{
	Name:     "returns",
	Required: []string{"return_id", "order_id", "returned_at"},
	Optional: []string{"refund_amount", "return_shipping_cost", "restocked_cogs", "reason"},
	Key:      "return_id",
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		x := &commerce.Return{ExternalID: r.str("return_id"), OrderExternalID: r.str("order_id"), ReturnedAt: r.when("returned_at"),
			RefundAmount: r.money("refund_amount"), ReturnShippingCost: r.money("return_shipping_cost"), RestockedCOGS: r.money("restocked_cogs"), Reason: r.str("reason")}
		return finish(x, r)
	},
	OrderRef:     func(rec any) string { return rec.(*commerce.Return).OrderExternalID },
	AgainstOrder: checkReturn,
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		return commerce.UpsertReturns(ctx, tx, derefs[commerce.Return](recs))
	},
})

var Contacts = register(&Kind{
	Name:     "contacts",
	Required: []string{"contact_id", "started_at", "channel"},
	Optional: []string{"customer_id", "customer_email", "customer_phone", "customer_name", "order_id", "topic", "handle_seconds", "agent", "team", "subject", "text", "tags",
		"first_response_at", "resolved_at", "replies", "csat_score", "csat_comment"},
	Key: "contact_id",
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		c := &desk.ImportedContact{ExternalID: r.str("contact_id"), StartedAt: r.when("started_at"), Channel: r.lower("channel"), Customer: customerRef(r),
			OrderExternalID: r.str("order_id"), Topic: r.str("topic"), HandleSeconds: r.integer("handle_seconds"), Agent: r.str("agent"), Team: r.str("team"),
			Subject: r.str("subject"), Text: r.str("text"), Tags: r.str("tags"),
			FirstResponseAt: r.optWhen("first_response_at"), EndedAt: r.optWhen("resolved_at"), Replies: r.count("replies")}
		c.Satisfaction = scaleSatisfaction(r, "csat_score", "csat_comment", false, ratedAt(c.StartedAt, c.EndedAt))
		return finish(c, r)
	},
	Write:   WriteContacts,
	Prepare: PrepareContacts,
})

// PrepareContacts assigns imported contacts their topics ahead of the write.
func PrepareContacts(ctx context.Context, db *store.DB, recs []any) error {
	contacts := make([]*desk.ImportedContact, len(recs))
	for i, r := range recs {
		contacts[i] = r.(*desk.ImportedContact)
	}
	return desk.AssignTopics(ctx, db, contacts)
}

// WriteContacts stores imported contacts (any export format).
func WriteContacts(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
	counts, _, err := desk.UpsertContacts(ctx, tx, env.Customers, derefs[desk.ImportedContact](recs))
	return counts, err
}

var SelfService = register(&Kind{
	Name:     "self_service",
	Required: []string{"session_id", "started_at", "outcome"},
	Optional: []string{"customer_id", "customer_email", "customer_phone", "customer_name", "order_id", "kind", "topic", "article"},
	Key:      "session_id",
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		s := &kb.Session{ExternalID: r.str("session_id"), StartedAt: r.when("started_at"), Outcome: r.lower("outcome"), Customer: customerRef(r),
			OrderExternalID: r.str("order_id"), Kind: r.lower("kind"), Topic: r.str("topic"), Article: r.str("article")}
		return finish(s, r)
	},
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		return kb.UpsertSessions(ctx, tx, env.Customers, derefs[kb.Session](recs))
	},
})

var Costs = register(&Kind{
	Name:     "costs",
	Required: []string{"kind", "amount", "start_date"},
	Optional: []string{"end_date", "team", "channel", "description"},
	KeyOf:    func(rec any) string { return rec.(*costs.Entry).NaturalKey() },
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		kind := r.lower("kind")
		// Rates and fees apply until the next one, so their open end is an
		// empty end_date; a fixed cost is spread evenly up to its last day,
		// so it has none.
		openEnd := "leave end_date empty for an open end"
		if kind == "fixed" {
			openEnd += " of a rate or fee; a fixed cost is spread evenly up to its end_date, so give its real last day"
		}
		e := &costs.Entry{Kind: kind, Amount: r.money("amount"), StartDate: r.date("start_date"), EndDate: r.dateOr("end_date", openEnd),
			Team: r.str("team"), Channel: r.lower("channel"), Description: r.str("description")}
		if r.str("amount") == "" {
			r.problems.Add("amount", "is required")
		}
		return finish(e, r)
	},
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		return costs.Upsert(ctx, tx, derefs[costs.Entry](recs))
	},
})

var Actions = register(&Kind{
	Name:     "actions",
	Required: []string{"action_id", "owner", "title", "due_date"},
	Optional: []string{"completed_at", "guardrail"},
	Key:      "action_id",
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		a := &actions.Action{ExternalID: r.str("action_id"), Owner: r.str("owner"), Title: r.str("title"), DueDate: r.date("due_date"),
			CompletedAt: r.optWhen("completed_at"), Guardrail: r.str("guardrail")}
		return finish(a, r)
	},
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		return actions.Upsert(ctx, tx, derefs[actions.Action](recs))
	},
})

func derefs[T any](recs []any) []T {
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = *r.(*T)
	}
	return out
}
