package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/actions"
	"quietdesk/internal/commerce"
	"quietdesk/internal/costs"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/proactive"
)

// gen generates the store: orders day by day, each with its whole life —
// lines, shipment, return, contacts and self-service sessions — cut at the
// end of the last week. It draws from one PCG stream, so a seed gives one
// store; it never reads the database.
type gen struct {
	r   *rand.Rand
	opt Options
	loc *time.Location

	days        []simDay
	windowStart int   // index of the first day shown (a Monday)
	endDay      int   // index of the Monday after the last week
	end         int64 // Unix time of that Monday's midnight: nothing happens from then on

	contactScale float64
	nativeP      float64

	custCountry []uint8 // country of each buyer, by buyer index
	prospects   int
	orderSeq    int64
	contactSeq  int64
	sessionSeq  int64
	messageSeq  int64

	natives         []native
	nativeCustomers map[int64]bool
	// svc draws the service imported contacts got (service), apart from r.
	svc *rand.Rand
	// kr draws the help centre's sessions (selfservice.go), apart from r.
	kr     *rand.Rand
	webSeq int64
	// pr draws the proactive story's choices (proactive.go), apart from r;
	// notices are its decisions, noticeAt when the order being generated
	// was told it is late (0: it was not).
	pr         *rand.Rand
	notices    []notice
	noticeAt   int64
	noticeText *proactive.Template

	stats Summary
}

type simDay struct {
	start   int64 // Unix time of local midnight
	date    time.Time
	weekday int // Monday 0
	kind    dayKind
	orders  int
}

// Who a record's customer is, so that a bulk writer can tell new customers
// from known ones without looking them up: a buyer's index, a prospect's
// index with prospectBit set, the QA team's test customer, or nobody.
const (
	prospectBit = int64(1) << 40
	whoQA       = int64(1) << 41
	whoNobody   = int64(-1)
)

const day = int64(24 * 3600)
const hour = int64(3600)

// chunk is a batch of orders with every record about them, written in one
// transaction. The *Order slices give, for each record, the index in orders
// of its order (-1 for none), so that writers need not look orders up.
type chunk struct {
	orders       []commerce.Order
	orderWho     []int64 // who placed each order, see whoQA
	events       []commerce.FulfillmentEvent
	eventOrder   []int32
	returns      []commerce.Return
	returnOrder  []int32
	contacts     []desk.ImportedContact
	contactOrder []int32
	contactHow   []string // desk.AttrExplicit, AttrText or AttrNone (then linked by recency when written)
	contactWho   []int64
	sessions     []kb.Session
	sessionOrder []int32
	sessionWho   []int64
	web          []webSession // help-centre and chat sessions, told as events
	ordersDone   int64
}

// native is a contact that arrives through the desk as a conversation.
type native struct {
	customer commerce.CustomerRef
	channel  string
	topic    topic
	orderExt string // given explicitly, or ""
	subject  string
	messages []nativeMessage
	closeAt  int64 // 0: left open
	agent    string
	team     string
	handle   int64
}

type nativeMessage struct {
	at      int64
	inbound bool
	body    string
}

func newGen(opt Options) (*gen, error) {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return nil, fmt.Errorf("load time zone %s: %w", TimeZone, err)
	}
	g := &gen{r: rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15)), opt: opt, loc: loc, nativeCustomers: map[int64]bool{}}
	g.contactScale = opt.ContactsPerOrder / calibratedContactsPerOrder

	// The last complete week ends on the Sunday before today (a week is
	// complete once its Sunday has passed).
	now := opt.Now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	wd := (int(today.Weekday()) + 6) % 7
	endDate := today.AddDate(0, 0, -wd) // this week's Monday: the window ends before it
	windowStart := endDate.AddDate(0, 0, -7*opt.Weeks)
	simStart := windowStart.AddDate(0, 0, -7*LeadWeeks)
	// Days run well past the end, for deliveries and returns that would
	// come later (they are dropped, but their dates are worked out).
	total := int(endDate.Sub(simStart).Hours()/24) + 120
	g.days = make([]simDay, total)
	for i := range g.days {
		d := simStart.AddDate(0, 0, i)
		g.days[i] = simDay{
			start:   time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).Unix(),
			date:    d,
			weekday: (int(d.Weekday()) + 6) % 7,
			kind:    calendar(d, i),
		}
	}
	g.windowStart = 7 * LeadWeeks
	g.endDay = g.windowStart + 7*opt.Weeks
	g.end = g.days[g.endDay].start

	// Orders per day follow the calendar; the window holds exactly
	// opt.Orders, and the lead-in weeks get orders at the same rate.
	var w float64
	for i := g.windowStart; i < g.endDay; i++ {
		w += g.days[i].kind.factor
	}
	per := float64(opt.Orders) / w
	var cum float64
	prev := 0
	for i := 0; i < g.endDay; i++ {
		cum += g.days[i].kind.factor * per
		n := int(math.Round(cum))
		g.days[i].orders = n - prev
		prev = n
	}
	g.stats.TotalOrders = int64(prev)
	g.stats.From = g.days[g.windowStart].date
	g.stats.To = g.days[g.endDay-1].date
	g.stats.HistoryFrom = simStart

	// About NativeConversations contacts of the last two weeks go through
	// the desk as conversations.
	expected := float64(opt.Orders) * 14 / float64(7*opt.Weeks) * opt.ContactsPerOrder
	g.nativeP = min(1, NativeConversations/max(expected, 1))
	return g, nil
}

