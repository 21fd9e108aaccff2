package shopifysync

import (
	"encoding/json"
	"strings"
)

// The Admin GraphQL API's order, as the bulk query's JSONL (root lines,
// with their line items on lines of their own) and the incremental
// query's pages write it. Only the fields Quietdesk maps are read.
type gqlOrder struct {
	ID                       string    `json:"id"`
	Name                     string    `json:"name"`
	Email                    string    `json:"email"`
	Phone                    string    `json:"phone"`
	CreatedAt                string    `json:"createdAt"`
	UpdatedAt                string    `json:"updatedAt"`
	ProcessedAt              string    `json:"processedAt"`
	CancelledAt              string    `json:"cancelledAt"`
	CurrencyCode             string    `json:"currencyCode"`
	Test                     bool      `json:"test"`
	DisplayFinancialStatus   string    `json:"displayFinancialStatus"`
	DisplayFulfillmentStatus string    `json:"displayFulfillmentStatus"`
	SubtotalPriceSet         *moneyBag `json:"subtotalPriceSet"`
	TotalShippingPriceSet    *moneyBag `json:"totalShippingPriceSet"`
	TotalTaxSet              *moneyBag `json:"totalTaxSet"`
	TotalDiscountsSet        *moneyBag `json:"totalDiscountsSet"`
	DiscountCodes            []string  `json:"discountCodes"`
	Tags                     []string  `json:"tags"`
	SourceName               string    `json:"sourceName"`
	Customer                 *struct {
		ID        string `json:"id"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"customer"`
	ShippingAddress *gqlAddress `json:"shippingAddress"`
	BillingAddress  *gqlAddress `json:"billingAddress"`
	// LineItems is the incremental query's connection; the bulk JSONL
	// gives each line its own line, gathered here by __parentId.
	LineItems *struct {
		Nodes    []gqlLine `json:"nodes"`
		PageInfo pageInfo  `json:"pageInfo"`
	} `json:"lineItems"`
	Fulfillments []gqlFulfillment `json:"fulfillments"`
	Refunds      []gqlRefund      `json:"refunds"`
}

type moneyBag struct {
	ShopMoney struct {
		Amount       json.RawMessage `json:"amount"`
		CurrencyCode string          `json:"currencyCode"`
	} `json:"shopMoney"`
	PresentmentMoney *struct {
		Amount       json.RawMessage `json:"amount"`
		CurrencyCode string          `json:"currencyCode"`
	} `json:"presentmentMoney"`
}

// shop is the amount in the shop's currency, the one the order's
// currencyCode names (presentment money is what the buyer saw).
func (m *moneyBag) shop() string {
	if m == nil {
		return ""
	}
	return scalar(m.ShopMoney.Amount)
}

type gqlAddress struct {
	Name        string `json:"name"`
	CountryCode string `json:"countryCode"`
}

type gqlLine struct {
	ID                   string    `json:"id"`
	SKU                  string    `json:"sku"`
	Title                string    `json:"title"`
	Name                 string    `json:"name"`
	Quantity             int64     `json:"quantity"`
	OriginalUnitPriceSet *moneyBag `json:"originalUnitPriceSet"`
	Product              *struct {
		ProductType string `json:"productType"`
	} `json:"product"`
	ParentID string `json:"__parentId"`
}

type gqlFulfillment struct {
	ID                  string `json:"id"`
	CreatedAt           string `json:"createdAt"`
	UpdatedAt           string `json:"updatedAt"`
	Status              string `json:"status"`
	DisplayStatus       string `json:"displayStatus"`
	DeliveredAt         string `json:"deliveredAt"`
	EstimatedDeliveryAt string `json:"estimatedDeliveryAt"`
	InTransitAt         string `json:"inTransitAt"`
	TrackingInfo        []struct {
		Company string `json:"company"`
		Number  string `json:"number"`
		URL     string `json:"url"`
	} `json:"trackingInfo"`
}

type gqlRefund struct {
	ID               string    `json:"id"`
	CreatedAt        string    `json:"createdAt"`
	Note             string    `json:"note"`
	TotalRefundedSet *moneyBag `json:"totalRefundedSet"`
}

type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

// scalar is a JSON string's or number's text; empty for null.
func scalar(b json.RawMessage) string {
	s := strings.TrimSpace(string(b))
	if s == "" || s == "null" {
		return ""
	}
	var str string
	if json.Unmarshal(b, &str) == nil {
		return str
	}
	return s
}

// legacyID is the numeric id inside a global id
// ("gid://shopify/Order/450789469" → "450789469"): the id the REST API,
// the webhooks and the CSV export use, so every source names an order the
// same way. Anything else is returned whole, for the mapping to refuse.
func legacyID(gid string) string {
	if i := strings.LastIndexByte(gid, '/'); i >= 0 && strings.HasPrefix(gid, "gid://shopify/") {
		id := gid[i+1:]
		if q := strings.IndexByte(id, '?'); q >= 0 {
			id = id[:q]
		}
		return id
	}
	return gid
}

// shipmentStatus is the REST shipment_status a fulfilment's displayStatus
// stands for: the one the order mapping reads for delivery and failures.
var shipmentStatus = map[string]string{
	"DELIVERED":          "delivered",
	"PICKED_UP":          "delivered",
	"IN_TRANSIT":         "in_transit",
	"OUT_FOR_DELIVERY":   "out_for_delivery",
	"ATTEMPTED_DELIVERY": "attempted_delivery",
	"FAILURE":            "failure",
	"NOT_DELIVERED":      "failure",
	"READY_FOR_PICKUP":   "ready_for_pickup",
	"CONFIRMED":          "confirmed",
	"LABEL_PRINTED":      "label_printed",
	"LABEL_PURCHASED":    "label_purchased",
}

// rest writes the order as the REST API and the orders/* webhooks do, so
// that it goes through the one Shopify mapping (internal/shopify) and is
// kept as the newest version beside what the webhooks send.
func (o *gqlOrder) rest() ([]byte, error) {
	type restLine struct {
		ID          string `json:"id,omitempty"`
		SKU         string `json:"sku"`
		Title       string `json:"title"`
		Name        string `json:"name"`
		ProductType string `json:"product_type,omitempty"`
		Quantity    int64  `json:"quantity"`
		Price       string `json:"price"`
	}
	type restFulfillment struct {
		ID              string   `json:"id"`
		OrderID         string   `json:"order_id"`
		Status          string   `json:"status"`
		ShipmentStatus  string   `json:"shipment_status,omitempty"`
		TrackingCompany string   `json:"tracking_company,omitempty"`
		TrackingNumbers []string `json:"tracking_numbers,omitempty"`
		TrackingURLs    []string `json:"tracking_urls,omitempty"`
		CreatedAt       string   `json:"created_at"`
		UpdatedAt       string   `json:"updated_at,omitempty"`
	}
	type transaction struct {
		Kind   string `json:"kind"`
		Status string `json:"status"`
		Amount string `json:"amount"`
	}
	type restRefund struct {
		ID           string        `json:"id"`
		OrderID      string        `json:"order_id"`
		CreatedAt    string        `json:"created_at"`
		Note         string        `json:"note,omitempty"`
		Transactions []transaction `json:"transactions"`
	}
	type address struct {
		Name        string `json:"name,omitempty"`
		CountryCode string `json:"country_code,omitempty"`
	}
	type customer struct {
		ID        string `json:"id"`
		Email     string `json:"email,omitempty"`
		Phone     string `json:"phone,omitempty"`
		FirstName string `json:"first_name,omitempty"`
		LastName  string `json:"last_name,omitempty"`
	}
	type code struct {
		Code string `json:"code"`
	}
	type shippingLine struct {
		Title string `json:"title"`
		Price string `json:"price"`
	}
	oid := legacyID(o.ID)
	out := struct {
		ID                string            `json:"id"`
		Name              string            `json:"name"`
		Email             string            `json:"email,omitempty"`
		Phone             string            `json:"phone,omitempty"`
		CreatedAt         string            `json:"created_at"`
		UpdatedAt         string            `json:"updated_at"`
		ProcessedAt       string            `json:"processed_at,omitempty"`
		CancelledAt       string            `json:"cancelled_at,omitempty"`
		Currency          string            `json:"currency"`
		FinancialStatus   string            `json:"financial_status,omitempty"`
		FulfillmentStatus string            `json:"fulfillment_status,omitempty"`
		Test              bool              `json:"test"`
		SourceName        string            `json:"source_name,omitempty"`
		Tags              string            `json:"tags"`
		SubtotalPrice     string            `json:"subtotal_price,omitempty"`
		TotalTax          string            `json:"total_tax,omitempty"`
		TotalDiscounts    string            `json:"total_discounts"`
		DiscountCodes     []code            `json:"discount_codes"`
		LineItems         []restLine        `json:"line_items"`
		ShippingLines     []shippingLine    `json:"shipping_lines"`
		ShippingAddress   *address          `json:"shipping_address,omitempty"`
		BillingAddress    *address          `json:"billing_address,omitempty"`
		Customer          *customer         `json:"customer,omitempty"`
		Fulfillments      []restFulfillment `json:"fulfillments"`
		Refunds           []restRefund      `json:"refunds"`
	}{
		ID: oid, Name: o.Name, Email: o.Email, Phone: o.Phone,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, ProcessedAt: o.ProcessedAt, CancelledAt: o.CancelledAt,
		Currency: o.CurrencyCode, FinancialStatus: strings.ToLower(o.DisplayFinancialStatus),
		Test: o.Test, SourceName: o.SourceName, Tags: strings.Join(o.Tags, ", "),
		SubtotalPrice: o.SubtotalPriceSet.shop(), TotalTax: o.TotalTaxSet.shop(), TotalDiscounts: o.TotalDiscountsSet.shop(),
		DiscountCodes: []code{}, LineItems: []restLine{}, ShippingLines: []shippingLine{},
		Fulfillments: []restFulfillment{}, Refunds: []restRefund{},
	}
	switch o.DisplayFulfillmentStatus {
	case "FULFILLED":
		out.FulfillmentStatus = "fulfilled"
	case "PARTIALLY_FULFILLED":
		out.FulfillmentStatus = "partial"
	}
	for _, c := range o.DiscountCodes {
		out.DiscountCodes = append(out.DiscountCodes, code{c})
	}
	if s := o.TotalShippingPriceSet.shop(); s != "" {
		out.ShippingLines = append(out.ShippingLines, shippingLine{Title: "shipping", Price: s})
	}
	if a := o.ShippingAddress; a != nil {
		out.ShippingAddress = &address{Name: a.Name, CountryCode: a.CountryCode}
	}
	if a := o.BillingAddress; a != nil {
		out.BillingAddress = &address{Name: a.Name, CountryCode: a.CountryCode}
	}
	if c := o.Customer; c != nil {
		out.Customer = &customer{ID: legacyID(c.ID), Email: c.Email, Phone: c.Phone, FirstName: c.FirstName, LastName: c.LastName}
	}
	if o.LineItems != nil {
		for _, l := range o.LineItems.Nodes {
			rl := restLine{ID: legacyID(l.ID), SKU: l.SKU, Title: l.Title, Name: l.Name, Quantity: l.Quantity, Price: l.OriginalUnitPriceSet.shop()}
			if l.Product != nil {
				rl.ProductType = l.Product.ProductType
			}
			out.LineItems = append(out.LineItems, rl)
		}
	}
	for _, f := range o.Fulfillments {
		rf := restFulfillment{ID: legacyID(f.ID), OrderID: oid, Status: strings.ToLower(f.Status),
			ShipmentStatus: shipmentStatus[f.DisplayStatus], CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
		// Delivery is dated by when the carrier reported it, not by the
		// fulfilment's last change.
		if rf.ShipmentStatus == "delivered" && f.DeliveredAt != "" {
			rf.UpdatedAt = f.DeliveredAt
		}
		for _, ti := range f.TrackingInfo {
			if ti.Company != "" && rf.TrackingCompany == "" {
				rf.TrackingCompany = ti.Company
			}
			if ti.Number != "" {
				rf.TrackingNumbers = append(rf.TrackingNumbers, ti.Number)
			}
			if ti.URL != "" {
				rf.TrackingURLs = append(rf.TrackingURLs, ti.URL)
			}
		}
		out.Fulfillments = append(out.Fulfillments, rf)
	}
	for _, r := range o.Refunds {
		rr := restRefund{ID: legacyID(r.ID), OrderID: oid, CreatedAt: r.CreatedAt, Note: r.Note, Transactions: []transaction{}}
		if amt := r.TotalRefundedSet.shop(); amt != "" {
			rr.Transactions = append(rr.Transactions, transaction{Kind: "refund", Status: "success", Amount: amt})
		}
		out.Refunds = append(out.Refunds, rr)
	}
	return json.Marshal(out)
}
