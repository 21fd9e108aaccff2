package fakeshop

import (
	"fmt"
	"time"
)

// Counts is what n generated orders should store.
type Counts struct {
	Orders, Lines, Events, Returns int
}

// Generate makes n orders of a shop, the same for the same n: one to
// three line items each, every other one fulfilled by UPS with a tracking
// number (every fourth delivered), every tenth refunded. Ids start at
// gid://shopify/Order/5000000001; times start at start.
func Generate(n int, start time.Time) ([]Order, Counts) {
	var c Counts
	out := make([]Order, 0, n)
	for i := 0; i < n; i++ {
		id := 5000000001 + i
		created := start.Add(time.Duration(i) * time.Minute)
		o := Order{
			"id": fmt.Sprintf("gid://shopify/Order/%d", id), "name": fmt.Sprintf("#%d", 1001+i),
			"email": fmt.Sprintf("buyer%d@example.com", i%997), "phone": nil,
			"createdAt": created.Format(time.RFC3339), "updatedAt": created.Add(time.Hour).Format(time.RFC3339),
			"processedAt": created.Format(time.RFC3339), "cancelledAt": nil, "currencyCode": "USD", "test": false,
			"displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
			"discountCodes": []any{}, "tags": []any{"wholesale"}, "sourceName": "web",
			"totalShippingPriceSet": money("4.99"), "totalDiscountsSet": money("0.0"), "totalTaxSet": money("1.10"),
			"subtotalPriceSet": money("20.0"),
			"customer": map[string]any{"id": fmt.Sprintf("gid://shopify/Customer/%d", 7000+i%997), "email": fmt.Sprintf("buyer%d@example.com", i%997),
				"phone": nil, "firstName": "Buyer", "lastName": fmt.Sprint(i % 997)},
			"shippingAddress": map[string]any{"name": "Buyer", "countryCode": "US"},
			"billingAddress":  map[string]any{"name": "Buyer", "countryCode": "US"},
			"fulfillments":    []any{}, "refunds": []any{},
		}
		var lines []any
		for j := 0; j <= i%3; j++ {
			lines = append(lines, map[string]any{
				"id": fmt.Sprintf("gid://shopify/LineItem/%d", id*10+j), "sku": fmt.Sprintf("SKU-%d", j), "title": fmt.Sprintf("Item %d", j),
				"name": fmt.Sprintf("Item %d", j), "quantity": 1 + j, "originalUnitPriceSet": money("10.0"),
				"product": map[string]any{"productType": "Tea"},
			})
		}
		o["lineItems"] = lines
		c.Orders++
		c.Lines += len(lines)
		if i%2 == 0 {
			f := map[string]any{"id": fmt.Sprintf("gid://shopify/Fulfillment/%d", id), "createdAt": created.Add(2 * time.Hour).Format(time.RFC3339),
				"updatedAt": created.Add(3 * time.Hour).Format(time.RFC3339), "status": "SUCCESS", "displayStatus": "IN_TRANSIT",
				"deliveredAt": nil, "estimatedDeliveryAt": nil, "inTransitAt": created.Add(3 * time.Hour).Format(time.RFC3339),
				"trackingInfo": []any{map[string]any{"company": "UPS", "number": fmt.Sprintf("1Z%d", id), "url": nil}}}
			c.Events++
			if i%4 == 0 {
				f["displayStatus"] = "DELIVERED"
				f["deliveredAt"] = created.Add(48 * time.Hour).Format(time.RFC3339)
				c.Events++
			}
			o["fulfillments"] = []any{f}
			o["displayFulfillmentStatus"] = "FULFILLED"
		}
		if i%10 == 9 {
			o["refunds"] = []any{map[string]any{"id": fmt.Sprintf("gid://shopify/Refund/%d", id), "createdAt": created.Add(72 * time.Hour).Format(time.RFC3339),
				"note": "damaged", "totalRefundedSet": map[string]any{"shopMoney": map[string]any{"amount": "10.0", "currencyCode": "USD"}}}}
			c.Returns++
		}
		out = append(out, o)
	}
	return out, c
}

func money(amount string) map[string]any {
	return map[string]any{"shopMoney": map[string]any{"amount": amount, "currencyCode": "USD"},
		"presentmentMoney": map[string]any{"amount": amount, "currencyCode": "USD"}}
}