// run generates every chunk, in time order, and sends it to out.
func (g *gen) run(ctx context.Context, out chan<- *chunk) error {
	c := &chunk{}
	type slot struct {
		at      int64
		channel string
	}
	var slots []slot
	for di := 0; di < g.endDay; di++ {
		d := &g.days[di]
		slots = slots[:0]
		for range d.orders {
			ch := pickW(g.r, salesChannels)
			hours := &webHours
			if ch == "pos" {
				hours = &storeHours
			}
			h := pickHour(g.r, hours)
			slots = append(slots, slot{d.start + int64(h)*hour + g.r.Int64N(hour), ch})
		}
		slices.SortFunc(slots, func(a, b slot) int { return int(a.at - b.at) })
		for _, s := range slots {
			g.order(c, di, s.at, s.channel)
			if len(c.orders) >= g.opt.chunkOrders {
				c.ordersDone = g.orderSeq
				select {
				case out <- c:
				case <-ctx.Done():
					return ctx.Err()
				}
				c = &chunk{}
			}
		}
	}
	if len(c.orders) > 0 {
		c.ordersDone = g.orderSeq
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// order generates one order placed at `at` on day di and its whole life.
func (g *gen) order(c *chunk, di int, at int64, channel string) {
	r := g.r
	d := &g.days[di]
	idx := int32(len(c.orders))
	g.orderSeq++
	ext := strconv.FormatInt(10_000_000+g.orderSeq, 10)
	if di >= g.windowStart {
		g.stats.Orders++
	}
	o := commerce.Order{ExternalID: ext, Name: "#" + ext, PlacedAt: time.Unix(at, 0), Currency: Currency, SalesChannel: channel, Status: "fulfilled"}

	if channel == "web" && r.Float64() < testShare {
		// A test order from the team: never an order processed.
		o.Status, o.Tags = "test", "test"
		o.Customer = commerce.CustomerRef{Email: "qa@example.com", Name: "QA " + BrandName}
		o.Country, o.Warehouse = "FR", "lyon"
		l := g.line(d)
		o.Lines = []commerce.OrderLine{l}
		o.ItemRevenue, o.COGS = domain.Money(l.Quantity)*l.UnitPrice, domain.Money(l.Quantity)*l.UnitCost
		o.Category, o.SKU = l.Category, l.SKU
		c.orders = append(c.orders, o)
		c.orderWho = append(c.orderWho, whoQA)
		return
	}

	// Who buys: a returning customer (recent buyers likelier) or a new one.
	// The share ramps up over the lead-in weeks, as the customer base forms.
	pReturning := ReturningShare * min(1, float64(di)/float64(g.windowStart))
	var cust int32
	returning := len(g.custCountry) > 0 && r.Float64() < pReturning
	if returning {
		cust = g.pickBuyer()
	} else {
		cust = int32(len(g.custCountry))
		g.custCountry = append(g.custCountry, uint8(pickCountry(r)))
	}
	ctry := &countries[g.custCountry[cust]]
	first, ref := g.buyer(cust)
	o.Customer = ref
	if di >= g.windowStart && returning {
		g.stats.ReturningOrders++
	}

	// Lines.
	n := 1
	switch u := r.Float64(); {
	case u < 0.04:
		n = 4
	case u < 0.14:
		n = 3
	case u < 0.40:
		n = 2
	}
	o.Lines = make([]commerce.OrderLine, 0, n)
	main := 0
	units := int64(0)
	for range n {
		l := g.line(d)
		if k := slices.IndexFunc(o.Lines, func(x commerce.OrderLine) bool { return x.SKU == l.SKU }); k >= 0 {
			o.Lines[k].Quantity += l.Quantity
		} else {
			o.Lines = append(o.Lines, l)
		}
	}
	for i, l := range o.Lines {
		o.ItemRevenue += domain.Money(l.Quantity) * l.UnitPrice
		o.COGS += domain.Money(l.Quantity) * l.UnitCost
		units += l.Quantity
		if l.UnitPrice*domain.Money(l.Quantity) > o.Lines[main].UnitPrice*domain.Money(o.Lines[main].Quantity) {
			main = i
		}
	}
	mainLine := o.Lines[main]
	mainCat := categoryIndex(mainLine.Category)
	o.Category, o.SKU = mainLine.Category, mainLine.SKU

	// Campaign and discount code.
	pct := int64(0)
	if channel == "web" || channel == "instagram" {
		springP := SpringCodeShare / 0.76 * 1.4
		if returning {
			springP = SpringCodeShare / 0.76 * 0.4
		}
		switch {
		case r.Float64() < springP:
			o.DiscountCode, pct = SpringCode, int64(SpringDiscount*100)
		case !returning && r.Float64() < welcomeShare:
			o.DiscountCode, pct = welcomeCode, 10
		case returning && r.Float64() < vipShare:
			o.DiscountCode, pct = vipCode, 15
		}
	}
	switch {
	case o.DiscountCode == SpringCode:
		o.Campaign = pickW(r, springCampaigns)
	case channel == "web":
		o.Campaign = pickW(r, webCampaigns)
	case channel == "instagram":
		o.Campaign = pickW(r, instagramCampaigns)
	}
	o.Discounts = o.ItemRevenue * domain.Money(pct) / 100
	net := o.ItemRevenue - o.Discounts

	// Where it goes and how.
	pos := channel == "pos"
	domestic := true
	if pos {
		o.Country, o.Warehouse = "FR", posStore
		o.FulfillmentCost = posBagging
	} else {
		o.Country = ctry.code
		domestic = ctry.code == "FR"
		o.Carrier = pickW(r, ctry.carriers)
		o.Warehouse = pickW(r, ctry.warehouses)
		rate := carrierRates[o.Carrier]
		o.FulfillmentCost = pickPack + pickPackPerUnit*domain.Money(units-1)
		if domestic {
			o.FulfillmentCost += domain.Money(rate[0])
			if net < freeShippingFR {
				o.ShippingCharged = shippingFR
			}
		} else {
			o.FulfillmentCost += domain.Money(rate[1])
			if net < freeShippingAbrd {
				o.ShippingCharged = shippingAbroad
			}
		}
	}
	charged := net + o.ShippingCharged
	switch channel {
	case "marketplace":
		o.PaymentFees = net * marketplaceCommBP / 10000
	case "pos":
		o.PaymentFees = charged * posFeeBasisPts / 10000
	default:
		o.PaymentFees = charged*cardFeeBasisPts/10000 + cardFeeFixed
	}

	// The shipment: promised at checkout, then what really happened.
	var life orderLife
	life.placed = at
	switch {
	case pos:
		t := o.PlacedAt
		o.FulfilledAt, o.DeliveredAt = &t, &t
		life.fulfilled, life.delivered = at, at
	case r.Float64() < cancelShare:
		life.cancelled = at + 20*60 + r.Int64N(5*hour)
		g.ship(&o, &life, di, ctry, nil)
		if life.cancelled >= life.fulfilled {
			life.cancelled = max(at+5*60, life.fulfilled-10*60)
		}
		if life.cancelled < g.end {
			o.Status = "cancelled"
			t := time.Unix(life.cancelled, 0)
			o.CancelledAt = &t
			o.PromisedDeliveryAt = nil
			c.orders = append(c.orders, o)
			c.orderWho = append(c.orderWho, int64(cust))
			g.contacts(c, idx, &o, &life, cust, first, mainCat, returning)
			return
		}
		life.cancelled = 0
		g.ship(&o, &life, di, ctry, c) // not cancelled after all: it was placed just before the end
	default:
		g.ship(&o, &life, di, ctry, c)
	}
	if !pos {
		if life.fulfilled < g.end {
			t := time.Unix(life.fulfilled, 0)
			o.FulfilledAt = &t
		} else {
			o.Status = "placed"
		}
		if life.delivered < g.end {
			t := time.Unix(life.delivered, 0)
			o.DeliveredAt = &t
		}
	}
	for i := range c.eventOrder[len(c.eventOrder)-life.events:] {
		c.eventOrder[len(c.eventOrder)-life.events+i] = idx
	}

	// The return, decided now, arriving 5–30 days after delivery.
	p := categories[mainCat].returnRate
	if o.DiscountCode == SpringCode {
		p *= SpringReturnFactor
	}
	if returning {
		p *= 0.85
	} else {
		p *= 1.1
	}
	if life.late {
		p *= 1.25
	}
	switch channel {
	case "marketplace":
		p *= 1.2
	case "pos":
		p *= 0.4
	}
	if r.Float64() < min(p, 0.92) {
		life.returned = life.delivered + 5*day + int64(triangular(r, 0, 25, 4)*float64(day))
		if life.returned < g.end {
			c.returns = append(c.returns, g.returnOf(&o, main, mainCat, life.returned, pos))
			c.returnOrder = append(c.returnOrder, idx)
		}
	}
	c.orders = append(c.orders, o)
	c.orderWho = append(c.orderWho, int64(cust))
	contactsFrom := len(c.contacts)
	if !pos {
		g.noticeAt = g.decideNotice(&o, &life)
	}
	g.contacts(c, idx, &o, &life, cust, first, mainCat, returning)
	g.noticeAt = 0
	g.sessions(c, idx, &o, &life, int64(cust), ref, mainCat)
	g.helpCentreFirst(c, contactsFrom)
}

// orderLife is when things happened to an order (Unix seconds; 0 = never),
// including what happens after the end, which is not stored.
type orderLife struct {
	placed, cancelled, fulfilled, shipped, promised, delayed, delivered, returned int64
	late                                                                          bool
	events                                                                        int // events appended to the chunk
}

// ship works out the shipment of an order: the promise made at checkout, the
// day it leaves the warehouse, the carrier's delivery, and the events up to
// the end (appended to c unless c is nil).
func (g *gen) ship(o *commerce.Order, life *orderLife, di int, ctry *country, c *chunk) {
	r := g.r
	d := &g.days[di]
	*life = orderLife{placed: life.placed, cancelled: life.cancelled}
	localHour := int((life.placed - d.start) / hour)
	shipDay := di
	if d.weekday >= 5 || localHour >= warehouseCutoff {
		shipDay = g.nextBusinessDay(di)
	}
	expected := shipDay
	backlog := g.days[shipDay].kind.backlog
	if backlog && r.Float64() < BacklogShare {
		shipDay = g.nextBusinessDay(shipDay)
	}
	if shipDay == di {
		life.fulfilled = max(life.placed+30*60, d.start+15*hour) + r.Int64N(3*hour)
	} else {
		life.fulfilled = g.days[shipDay].start + 9*hour + r.Int64N(8*hour)
	}
	life.shipped = life.fulfilled + hour + r.Int64N(2*hour)
	promisedDay := g.deliveryDays(expected, ctry.transit)
	life.promised = g.days[promisedDay].start + 20*hour
	t := time.Unix(life.promised, 0)
	o.PromisedDeliveryAt = &t

	pLate := LateShareOthers
	if o.Carrier == LateCarrier {
		pLate = LateShareParcelNow
	}
	if backlog {
		pLate += PeakLateExtra
	}
	var deliveredDay int
	if r.Float64() < pLate {
		mean := otherLateDaysMean
		if m, ok := lateDaysMean[o.Carrier]; ok {
			mean = m
		}
		deliveredDay = g.deliveryDays(promisedDay, 1+geometric(r, mean-1))
	} else {
		transit := ctry.transit
		if transit > 1 && r.Float64() < 0.25 {
			transit--
		}
		deliveredDay = g.deliveryDays(shipDay, transit)
	}
	exception := r.Float64() < exceptionShare
	if exception {
		deliveredDay = g.deliveryDays(deliveredDay, 2)
	}
	life.delivered = max(g.days[deliveredDay].start+9*hour+r.Int64N(10*hour), life.shipped+hour)
	life.late = life.delivered > life.promised
	if life.late {
		notify := 0.9
		if o.Carrier == LateCarrier {
			notify = 0.75
		}
		if r.Float64() < notify {
			life.delayed = g.days[promisedDay].start + 7*hour + r.Int64N(5*hour)
		}
	}
	if c == nil {
		return
	}
	add := func(kind string, at int64, detail string) {
		if at < g.end {
			c.events = append(c.events, commerce.FulfillmentEvent{OrderExternalID: o.ExternalID, Kind: kind, At: time.Unix(at, 0), Detail: detail})
			c.eventOrder = append(c.eventOrder, 0) // set by the caller
			life.events++
		}
	}
	add("shipped", life.shipped, o.Carrier+" tracking "+trackingNumber(o.Carrier, o.ExternalID))
	if exception {
		add("exception", life.shipped+day+r.Int64N(6*hour), "address not found; second delivery attempt scheduled")
	}
	if life.delayed != 0 && life.delayed < life.delivered {
		add("delayed", life.delayed, "carrier reported a delay")
	}
	add("delivered", life.delivered, "")
}

func trackingNumber(carrier, ext string) string {
	switch carrier {
	case LateCarrier:
		return "PN" + ext
	case "Colissimo":
		return "6A" + ext
	default:
		return strings.ToUpper(carrier[:2]) + ext
	}
}

// line draws one line item.
func (g *gen) line(d *simDay) commerce.OrderLine {
	r := g.r
	ci := pickCategory(r)
	cat := &categories[ci]
	pi := r.IntN(len(cat.products))
	p := &cat.products[pi]
	col := &colors[r.IntN(len(colors))]
	size := cat.sizes[r.IntN(len(cat.sizes))]
	qty := int64(1)
	if r.Float64() < 0.08 {
		qty = 2
	}
	price := p.price
	if d.kind.sale && r.Float64() < 0.5 {
		price = price * 70 / 100
	}
	return commerce.OrderLine{
		SKU:       cat.code + strconv.Itoa(10+pi) + "-" + col.code + "-" + size,
		Product:   p.name + ", " + col.name,
		Category:  cat.name,
		Quantity:  qty,
		UnitPrice: domain.Money(price),
		UnitCost:  domain.Money(math.Round(float64(p.price) * cat.costRatio)),
	}
}

// returnOf builds the return of an order: one line usually, all but one
// for SPRING30 buyers and some others; refunds net of the discount.
func (g *gen) returnOf(o *commerce.Order, main, mainCat int, at int64, pos bool) commerce.Return {
	r := g.r
	var lines []int
	switch {
	case len(o.Lines) == 1:
		lines = []int{0}
	case o.DiscountCode == SpringCode || r.Float64() < 0.3:
		keep := r.IntN(len(o.Lines))
		for i := range o.Lines {
			if i != keep {
				lines = append(lines, i)
			}
		}
	case r.Float64() < 0.6:
		lines = []int{main}
	default:
		lines = []int{r.IntN(len(o.Lines))}
	}
	cat := &categories[mainCat]
	reason := pickW(r, otherReasons)
	if r.Float64() < cat.sizeReasons {
		reason = pickW(r, sizeReasons)
	}
	var value, cost domain.Money
	for _, i := range lines {
		value += o.Lines[i].UnitPrice * domain.Money(o.Lines[i].Quantity)
		cost += o.Lines[i].UnitCost * domain.Money(o.Lines[i].Quantity)
	}
	ret := commerce.Return{ExternalID: "R" + o.ExternalID, OrderExternalID: o.ExternalID, ReturnedAt: time.Unix(at, 0), Reason: reason}
	ret.RefundAmount = value - value*o.Discounts/max(o.ItemRevenue, 1)
	if !pos {
		ret.ReturnShippingCost = returnLabel
	}
	if reason != "damaged" {
		ret.RestockedCOGS = cost
	}
	return ret
}

// contacts generates the contacts about one order, and those its placing
// stands for that are about no order (account questions, pre-sale
// questions).
func (g *gen) contacts(c *chunk, idx int32, o *commerce.Order, life *orderLife, cust int32, first string, mainCat int, returning bool) {
	r := g.r
	var rate [topicCount]float64
	shipped := o.SalesChannel != "pos" && life.cancelled == 0
	returned := life.returned != 0
	switch {
	case life.cancelled != 0:
		rate[tCancel] = cancelledCancelAsk
		rate[tPayment] = ratePayment
	case !shipped: // bought in the store
		rate[tProduct] = rateProduct
		rate[tDamaged] = rateDamaged / 2
	default:
		rate[tWISMO] = rateWISMO
		if returning {
			rate[tWISMO] *= 0.8
		}
		rate[tDelay] = rateDelay
		if life.late {
			extra := lateWISMO
			if life.delayed == 0 {
				extra *= 1.3 // late without a word: more customers chase it
			}
			rate[tWISMO] += extra
			rate[tDelay] += lateDelay
		}
		rate[tCancel] = rateCancelAsk
		rate[tChange] = rateChange
		rate[tPayment] = ratePayment
		rate[tDamaged] = rateDamaged
		rate[tWrong] = rateWrong
		if len(o.Lines) > 1 {
			rate[tWrong] *= 2
		}
		rate[tProduct] = rateProduct
	}
	if life.cancelled == 0 {
		rate[tReturn] = rateReturnAsk
		if returned {
			rate[tReturn] = returnedReturnAsk
			rate[tRefund] = returnedRefundAsk
		}
		if categories[mainCat].name == SizingCategory {
			rate[tSizing] = ShoesSizingRate
		} else if len(categories[mainCat].sizes) > 1 {
			rate[tSizing] = OtherSizingRate
		}
	}
	rate[tDiscount] = rateDiscount
	if o.DiscountCode == SpringCode {
		rate[tDiscount] += springDiscountAsk
	}
	if g.days[g.dayOf(life.placed)].kind.sale {
		rate[tDiscount] += saleDiscountAsk
	}

	mainLine := &o.Lines[0]
	for i := range o.Lines {
		if categoryIndex(o.Lines[i].Category) == mainCat {
			mainLine = &o.Lines[i]
			break
		}
	}
	for t := range topicCount {
		if rate[t] == 0 {
			continue
		}
		for range poisson(r, rate[t]*g.contactScale) {
			at := g.contactTime(topic(t), o, life)
			s := slots{first: first, product: productName(mainLine.Product), size: otherSize(r, mainCat), carrier: o.Carrier, code: o.DiscountCode}
			if s.code == "" {
				s.code = pick(r, []string{SpringCode, welcomeCode, "SUMMER20"})
			}
			g.contact(c, topic(t), at, cust, idx, o, s)
		}
	}

	// Contacts about no order, in proportion to orders.
	for _, x := range []struct {
		t    topic
		rate float64
	}{{tAccount, rateAccount}, {tSubscription, rateSubscription}, {tOther, rateOther}} {
		for range poisson(r, x.rate*g.contactScale) {
			who := g.pickBuyer()
			f, _ := g.buyer(who)
			at := life.placed + r.Int64N(7*day)
			g.contact(c, x.t, at, who, -1, nil, slots{first: f, product: productName(randomProduct(r))})
		}
	}
	for range poisson(r, ratePresale*g.contactScale) {
		g.prospects++
		f, ref := g.prospect(g.prospects)
		at := life.placed - r.Int64N(3*day)
		g.contactFor(c, tProduct, at, ref, -1, nil, slots{first: f, product: productName(randomProduct(r)), size: "M"}, prospectBit|int64(g.prospects))
	}
}

// contactTime is when a contact on topic t about the order is made.
func (g *gen) contactTime(t topic, o *commerce.Order, l *orderLife) int64 {
	r := g.r
	between := func(a, b int64) int64 {
		if b <= a {
			return a + r.Int64N(hour)
		}
		return a + r.Int64N(b-a)
	}
	switch t {
	case tWISMO:
		if l.late {
			return between(l.promised+hour, min(l.delivered, l.promised+4*day))
		}
		return between(l.shipped+day, max(l.delivered, l.shipped+day+6*hour))
	case tDelay:
		if l.delayed != 0 {
			return between(l.delayed+30*60, min(l.delivered, l.delayed+3*day))
		}
		if l.late {
			return between(l.promised, min(l.delivered, l.promised+3*day))
		}
		return between(l.shipped, l.delivered)
	case tReturn:
		if l.returned != 0 {
			return between(l.delivered+day, l.returned)
		}
		return between(l.delivered+2*day, l.delivered+25*day)
	case tRefund:
		return between(l.returned+4*day, l.returned+14*day)
	case tCancel:
		if l.cancelled != 0 {
			return between(l.placed+5*60, l.cancelled)
		}
		return between(l.placed+hour, l.placed+2*day)
	case tChange:
		return between(l.placed+10*60, max(l.fulfilled, l.placed+2*hour))
	case tPayment:
		return between(l.placed, l.placed+3*hour)
	case tDamaged, tWrong:
		return between(l.delivered+hour, l.delivered+4*day)
	case tSizing:
		return between(l.delivered+2*hour, l.delivered+6*day)
	case tProduct:
		return between(l.delivered+day, l.delivered+20*day)
	default: // discount
		return between(l.placed+5*60, l.placed+2*day)
	}
}

// contact adds one contact of buyer cust, about order idx (or none).
func (g *gen) contact(c *chunk, t topic, at int64, cust int32, idx int32, o *commerce.Order, s slots) {
	_, ref := g.buyer(cust)
	g.contactFor(c, t, at, ref, idx, o, s, int64(cust))
}

// contactFor adds one contact of who (see whoQA); only buyers' contacts may
// become native conversations.
func (g *gen) contactFor(c *chunk, t topic, at int64, ref commerce.CustomerRef, idx int32, o *commerce.Order, s slots, who int64) {
	r := g.r
	mix, ok := channelMix[t]
	if !ok {
		mix = defaultChannelMix
	}
	channel := contactChannels[pickIndex(r, mix[:])]
	at = g.openHours(channel, at)
	// Drawn whatever happens to the contact, so the stream does not depend
	// on the cut.
	how := desk.AttrNone
	mentions := false
	if o != nil {
		switch u := r.Float64(); {
		case u < 0.5:
			how, mentions = desk.AttrExplicit, r.Float64() < 0.35
		case u < 0.85:
			how, mentions = desk.AttrText, true
		}
		if mentions {
			s.number = o.ExternalID
		}
	}
	subject, text, named := message(r, t, channel, s)
	if how == desk.AttrText && !named {
		how = desk.AttrNone // the customer did not give the number after all
	}
	team := 0
	if (t == tDamaged || t == tWrong || t == tRefund || t == tPayment) && r.Float64() < 0.6 || r.Float64() < 0.08 {
		team = 1
	}
	agent := pick(r, teams[team].agents)
	handle := int64(math.Max(20, handleMedian[channel]*handleFactor[t]*math.Exp(0.5*r.NormFloat64())))
	isNative := who&prospectBit == 0 && at >= g.end-14*day && r.Float64() < g.nativeP

	if at >= g.end || at < g.days[0].start {
		return
	}
	// A contact a proactive notice prevented (proactive.go) is worked out
	// all the same, so every stream draws as it would, and then dropped.
	prevented := g.preventedWISMO(t, at)
	if !prevented {
		g.stats.Contacts++
	}
	if isNative && !g.nativeCustomers[who] {
		g.nativeCustomers[who] = true
		n := native{customer: ref, channel: channel, topic: t, subject: subject, agent: agent, team: teams[team].name, handle: handle}
		if how == desk.AttrExplicit {
			n.orderExt = o.ExternalID
		}
		g.nativeFlow(&n, at, text, s.first)
		if !prevented {
			g.natives = append(g.natives, n)
		}
		return
	}
	g.contactSeq++
	var orderExt string
	if how == desk.AttrExplicit {
		orderExt = o.ExternalID
	}
	k := desk.ImportedContact{
		ExternalID: fmt.Sprintf("T%09d", g.contactSeq), StartedAt: time.Unix(at, 0), Channel: channel, Customer: ref,
		OrderExternalID: orderExt, Topic: t.String(), HandleSeconds: handle, Agent: agent, Team: teams[team].name,
		Subject: subject, Text: text,
	}
	g.service(&k, team)
	if prevented {
		return
	}
	c.contacts = append(c.contacts, k)
	if how == desk.AttrNone {
		idx = -1
	}
	c.contactOrder = append(c.contactOrder, idx)
	c.contactHow = append(c.contactHow, how)
	c.contactWho = append(c.contactWho, who)
}

// Typical first response and resolution times by channel, in minutes
// (medians): a call is answered as it is taken, chat within minutes, mail
// within hours.
var (
	firstResponseMedian = map[string]float64{"email": 150, "chat": 2, "voice": 0, "sms": 40, "social": 60, "other": 180}
	resolutionMedian    = map[string]float64{"email": 20 * 60, "chat": 15, "voice": 12, "sms": 5 * 60, "social": 6 * 60, "other": 24 * 60}
	repliesMedian       = map[string]float64{"email": 2, "chat": 4, "voice": 1, "sms": 2, "social": 2, "other": 2}
)

// service fills what the brand's former helpdesk recorded of an imported
// contact's service: its first response, resolution and replies, and for a
// quarter of the resolved mails and chats the customer's rating, lower the
// longer it took (docs/metrics.md#team-figures). tier2 handles the harder
// cases, so it takes longer. It draws from a stream of its own, so the
// store's orders, contacts and stories are the same with it as without.
// The contacts of the desk's weeks (desk.go) are left alone: they become
// conversations, whose threads give them their figures and surveys.
func (g *gen) service(c *desk.ImportedContact, team int) {
	if c.StartedAt.Unix() >= g.end-DeskWeeks*7*day {
		return
	}
	if g.svc == nil {
		g.svc = rand.New(rand.NewPCG(g.opt.Seed, 0x5e7f1ce))
	}
	r := g.svc
	start := c.StartedAt.Unix()
	slow := 1.0 + 0.5*float64(team)
	first := firstResponseMedian[c.Channel] * slow * math.Exp(0.9*r.NormFloat64())
	resolve := first + resolutionMedian[c.Channel]*slow*math.Exp(0.8*r.NormFloat64())
	replies := max(1, int64(math.Round(repliesMedian[c.Channel]*math.Exp(0.4*r.NormFloat64()))))
	answered, rates, score := r.Float64() < 0.98, r.Float64() < 0.25, r.Float64()
	if !answered {
		return
	}
	if at := start + int64(first*60); at < g.end {
		t := time.Unix(at, 0)
		c.FirstResponseAt, c.Replies = &t, 1
	} else {
		return
	}
	at := start + int64(resolve*60)
	if at >= g.end {
		return
	}
	t := time.Unix(at, 0)
	c.EndedAt, c.Replies = &t, replies
	if !rates || (c.Channel != "email" && c.Channel != "chat") {
		return
	}
	// Nine in ten satisfied when resolved within the day, fewer the
	// longer it took.
	satisfied := 0.92 - 0.08*math.Log2(1+resolve/(24*60))
	s := &desk.ImportedSatisfaction{At: t}
	switch {
	case score < satisfied*0.65:
		s.Score = 5
	case score < satisfied:
		s.Score = 4
	case score < satisfied+(1-satisfied)*0.4:
		s.Score = 3
	case score < satisfied+(1-satisfied)*0.7:
		s.Score = 2
	default:
		s.Score = 1
	}
	c.Satisfaction = s
}

// nativeFlow writes the messages of a native conversation: the customer's
// message, the agent's reply, sometimes a follow-up inside the same contact
// and a second reply, and the close.
func (g *gen) nativeFlow(n *native, at int64, text, first string) {
	r := g.r
	n.messages = append(n.messages, nativeMessage{at: at, inbound: true, body: text})
	if n.channel == "voice" {
		n.closeAt = at + n.handle
	} else {
		gap := func() int64 {
			switch n.channel {
			case "chat":
				return 60 + r.Int64N(4*60)
			case "email":
				return hour + r.Int64N(7*hour)
			default:
				return 10*60 + r.Int64N(3*hour)
			}
		}
		t := at + gap()
		n.messages = append(n.messages, nativeMessage{at: t, body: reply(r, n.topic, first, n.agent)})
		if r.Float64() < 0.4 {
			t += gap()
			n.messages = append(n.messages, nativeMessage{at: t, inbound: true, body: pick(r, followUps)})
			t += gap()
			n.messages = append(n.messages, nativeMessage{at: t, body: pick(r, closingReplies) + "\n" + firstName(n.agent)})
		}
		n.closeAt = t + 10*60 + r.Int64N(hour)
	}
	// Messages after the end have not happened yet.
	for len(n.messages) > 0 && n.messages[len(n.messages)-1].at >= g.end {
		n.messages = n.messages[:len(n.messages)-1]
	}
	if n.closeAt >= g.end {
		n.closeAt = 0
	}
}

// sessions generates the self-service sessions about one order.
func (g *gen) sessions(c *chunk, idx int32, o *commerce.Order, life *orderLife, who int64, ref commerce.CustomerRef, mainCat int) {
	r := g.r
	add := func(at int64, kind string, t topic, article, outcome string, withOrder, withCustomer bool) {
		if at >= g.end || at < g.days[0].start {
			return
		}
		g.sessionSeq++
		s := kb.Session{ExternalID: fmt.Sprintf("S%09d", g.sessionSeq), StartedAt: time.Unix(at, 0), Outcome: outcome, Kind: kind, Topic: t.String(), Article: article}
		oi := int32(-1)
		if withOrder {
			s.OrderExternalID, oi = o.ExternalID, idx
		}
		w := whoNobody
		if withCustomer {
			s.Customer, w = ref, who
		}
		c.sessions = append(c.sessions, s)
		c.sessionOrder = append(c.sessionOrder, oi)
		c.sessionWho = append(c.sessionWho, w)
		g.stats.Sessions++
	}
	outcome := func(p float64) string {
		if r.Float64() < p {
			return "resolved"
		}
		return "escalated"
	}
	if o.SalesChannel != "pos" && life.cancelled == 0 {
		lookups, resolved := rateStatusLookup, statusResolved
		if life.late {
			lookups, resolved = rateStatusLookup+lateStatusLookup, lateStatusResolved
		}
		for range poisson(r, lookups) {
			at := g.contactTime(tWISMO, o, life)
			add(at, "order_status", tWISMO, "", outcome(resolved), true, true)
		}
	}
	if life.returned != 0 && r.Float64() < returnPortal {
		at := life.delivered + day + r.Int64N(max(life.returned-life.delivered-day, hour))
		add(at, "return", tReturn, "", outcome(returnPortalResolved), true, true)
	} else if life.cancelled == 0 && r.Float64() < 0.02 {
		// Asked after the 30-day window: the policy says no.
		at := life.delivered + 31*day + r.Int64N(9*day)
		add(at, "return", tReturn, "", "escalated", true, true)
	}
	for range poisson(r, rateArticle) {
		a := pickArticle(r, mainCat)
		at := life.placed - 3*day + r.Int64N(13*day)
		out, known := outcome(articleResolved), r.Float64() < 0.4
		g.helpCentreSession(c, at, a.slug, out, known, ref, who)
	}
}

// openHours moves a call or chat that would start while the line is
// closed to the next opening: calls 9:00–18:00 Monday to Saturday, chat
// 9:00–21:00 every day.
func (g *gen) openHours(channel string, at int64) int64 {
	var open, close int64
	switch channel {
	case "voice":
		open, close = 9, 18
	case "chat":
		open, close = 9, 21
	default:
		return at
	}
	di := g.dayOf(at)
	h := (at - g.days[di].start) / hour
	if h >= open && h < close && !(channel == "voice" && g.days[di].weekday == 6) {
		return at
	}
	if h >= open {
		di++
	}
	if channel == "voice" && g.days[di].weekday == 6 {
		di++
	}
	return g.days[di].start + open*hour + g.r.Int64N(3*hour)
}

// dayOf returns the index of the local day that holds t.
func (g *gen) dayOf(t int64) int {
	i := int((t - g.days[0].start) / day)
	i = max(0, min(i, len(g.days)-1))
	for i+1 < len(g.days) && g.days[i+1].start <= t {
		i++
	}
	for i > 0 && g.days[i].start > t {
		i--
	}
	return i
}

func (g *gen) nextBusinessDay(di int) int {
	di++
	for g.days[di].weekday >= 5 {
		di++
	}
	return di
}

// deliveryDays adds n carrier days (Monday to Saturday) to day di.
func (g *gen) deliveryDays(di, n int) int {
	for n > 0 {
		di++
		if g.days[di].weekday != 6 {
			n--
		}
	}
	return min(di, len(g.days)-1)
}

// pickBuyer draws a past buyer, recent ones likelier.
func (g *gen) pickBuyer() int32 {
	n := len(g.custCountry)
	u := g.r.Float64()
	return int32(n - 1 - int(float64(n)*u*u))
}

// buyer returns a buyer's first name and customer reference. Names and
// addresses are derived from the index, so nothing per customer is kept but
// its country.
func (g *gen) buyer(i int32) (string, commerce.CustomerRef) {
	return g.person(uint64(i), "")
}

func (g *gen) prospect(i int) (string, commerce.CustomerRef) {
	return g.person(uint64(i)|1<<40, "p")
}

func (g *gen) person(i uint64, tag string) (string, commerce.CustomerRef) {
	h := splitmix(g.opt.Seed ^ i*0x9e3779b97f4a7c15)
	f := int(h % uint64(len(firstNames)))
	l := int(h >> 20 % uint64(len(lastNames)))
	dom := mailDomains[h>>40%uint64(len(mailDomains))]
	// A fixed-width number: one name's addresses sort in the order they were
	// made, so the bulk load appends to the identities' index.
	email := asciiFirst[f] + "." + asciiLast[l] + "." + tag + strconv.FormatUint(10_000_000+i&(1<<40-1), 10) + "@" + dom
	return firstNames[f], commerce.CustomerRef{Email: email, Name: firstNames[f] + " " + lastNames[l]}
}

var asciiFirst, asciiLast = asciiNames(firstNames), asciiNames(lastNames)

func asciiNames(names []string) []string {
	fold := strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ï", "i", "í", "i", "ü", "u", "ó", "o", "á", "a", "à", "a", "ç", "c", "ñ", "n", " ", "")
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(fold.Replace(n))
	}
	return out
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// costEntries are the support costs besides handle time: team rates (tier
// 1's rising mid-period), fees per call and per SMS, and the monthly tools.
func (g *gen) costEntries() []costs.Entry {
	from := g.days[0].date
	to := g.days[g.endDay-1].date
	date := func(t time.Time) string { return t.Format(time.DateOnly) }
	var out []costs.Entry
	for _, t := range teams {
		out = append(out, costs.Entry{Kind: "team_rate", Amount: domain.Money(t.rate), StartDate: date(from), Team: t.name, Description: "loaded hourly cost " + t.name})
	}
	mid := from.AddDate(0, 0, g.endDay/2)
	raise := time.Date(mid.Year(), mid.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	out = append(out, costs.Entry{Kind: "team_rate", Amount: tier1Raise, StartDate: date(raise), Team: "tier1", Description: "loaded hourly cost tier1 after the pay review"})
	for _, f := range contactFees {
		out = append(out, costs.Entry{Kind: "contact_fee", Amount: domain.Money(f.amount), StartDate: date(from), Channel: f.channel, Description: f.channel + " provider fee per contact"})
	}
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		last := m.AddDate(0, 1, -1)
		for _, tool := range monthlyTools {
			out = append(out, costs.Entry{Kind: "fixed", Amount: domain.Money(tool.amount), StartDate: date(m), EndDate: date(last), Description: tool.description})
		}
	}
	return out
}

// ownerActions are the owners' actions, a few a week through the window,
// due on Fridays and Wednesdays; most are done on time, Tom's often not.
func (g *gen) ownerActions() []actions.Action {
	r := g.r
	var out []actions.Action
	n := 0
	// Each owner's on-time share is spread evenly over their actions rather
	// than drawn for each, so that a small store tells the same story.
	credit := make([]float64, len(owners))
	for i := range credit {
		credit[i] = r.Float64()
	}
	for w := g.windowStart - 7; w < g.endDay; w += 7 {
		for oi, ow := range owners {
			for range poisson(r, ow.actionsWeek) {
				n++
				dueDay := w + pick(r, []int{2, 4, 4})
				a := actions.Action{ExternalID: fmt.Sprintf("ACT-%04d", n), Owner: ow.name, Title: pick(r, actionTitles[ow.area]),
					DueDate: g.days[dueDay].date.Format(time.DateOnly), Guardrail: actionGuardrails[ow.area]}
				due := g.days[dueDay].start + 18*hour
				var done int64
				credit[oi] += ow.onTime
				switch {
				case credit[oi] >= 1:
					credit[oi]--
					done = due - r.Int64N(3*day)
				case r.Float64() < 0.5: // late
					done = due + day + r.Int64N(6*day)
				}
				if done != 0 && done < g.end {
					t := time.Unix(done, 0)
					a.CompletedAt = &t
				}
				out = append(out, a)
			}
		}
	}
	return out
}

var actionTitles = map[string][]string{
	"support": {"Publish a delivery-times answer in the help centre", "Add order-status lookup to the chat widget", "Rewrite the quick response for late parcels",
		"Review the top ten WISMO conversations", "Train tier 1 on exchange requests", "Tag sizing contacts by product"},
	"operations": {"Escalate ParcelNow's late deliveries with their account manager", "Move Belgian parcels to GLS for a week", "Add a delay notice for parcels past their promise",
		"Check the Lille warehouse's cut-off times", "Audit packing of multi-item orders"},
	"merchandising": {"Rewrite the shoe size guide", "Add fit notes to the sneaker pages", "Add a 'runs small' badge to boots",
		"Review product photos of the linen range", "Check returns of the wide-leg jeans"},
	"marketing": {"Pause SPRING30 on coupon sites", "Cap the affiliate-coupons campaign", "Clarify the sale terms in the newsletter",
		"Review creator-collab codes", "Remove expired codes from the checkout banner"},
}

var actionGuardrails = map[string]string{
	"support": "cpo_ceiling", "operations": "variable_cost_trend", "merchandising": "return_cost_spike", "marketing": "contribution_floor",
}

var (
	followUps      = []string{"Thanks! And how long will that take?", "Ok great, thank you.", "Perfect, thanks for the quick answer.", "Thanks. Can you confirm by email?", "Ok, I'll wait then."}
	closingReplies = []string{"You're welcome, have a lovely day!", "Happy to help. Have a nice day!", "Done, you'll get a confirmation shortly.", "Anytime! Don't hesitate if anything else comes up."}
)

func reply(r *rand.Rand, t topic, first, agent string) string {
	var body string
	switch t {
	case tWISMO, tDelay:
		body = pick(r, []string{"I've checked with the carrier: your parcel is on its way and should arrive within two working days.", "I'm sorry for the wait. The carrier has your parcel and I've asked them to prioritise it."})
	case tReturn, tRefund:
		body = pick(r, []string{"I've sent you a prepaid return label by email. Refunds are made within five days of the parcel reaching us.", "Your return has reached our warehouse and the refund is on its way."})
	case tSizing:
		body = pick(r, []string{"This model runs small, so we recommend one size up. I've set up a free exchange for you.", "I've checked the measurements: I'd go for the next size. The exchange is free."})
	case tDamaged, tWrong:
		body = pick(r, []string{"I'm so sorry about that. I've shipped a replacement today and emailed you a return label.", "Thank you for the photos. A replacement is on its way."})
	default:
		body = pick(r, []string{"Thanks for reaching out, I've taken care of it.", "Thanks for your message: I've passed it to the right team and they'll get back to you today.", "I've looked into it and sorted it for you."})
	}
	return "Hi " + first + ",\n\n" + body + "\n\n" + firstName(agent)
}

func firstName(full string) string {
	f, _, _ := strings.Cut(full, " ")
	return f
}

// productName drops the colour from a line's product.
func productName(p string) string {
	n, _, _ := strings.Cut(p, ",")
	return n
}

func randomProduct(r *rand.Rand) string {
	c := &categories[pickCategory(r)]
	return c.products[r.IntN(len(c.products))].name
}

func otherSize(r *rand.Rand, cat int) string {
	return pick(r, categories[cat].sizes)
}

func categoryIndex(name string) int {
	for i := range categories {
		if categories[i].name == name {
			return i
		}
	}
	return 0
}

var categoryWeights, countryWeights, articleWeights []float64

func init() {
	for _, c := range categories {
		categoryWeights = append(categoryWeights, c.share)
	}
	for _, c := range countries {
		countryWeights = append(countryWeights, c.share)
	}
	for _, a := range articles {
		articleWeights = append(articleWeights, a.weight)
	}
}

func pickCategory(r *rand.Rand) int { return pickIndex(r, categoryWeights) }
func pickCountry(r *rand.Rand) int  { return pickIndex(r, countryWeights) }

// pickArticle draws the help-centre article read; shoe buyers read the shoe
// size guide three times as often.
func pickArticle(r *rand.Rand, mainCat int) *struct {
	slug   string
	topic  topic
	weight float64
} {
	if categories[mainCat].name == SizingCategory && r.Float64() < 0.25 {
		return &articles[5]
	}
	return &articles[pickIndex(r, articleWeights)]
}

func pickIndex(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	u := r.Float64() * sum
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

func pickW[T any](r *rand.Rand, list weighted[T]) T {
	var sum float64
	for _, x := range list {
		sum += x.w
	}
	u := r.Float64() * sum
	for _, x := range list {
		if u < x.w {
			return x.v
		}
		u -= x.w
	}
	return list[len(list)-1].v
}

func pickHour(r *rand.Rand, weights *[24]float64) int { return pickIndex(r, weights[:]) }

// poisson draws a count with mean lambda (Knuth's method: the means here
// are small).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l := math.Exp(-lambda)
	k := 0
	for p := r.Float64(); p > l; p *= r.Float64() {
		k++
	}
	return k
}

// geometric draws a count ≥ 0 with the given mean.
func geometric(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	p := 1 / (1 + mean)
	return int(math.Floor(math.Log(1-r.Float64()) / math.Log(1-p)))
}

// triangular draws from a triangular distribution on [a, b] with mode m.
func triangular(r *rand.Rand, a, b, m float64) float64 {
	u := r.Float64()
	f := (m - a) / (b - a)
	if u < f {
		return a + math.Sqrt(u*(b-a)*(m-a))
	}
	return b - math.Sqrt((1-u)*(b-a)*(b-m))
}
