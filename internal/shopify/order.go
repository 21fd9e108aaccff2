// Package shopify keeps a store's orders current from Shopify: its order,
// fulfilment, refund and customer JSON (as the Admin REST API returns it and
// as its webhooks send it) mapped onto Quietdesk's orders, fulfilment
// events, returns and customers, through the same writers every import
// uses. docs/shopify.md.
package shopify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
)

// System is the identity kind of Shopify customer ids.
const System = "shopify"

// amount is a money field as Shopify writes it: usually a string ("199.00"),
// sometimes a number. It is read when the order is mapped, where a bad one
// can be reported with its field.
type amount string

func (a *amount) UnmarshalJSON(b []byte) error {
	*a = amount(scalar(b))
	return nil
}

// scalar is a JSON string's or number's text; empty for null.
func scalar(b []byte) string {
	s := string(b)
	if s == "null" {
		return ""
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	return s
}

// id is a Shopify id: a JSON number (or, from some tools, a string of
// digits).
type id string

func (i *id) UnmarshalJSON(b []byte) error {
	*i = id(strings.TrimSpace(scalar(b)))
	return nil
}

type address struct {
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	CountryCode string `json:"country_code"`
}

type customer struct {
	ID        id     `json:"id"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	UpdatedAt string `json:"updated_at"`
}

func (c *customer) name() string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

type lineItem struct {
	ID          id     `json:"id"`
	SKU         string `json:"sku"`
	Title       string `json:"title"`
	Name        string `json:"name"`
	ProductType string `json:"product_type"`
	Quantity    int64  `json:"quantity"`
	Price       amount `json:"price"`
}

type fulfillment struct {
	ID              id       `json:"id"`
	OrderID         id       `json:"order_id"`
	Status          string   `json:"status"`
	ShipmentStatus  string   `json:"shipment_status"`
	TrackingCompany string   `json:"tracking_company"`
	TrackingNumber  string   `json:"tracking_number"`
	TrackingNumbers []string `json:"tracking_numbers"`
	TrackingURL     string   `json:"tracking_url"`
	TrackingURLs    []string `json:"tracking_urls"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
}

type transaction struct {
	Kind   string `json:"kind"`
	Status string `json:"status"`
	Amount amount `json:"amount"`
}

type refund struct {
	ID              id            `json:"id"`
	OrderID         id            `json:"order_id"`
	CreatedAt       string        `json:"created_at"`
	Note            string        `json:"note"`
	Transactions    []transaction `json:"transactions"`
	RefundLineItems []struct {
		Quantity int64  `json:"quantity"`
		Subtotal amount `json:"subtotal"`
	} `json:"refund_line_items"`
}

type order struct {
	ID                id     `json:"id"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	Phone             string `json:"phone"`
	CreatedAt         string `json:"created_at"`
	UpdatedAt         string `json:"updated_at"`
	CancelledAt       string `json:"cancelled_at"`
	Currency          string `json:"currency"`
	FinancialStatus   string `json:"financial_status"`
	FulfillmentStatus string `json:"fulfillment_status"`
	Test              bool   `json:"test"`
	SourceName        string `json:"source_name"`
	Tags              string `json:"tags"`
	TotalDiscounts    amount `json:"total_discounts"`
	DiscountCodes     []struct {
		Code string `json:"code"`
	} `json:"discount_codes"`
	LineItems     []lineItem `json:"line_items"`
	ShippingLines []struct {
		Title string `json:"title"`
		Price amount `json:"price"`
	} `json:"shipping_lines"`
	ShippingAddress *address      `json:"shipping_address"`
	BillingAddress  *address      `json:"billing_address"`
	Customer        *customer     `json:"customer"`
	Fulfillments    []fulfillment `json:"fulfillments"`
	Refunds         []refund      `json:"refunds"`
}

// Mapped is one Shopify order as Quietdesk stores it: the order with its
// lines, the events of its fulfilments, and its refunds as one return.
type Mapped struct {
	Order  commerce.Order
	Events []commerce.FulfillmentEvent
	// Return is nil when nothing was refunded.
	Return *commerce.Return
}

// ReturnID is the return that holds an order's refunds. The Shopify CSV
// export stores its "Refunded Amount" under the same id, so an order
// imported from the export and then kept current by webhooks has one
// return, not two.
func ReturnID(orderID string) string { return orderID + "-refund" }

// reader collects the problems of one object's fields, each named by its
// path in the JSON ("line_items[1].price").
type reader struct{ problems domain.Problems }

func (r *reader) time(field, s string, required bool) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			r.problems.Add(field, "is required")
		}
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.problems.Add(field, "%q is not a time as Shopify writes it (2008-01-10T11:00:00-05:00)", s)
		return nil
	}
	t = t.UTC()
	return &t
}

func (r *reader) money(field string, a amount) domain.Money {
	m, err := domain.ParseMoney(string(a))
	if err != nil {
		r.problems.Add(field, "%v", err)
	}
	return m
}

func (r *reader) id(field string, v id) string {
	s := string(v)
	if s == "" {
		r.problems.Add(field, "is required")
		return ""
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			r.problems.Add(field, "%q is not a Shopify id (digits)", s)
			return ""
		}
	}
	return s
}

// fulfilled reports whether a fulfilment's items left (or are leaving)
// the shop: Shopify's success, and pending or open at a fulfilment service.
func (f *fulfillment) fulfilled() bool {
	switch f.Status {
	case "success", "pending", "open", "":
		return true
	}
	return false
}

// failed reports a fulfilment that went wrong, or a shipment that did.
func (f *fulfillment) failed() bool {
	return f.Status == "failure" || f.Status == "error" || f.ShipmentStatus == "failure" || f.ShipmentStatus == "attempted_delivery"
}

// detail is the event's text: the carrier, the tracking numbers and links
// as the order panel reads them ("UPS tracking 1Z2345 https://…").
func (f *fulfillment) detail() string {
	var parts []string
	if f.TrackingCompany != "" {
		parts = append(parts, f.TrackingCompany)
	}
	numbers := f.TrackingNumbers
	if len(numbers) == 0 && f.TrackingNumber != "" {
		numbers = []string{f.TrackingNumber}
	}
	if len(numbers) > 0 {
		parts = append(parts, "tracking "+strings.Join(numbers, ", "))
	}
	urls := f.TrackingURLs
	if len(urls) == 0 && f.TrackingURL != "" {
		urls = []string{f.TrackingURL}
	}
	parts = append(parts, urls...)
	if f.ShipmentStatus != "" {
		parts = append(parts, "("+strings.ReplaceAll(f.ShipmentStatus, "_", " ")+")")
	} else if f.Status != "" && f.Status != "success" {
		parts = append(parts, "("+f.Status+")")
	}
	return strings.Join(parts, " ")
}

// customerRef says who the order's customer is: Shopify's customer id,
// and the order's email and phone (the customer's when the order has
// none).
func (o *order) customerRef() commerce.CustomerRef {
	ref := commerce.CustomerRef{System: System, Email: o.Email, Phone: o.Phone}
	if c := o.Customer; c != nil {
		ref.ExternalID = string(c.ID)
		ref.Name = c.name()
		if ref.Email == "" {
			ref.Email = c.Email
		}
		if ref.Phone == "" {
			ref.Phone = c.Phone
		}
	}
	if ref.Name == "" && o.BillingAddress != nil {
		ref.Name = o.BillingAddress.Name
	}
	ref.Email = commerce.NormalizeEmail(ref.Email)
	return ref
}

// mapOrder maps an order. Its fulfilments and refunds are the order's own,
// each replaced by a newer version sent on its own (fulfilments and
// refunds, by id).
func (o *order) mapOrder(fulfillments []fulfillment, refunds []refund) (Mapped, domain.Problems) {
	r := &reader{}
	ext := r.id("id", o.ID)
	placed := r.time("created_at", o.CreatedAt, true)
	m := Mapped{Order: commerce.Order{
		ExternalID:   ext,
		Name:         strings.TrimSpace(o.Name),
		Customer:     o.customerRef(),
		CancelledAt:  r.time("cancelled_at", o.CancelledAt, false),
		Currency:     strings.ToUpper(strings.TrimSpace(o.Currency)),
		Discounts:    r.money("total_discounts", o.TotalDiscounts),
		SalesChannel: o.SourceName,
		Tags:         joinTags(o.Tags),
		Lines:        []commerce.OrderLine{},
	}}
	if m.Order.Name == "" {
		m.Order.Name = ext
	}
	if placed != nil {
		m.Order.PlacedAt = *placed
	}
	var codes []string
	for _, d := range o.DiscountCodes {
		if c := strings.TrimSpace(d.Code); c != "" {
			codes = append(codes, c)
		}
	}
	m.Order.DiscountCode = strings.Join(codes, ", ")
	// Taxes are left out, as in the CSV export: prices may include them,
	// and revenue never adds them (docs/formats.md §3.3).
	for i, s := range o.ShippingLines {
		m.Order.ShippingCharged += r.money(fmt.Sprintf("shipping_lines[%d].price", i), s.Price)
	}
	for _, a := range []*address{o.ShippingAddress, o.BillingAddress} {
		if a != nil && a.CountryCode != "" && m.Order.Country == "" {
			m.Order.Country = strings.ToUpper(a.CountryCode)
		}
	}
	o.lines(&m.Order, r)

	// Fulfilments: the carrier is the tracking company of the latest one
	// that names one; delivery is when the last delivered one was.
	all := mergeFulfillments(o.Fulfillments, fulfillments)
	var lastFulfilled, lastCarrierAt *time.Time
	for i, f := range all {
		field := fmt.Sprintf("fulfillments[%d]", i)
		created := r.time(field+".created_at", f.CreatedAt, true)
		updated := r.time(field+".updated_at", f.UpdatedAt, false)
		if created == nil {
			continue
		}
		if updated == nil {
			updated = created
		}
		if f.Status == "cancelled" {
			continue
		}
		if c := strings.TrimSpace(f.TrackingCompany); c != "" && (lastCarrierAt == nil || !created.Before(*lastCarrierAt)) {
			m.Order.Carrier, lastCarrierAt = c, created
		}
		detail := f.detail()
		if f.fulfilled() {
			m.Events = append(m.Events, commerce.FulfillmentEvent{OrderExternalID: ext, Kind: "fulfilled", At: *created, Detail: detail})
			if lastFulfilled == nil || created.After(*lastFulfilled) {
				lastFulfilled = created
			}
		}
		switch {
		case f.ShipmentStatus == "delivered":
			m.Events = append(m.Events, commerce.FulfillmentEvent{OrderExternalID: ext, Kind: "delivered", At: *updated, Detail: detail})
			if m.Order.DeliveredAt == nil || updated.After(*m.Order.DeliveredAt) {
				m.Order.DeliveredAt = updated
			}
		case f.failed():
			m.Events = append(m.Events, commerce.FulfillmentEvent{OrderExternalID: ext, Kind: "exception", At: *updated, Detail: detail})
		}
	}
	switch {
	case o.Test:
		m.Order.Status = "test"
	case m.Order.CancelledAt != nil:
		m.Order.Status = "cancelled" // whatever the financial status says
	case o.FulfillmentStatus == "fulfilled":
		m.Order.Status = "fulfilled"
		m.Order.FulfilledAt = lastFulfilled
	default:
		m.Order.Status = "placed" // unfulfilled, partial, restocked
	}
	if m.Order.Status != "fulfilled" && o.FulfillmentStatus == "fulfilled" {
		m.Order.FulfilledAt = lastFulfilled
	}

	m.Return = refundsReturn(ext, mergeRefunds(o.Refunds, refunds), r)
	problems := r.problems
	if len(problems) == 0 {
		problems = m.Order.Validate()
		for i := range m.Events {
			problems = append(problems, m.Events[i].Validate()...)
		}
		if m.Return != nil {
			problems = append(problems, m.Return.Validate()...)
		}
	}
	return m, problems
}

// lines reads the line items, keyed as the CSV export's are (the SKU,
// else the name, numbered when repeated), so the two sources agree.
func (o *order) lines(ord *commerce.Order, r *reader) {
	used := map[string]bool{}
	for i, li := range o.LineItems {
		field := fmt.Sprintf("line_items[%d]", i)
		price := r.money(field+".price", li.Price)
		if li.Quantity <= 0 {
			r.problems.Add(field+".quantity", "must be positive (got %d)", li.Quantity)
		}
		if price < 0 {
			r.problems.Add(field+".price", "must not be negative (got %s)", price)
		}
		product := li.Name
		if product == "" {
			product = li.Title
		}
		l := commerce.OrderLine{OrderExternalID: ord.ExternalID, SKU: strings.TrimSpace(li.SKU), Product: product,
			Category: strings.TrimSpace(li.ProductType), Quantity: li.Quantity, UnitPrice: price}
		// The CSV import's key, so the two sources write the same lines.
		l.LineKey = ingest.ShopifyLineKey(l.SKU, l.Product, i, used)
		ord.Lines = append(ord.Lines, l)
		ord.ItemRevenue += domain.Money(int64(price) * li.Quantity)
		if ord.Category == "" {
			ord.Category = l.Category
		}
	}
	if len(ord.Lines) > 0 {
		ord.SKU = ord.Lines[0].SKU
	}
}

// refundsReturn sums an order's refunds into its return: the money paid
// back (successful refund transactions; the refunded lines' subtotals
// when a refund lists no transaction), dated by the latest refund.
func refundsReturn(orderID string, refunds []refund, r *reader) *commerce.Return {
	if len(refunds) == 0 {
		return nil
	}
	ret := &commerce.Return{ExternalID: ReturnID(orderID), OrderExternalID: orderID}
	var notes []string
	for i, rf := range refunds {
		field := fmt.Sprintf("refunds[%d]", i)
		at := r.time(field+".created_at", rf.CreatedAt, true)
		if at != nil && at.After(ret.ReturnedAt) {
			ret.ReturnedAt = *at
		}
		if len(rf.Transactions) > 0 {
			for j, t := range rf.Transactions {
				if t.Kind == "refund" && (t.Status == "success" || t.Status == "") {
					ret.RefundAmount += r.money(fmt.Sprintf("%s.transactions[%d].amount", field, j), t.Amount)
				}
			}
		} else {
			for j, li := range rf.RefundLineItems {
				ret.RefundAmount += r.money(fmt.Sprintf("%s.refund_line_items[%d].subtotal", field, j), li.Subtotal)
			}
		}
		if n := strings.TrimSpace(rf.Note); n != "" {
			notes = append(notes, n)
		}
	}
	ret.Reason = "refunded in Shopify"
	if len(notes) > 0 {
		ret.Reason += ": " + strings.Join(notes, "; ")
	}
	return ret
}

// mergeFulfillments returns the order's fulfilments with each replaced by
// a newer version from later, by id; fulfilments only in later are added.
func mergeFulfillments(own, later []fulfillment) []fulfillment {
	out := append([]fulfillment(nil), own...)
	for _, f := range later {
		found := false
		for i := range out {
			if out[i].ID == f.ID {
				found = true
				if newer(f.UpdatedAt, out[i].UpdatedAt) {
					out[i] = f
				}
			}
		}
		if !found {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt < out[j].CreatedAt })
	return out
}

// mergeRefunds adds the refunds of later that the order does not list.
// Refunds never change once made.
func mergeRefunds(own, later []refund) []refund {
	out := append([]refund(nil), own...)
	for _, rf := range later {
		found := false
		for _, o := range out {
			found = found || o.ID == rf.ID
		}
		if !found {
			out = append(out, rf)
		}
	}
	return out
}

// newer reports whether Shopify time a is not before b; a time that does
// not read is never newer.
func newer(a, b string) bool {
	ta, err := time.Parse(time.RFC3339, a)
	if err != nil {
		return false
	}
	tb, err := time.Parse(time.RFC3339, b)
	return err != nil || !ta.Before(tb)
}

func joinTags(s string) string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, ", ")
}
