// Package bench holds Quietdesk's large-scale benchmarks (make bench): the
// data they generate and the baselines they are measured against.
package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// OrderColumns is the header of the generated generic orders file.
const OrderColumns = "order_id,order_name,customer_id,customer_email,placed_at,status,fulfilled_at,currency,item_revenue,discounts,shipping_charged,cogs,fulfillment_cost,payment_fees,sales_channel,campaign,discount_code,category,sku,country,carrier,warehouse"

// orderFields are OrderColumns, one name each, in the order Next fills them.
var orderFields = strings.Split(OrderColumns, ",")

// numericFields are the money columns, sent as JSON numbers by the API
// benchmark.
var numericFields = map[string]bool{"item_revenue": true, "discounts": true, "shipping_charged": true, "cogs": true, "fulfillment_cost": true, "payment_fees": true}

var (
	channels  = []string{"web", "web", "web", "instagram", "marketplace", "pos"}
	codes     = []string{"", "", "", "", "SPRING10", "WELCOME15", "VIP20"}
	cats      = []string{"outerwear", "shoes", "accessories", "knitwear", "denim"}
	countries = []string{"FR", "DE", "BE", "NL", "ES", "IT", "GB"}
	carriers  = []string{"DHL", "Colissimo", "UPS", "GLS"}
)

// OrderGen generates generic order rows with realistic variety: a customer
// base of n/3 people (so two thirds of orders are repeat buyers), a year of
// dates, and a handful of values per dimension. Order ids are distinct:
// 1000000, 1000001, …
type OrderGen struct {
	r         *rand.Rand
	customers int
	i         int
	row       []string
}

// NewOrderGen returns a generator sized for n orders (n sets the size of the
// customer base; Next may be called any number of times).
func NewOrderGen(n int, seed uint64) *OrderGen {
	return &OrderGen{r: rand.New(rand.NewPCG(seed, 42)), customers: max(n/3, 1), row: make([]string, len(orderFields))}
}

// Next returns the next row, one value per OrderColumns column. The slice is
// reused by the following call.
func (g *OrderGen) Next() []string {
	r := g.r
	c := r.IntN(g.customers)
	day := r.IntN(365)
	month, dom := 1+day/31%12, 1+day%27
	rev := 20 + r.IntN(280)
	status, fulfilled := "fulfilled", fmt.Sprintf("2026-%02d-%02d 23:59:00", month, dom+1)
	if r.IntN(50) == 0 {
		status, fulfilled = "cancelled", ""
	}
	id := strconv.Itoa(1000000 + g.i)
	g.i++
	cust := strconv.Itoa(c)
	row := g.row
	row[0] = id                                                                             // order_id
	row[1] = "#" + id                                                                       // order_name
	row[2] = "cust-" + cust                                                                 // customer_id
	row[3] = "c" + cust + "@example.com"                                                    // customer_email
	row[4] = fmt.Sprintf("2026-%02d-%02d %02d:%02d:00", month, dom, r.IntN(24), r.IntN(60)) // placed_at
	row[5] = status                                                                         // status
	row[6] = fulfilled                                                                      // fulfilled_at
	row[7] = "EUR"                                                                          // currency
	row[8] = fmt.Sprintf("%d.%02d", rev, r.IntN(100))                                       // item_revenue
	row[9] = strconv.Itoa(r.IntN(10)) + ".00"                                               // discounts
	row[10] = "4.90"                                                                        // shipping_charged
	row[11] = strconv.Itoa(rev*4/10) + ".00"                                                // cogs
	row[12] = "6.50"                                                                        // fulfillment_cost
	row[13] = strconv.Itoa(rev/30) + ".10"                                                  // payment_fees
	row[14] = channels[r.IntN(len(channels))]                                               // sales_channel
	row[15] = ""                                                                            // campaign
	row[16] = codes[r.IntN(len(codes))]                                                     // discount_code
	row[17] = cats[r.IntN(len(cats))]                                                       // category
	row[18] = "SKU-" + strconv.Itoa(r.IntN(800))                                            // sku
	row[19] = countries[r.IntN(len(countries))]                                             // country
	row[20] = carriers[r.IntN(len(carriers))]                                               // carrier
	row[21] = "wh-" + strconv.Itoa(r.IntN(3))                                               // warehouse
	return row
}

// WriteOrdersCSV writes a header and n generic order rows (see OrderGen).
// No value holds a comma or a quote, so no field needs quoting.
func WriteOrdersCSV(path string, n int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(OrderColumns + "\n")
	g := NewOrderGen(n, seed)
	for i := 0; i < n; i++ {
		w.WriteString(strings.Join(g.Next(), ","))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
