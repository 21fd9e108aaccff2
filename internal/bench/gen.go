// Package bench holds Quietdesk's large-scale benchmarks (make bench): the
// data they generate and the baselines they are measured against.
package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
)

// OrderColumns is the header of the generated generic orders file.
const OrderColumns = "order_id,order_name,customer_id,customer_email,placed_at,status,fulfilled_at,currency,item_revenue,discounts,shipping_charged,cogs,fulfillment_cost,payment_fees,sales_channel,campaign,discount_code,category,sku,country,carrier,warehouse"

// WriteOrdersCSV writes n generic order rows with realistic variety: a
// customer base of n/3 people (so two thirds of orders are repeat buyers),
// a year of dates, and a handful of values per dimension.
func WriteOrdersCSV(path string, n int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 42))
	channels := []string{"web", "web", "web", "instagram", "marketplace", "pos"}
	codes := []string{"", "", "", "", "SPRING10", "WELCOME15", "VIP20"}
	cats := []string{"outerwear", "shoes", "accessories", "knitwear", "denim"}
	countries := []string{"FR", "DE", "BE", "NL", "ES", "IT", "GB"}
	carriers := []string{"DHL", "Colissimo", "UPS", "GLS"}
	fmt.Fprintln(w, OrderColumns)
	customers := max(n/3, 1)
	for i := 0; i < n; i++ {
		c := r.IntN(customers)
		day := r.IntN(365)
		month, dom := 1+day/31%12, 1+day%27
		rev := 20 + r.IntN(280)
		status, fulfilled := "fulfilled", fmt.Sprintf("2026-%02d-%02d 23:59:00", month, dom+1)
		if r.IntN(50) == 0 {
			status, fulfilled = "cancelled", ""
		}
		fmt.Fprintf(w, "%d,#%d,cust-%d,c%d@example.com,2026-%02d-%02d %02d:%02d:00,%s,%s,EUR,%d.%02d,%d.00,4.90,%d.00,6.50,%d.10,%s,,%s,%s,SKU-%d,%s,%s,wh-%d\n",
			1000000+i, 1000000+i, c, c, month, dom, r.IntN(24), r.IntN(60), status, fulfilled, rev, r.IntN(100),
			r.IntN(10), rev*4/10, rev/30, channels[r.IntN(len(channels))], codes[r.IntN(len(codes))], cats[r.IntN(len(cats))],
			r.IntN(800), countries[r.IntN(len(countries))], carriers[r.IntN(len(carriers))], r.IntN(3))
	}
	return w.Flush()
}
