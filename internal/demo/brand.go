package demo

import (
	"time"
)

// The demo brand: Atelier Brume, a French apparel label selling in euros
// from Lyon and Lille to seven EU countries, on its web shop, Instagram, a
// marketplace and one Paris store. Everything the generator does is driven
// by the parameters in this file; README.md tells the stories they make.

const (
	BrandName = "Atelier Brume"
	Currency  = "EUR"
	TimeZone  = "Europe/Paris"

	// DefaultOrders orders are placed in the DefaultWeeks complete ISO
	// weeks that end last Sunday.
	DefaultOrders = 60_000
	DefaultWeeks  = 26
	// LeadWeeks of history come before those weeks, at the same rates, so
	// that the first week shown already has its backlog of contacts and
	// returns about earlier orders, and returning customers to draw from.
	LeadWeeks = 4

	// DefaultContactsPerOrder is the store-wide contacts per order the
	// contact rates below are scaled to (Options.ContactsPerOrder).
	DefaultContactsPerOrder = 0.22
)

// Story 1 — the returny discount code. SPRING30 started as a spring
// influencer code and leaked to coupon sites; its buyers, mostly new
// customers arriving through the affiliate-coupons campaign, return their
// orders SpringReturnFactor times as often as everyone else (about 3× the
// baseline order return rate once the cap and the customer mix are counted).
const (
	SpringCode         = "SPRING30"
	SpringCodeShare    = 0.07 // of all orders (web and Instagram only)
	SpringDiscount     = 0.30
	SpringReturnFactor = 2.9
)

// Story 2 — the late carrier. ParcelNow is the cheapest carrier (fulfilment
// cost 4.20 in France against 6.10 for Colissimo) and carries about a
// quarter of the parcels, but delivers LateShareParcelNow of them after the
// promised date, against LateShareOthers for every other carrier. Its late
// parcels carry a `delayed` fulfilment event (most of the time) and drive
// where-is-my-order and delivery-delay contacts and order-status look-ups.
const (
	LateCarrier        = "ParcelNow"
	LateShareParcelNow = 0.36
	LateShareOthers    = 0.05
	// During the first week of a sale the warehouse runs a day behind for
	// BacklogShare of the orders, and every carrier is PeakLateExtra later.
	BacklogShare  = 0.35
	PeakLateExtra = 0.04
)

// Story 3 — the sizing category. Shoes run small: an order whose main item
// is shoes is returned ShoesReturnRate of the time (other categories 4–16%),
// three returns in four for size, and shoe buyers ask sizing questions
// ShoesSizingRate times per order against OtherSizingRate elsewhere.
const (
	SizingCategory  = "shoes"
	ShoesReturnRate = 0.32
	ShoesSizingRate = 0.08
	OtherSizingRate = 0.012
)

// Story 4 — new and returning customers. In the weeks shown,
// ReturningShare of the orders come from customers who ordered before
// (recent buyers are likelier to come back). Returning customers return
// less and ask fewer delivery questions.
const ReturningShare = 0.42

// Story 5 — an owner who slips. Four owners take a few actions a week; all
// but Tom complete theirs on time. Tom, in marketing, completes about half
// of his on time, so his completion rate is below 80% in most weeks he has
// an action due, and the owner_completion guardrail fires for him alone.
var owners = []struct {
	name, area  string
	onTime      float64
	actionsWeek float64
}{
	{"Dana", "support", 1, 1.2},
	{"Malik", "operations", 1, 1.0},
	{"Inès", "merchandising", 1, 0.8},
	{"Tom", "marketing", 0.5, 0.8},
}

// category is one product category and how its orders behave.
type category struct {
	name  string
	code  string  // SKU prefix
	share float64 // of lines
	// returnRate is the base probability that an order whose main line is
	// in this category is returned.
	returnRate float64
	costRatio  float64
	// sizeReasons is the share of its returns made for size.
	sizeReasons float64
	sizes       []string
	products    []product
}

type product struct {
	name  string
	price int64 // cents
}

var (
	apparelSizes = []string{"XS", "S", "M", "L", "XL"}
	denimSizes   = []string{"W26", "W28", "W30", "W32", "W34", "W36"}
	shoeSizes    = []string{"36", "37", "38", "39", "40", "41", "42", "43", "44", "45"}
	oneSize      = []string{"OS"}
)

var categories = []category{
	{name: "tops", code: "TOP", share: 0.24, returnRate: 0.09, costRatio: 0.32, sizeReasons: 0.35, sizes: apparelSizes, products: []product{
		{"Essential organic tee", 2900}, {"Breton striped top", 4500}, {"Linen shirt", 6900}, {"Oxford shirt", 6500}, {"Relaxed hoodie", 7500}}},
	{name: "knitwear", code: "KNT", share: 0.12, returnRate: 0.10, costRatio: 0.36, sizeReasons: 0.35, sizes: apparelSizes, products: []product{
		{"Merino crew neck", 8900}, {"Cable-knit cardigan", 11900}, {"Cashmere-blend sweater", 14900}, {"Mohair jumper", 12900}}},
	{name: "outerwear", code: "OUT", share: 0.09, returnRate: 0.12, costRatio: 0.40, sizeReasons: 0.35, sizes: apparelSizes, products: []product{
		{"Waxed cotton jacket", 22900}, {"Wool overcoat", 32900}, {"Quilted puffer", 18900}, {"Trench coat", 25900}}},
	{name: "denim", code: "DNM", share: 0.13, returnRate: 0.15, costRatio: 0.38, sizeReasons: 0.45, sizes: denimSizes, products: []product{
		{"Straight-leg jeans", 9900}, {"Slim selvedge jeans", 12900}, {"Wide-leg jeans", 10900}, {"Denim shorts", 5900}}},
	{name: "dresses", code: "DRS", share: 0.10, returnRate: 0.16, costRatio: 0.35, sizeReasons: 0.35, sizes: apparelSizes, products: []product{
		{"Wrap dress", 9500}, {"Linen midi dress", 11900}, {"Slip dress", 7900}, {"Shirt dress", 8900}}},
	{name: SizingCategory, code: "SHO", share: 0.14, returnRate: ShoesReturnRate, costRatio: 0.45, sizeReasons: 0.75, sizes: shoeSizes, products: []product{
		{"Alta leather sneakers", 13900}, {"Chelsea boots", 18900}, {"Canvas low-tops", 7900}, {"Suede loafers", 15900}, {"Espadrilles", 5900}}},
	{name: "accessories", code: "ACC", share: 0.18, returnRate: 0.04, costRatio: 0.30, sizeReasons: 0, sizes: oneSize, products: []product{
		{"Wool beanie", 3500}, {"Leather belt", 5500}, {"Canvas tote", 3900}, {"Silk scarf", 6900}, {"Cotton socks 3-pack", 1900}, {"Leather card holder", 4500}}},
}

var colors = []struct{ name, code string }{
	{"black", "BLK"}, {"navy", "NVY"}, {"ecru", "ECR"}, {"olive", "OLV"}, {"rust", "RST"}, {"grey", "GRY"},
}

// Sales channels, with their share of orders.
var salesChannels = weighted[string]{
	{"web", 0.62}, {"instagram", 0.14}, {"marketplace", 0.16}, {"pos", 0.08},
}

// Campaigns (UTM) by sales channel; SPRING30 orders come through
// affiliate-coupons or creator-collab instead.
var webCampaigns = weighted[string]{
	{"", 0.40}, {"google-shopping", 0.20}, {"meta-retargeting", 0.15}, {"newsletter", 0.15}, {"tiktok-ads", 0.10},
}
var instagramCampaigns = weighted[string]{{"instagram-shop", 0.75}, {"creator-collab", 0.25}}
var springCampaigns = weighted[string]{{"affiliate-coupons", 0.75}, {"creator-collab", 0.25}}

// Other discount codes: WELCOME10 on a new customer's first order, VIP15 for
// returning ones.
const (
	welcomeCode  = "WELCOME10"
	welcomeShare = 0.20 // of new customers' web and Instagram orders
	vipCode      = "VIP15"
	vipShare     = 0.12 // of returning customers' orders
)

// country is one destination: its share of customers, the carriers that
// serve it, and the promised transit time.
type country struct {
	code       string
	share      float64
	transit    int // promised days in transit, Sundays not counted
	carriers   weighted[string]
	warehouses weighted[string]
}

var countries = []country{
	{"FR", 0.56, 2, weighted[string]{{"Colissimo", 0.45}, {LateCarrier, 0.33}, {"DHL", 0.12}, {"UPS", 0.10}}, weighted[string]{{"lyon", 1}}},
	{"DE", 0.11, 3, weighted[string]{{"DHL", 0.35}, {LateCarrier, 0.25}, {"GLS", 0.25}, {"UPS", 0.15}}, weighted[string]{{"lille", 0.7}, {"lyon", 0.3}}},
	{"BE", 0.09, 3, weighted[string]{{"DHL", 0.35}, {LateCarrier, 0.25}, {"GLS", 0.25}, {"UPS", 0.15}}, weighted[string]{{"lille", 0.7}, {"lyon", 0.3}}},
	{"ES", 0.07, 4, weighted[string]{{"DHL", 0.45}, {"UPS", 0.30}, {"GLS", 0.25}}, weighted[string]{{"lyon", 1}}},
	{"IT", 0.07, 4, weighted[string]{{"DHL", 0.45}, {"UPS", 0.30}, {"GLS", 0.25}}, weighted[string]{{"lyon", 1}}},
	{"NL", 0.06, 3, weighted[string]{{"DHL", 0.35}, {LateCarrier, 0.25}, {"GLS", 0.25}, {"UPS", 0.15}}, weighted[string]{{"lille", 0.7}, {"lyon", 0.3}}},
	{"AT", 0.04, 4, weighted[string]{{"DHL", 0.45}, {"UPS", 0.30}, {"GLS", 0.25}}, weighted[string]{{"lyon", 1}}},
}

// Carrier rates (cents per parcel, France and abroad): part of the
// fulfilment cost.
var carrierRates = map[string][2]int64{
	"Colissimo": {610, 0}, LateCarrier: {420, 690}, "DHL": {740, 890}, "UPS": {820, 960}, "GLS": {0, 720},
}

// Late delivery: how many days past the promise a late parcel arrives,
// geometric with this mean.
var lateDaysMean = map[string]float64{LateCarrier: 2.3}

const (
	otherLateDaysMean = 1.6
	cancelShare       = 0.02  // orders cancelled before fulfilment
	testShare         = 0.001 // test orders (status test)
	exceptionShare    = 0.008 // parcels with a carrier exception
	warehouseCutoff   = 14    // local hour: orders before it ship the same weekday
	posStore          = "paris-store"
)

// Money rules, in cents.
const (
	shippingFR        = 490
	shippingAbroad    = 790
	freeShippingFR    = 8000
	freeShippingAbrd  = 12000
	returnLabel       = 590 // the brand pays return labels
	pickPack          = 220
	pickPackPerUnit   = 45
	posBagging        = 80
	cardFeeBasisPts   = 140 // 1.4% + 25 cents
	cardFeeFixed      = 25
	posFeeBasisPts    = 120
	marketplaceCommBP = 1400 // 14% of net revenue
)

// Return reasons; shoes and sized clothing are returned for size.
var sizeReasons = weighted[string]{{"size_too_small", 0.55}, {"size_too_large", 0.45}}
var otherReasons = weighted[string]{{"changed_mind", 0.45}, {"not_as_described", 0.22}, {"quality", 0.18}, {"damaged", 0.15}}

// Contacts. Each topic has a rate per order (before scaling to the target
// contacts per order), raised by what happened to the order; see
// gen.contacts for the modifiers. Late parcels drive where-is-my-order
// (lateWISMO) and delivery-delay contacts.
const (
	rateWISMO          = 0.030
	lateWISMO          = 0.45 // added for a parcel later than promised
	rateDelay          = 0.004
	lateDelay          = 0.12
	rateReturnAsk      = 0.012
	returnedReturnAsk  = 0.22
	returnedRefundAsk  = 0.16
	cancelledCancelAsk = 0.55
	rateCancelAsk      = 0.004
	rateChange         = 0.018
	rateDamaged        = 0.010
	rateWrong          = 0.008
	rateProduct        = 0.016
	ratePayment        = 0.007
	rateDiscount       = 0.008
	springDiscountAsk  = 0.04
	saleDiscountAsk    = 0.015
	// Contacts about no order, per order placed: account and newsletter
	// questions from past buyers, pre-sale product questions from people
	// who have not bought yet, and the rest.
	rateAccount      = 0.006
	rateSubscription = 0.003
	rateOther        = 0.004
	ratePresale      = 0.012
)

// Contact channels by topic: email, chat, voice, sms, social.
var contactChannels = []string{"email", "chat", "voice", "sms", "social"}

var channelMix = map[topic][5]float64{
	tWISMO:    {0.28, 0.34, 0.14, 0.12, 0.12},
	tDelay:    {0.30, 0.32, 0.16, 0.10, 0.12},
	tCancel:   {0.30, 0.25, 0.35, 0.04, 0.06},
	tChange:   {0.35, 0.30, 0.25, 0.04, 0.06},
	tPayment:  {0.30, 0.25, 0.35, 0.04, 0.06},
	tDiscount: {0.30, 0.30, 0.06, 0.04, 0.30},
	tProduct:  {0.30, 0.30, 0.06, 0.04, 0.30},
	tDamaged:  {0.55, 0.20, 0.12, 0.03, 0.10},
	tWrong:    {0.55, 0.20, 0.12, 0.03, 0.10},
}
var defaultChannelMix = [5]float64{0.38, 0.28, 0.16, 0.06, 0.12}

// Handle time: log-normal around a median by channel (seconds), times a
// factor by topic. Calls take longest.
var handleMedian = map[string]float64{"voice": 400, "chat": 330, "email": 210, "social": 150, "sms": 120}

var handleFactor = [topicCount]float64{
	tWISMO: 0.8, tDelay: 0.9, tReturn: 1.1, tRefund: 1.2, tCancel: 0.9, tChange: 1.0, tDamaged: 1.4, tWrong: 1.3,
	tProduct: 1.0, tSizing: 1.0, tPayment: 1.3, tDiscount: 0.8, tAccount: 1.1, tSubscription: 0.6, tOther: 1.0,
}

// Teams and agents. Tier 2 takes most damaged, wrong-item, refund and
// payment contacts.
var teams = []struct {
	name   string
	rate   int64 // loaded hourly cost, cents
	agents []string
}{
	{"tier1", 3200, []string{"Léa Martin", "Hugo Bernard", "Chloé Petit", "Nathan Roux", "Manon Girard", "Lucas Moreau", "Jade Lambert", "Théo Fournier"}},
	{"tier2", 4400, []string{"Sarah Dubois", "Karim Benali", "Julie Fontaine", "Thomas Mercier"}},
}

// Costs besides handle time: a fee per call (telephony) and per SMS, and
// fixed monthly tools.
var contactFees = []struct {
	channel string
	amount  int64
}{{"voice", 45}, {"sms", 9}}

var monthlyTools = []struct {
	description string
	amount      int64
}{{"Helpdesk subscription", 145000}, {"Telephony platform", 35000}, {"Help centre and chat widget", 20000}}

// tier1Raise: tier 1's loaded rate rises on the first of the month after the
// middle of the period, so costs show a rate change.
const tier1Raise = 3350

// Self-service: order-status look-ups (many more when the parcel is late,
// and those often fail), return requests through the portal, and help-centre
// articles read.
const (
	rateStatusLookup     = 0.10
	lateStatusLookup     = 0.55
	statusResolved       = 0.85
	lateStatusResolved   = 0.55
	returnPortal         = 0.75
	returnPortalResolved = 0.90
	rateArticle          = 0.09
	articleResolved      = 0.72
)

var articles = []struct {
	slug   string
	topic  topic
	weight float64
}{
	{"delivery-times", tWISMO, 0.12}, {"track-your-order", tWISMO, 0.10}, {"return-policy", tReturn, 0.14},
	{"how-to-return", tReturn, 0.08}, {"refund-timing", tRefund, 0.06}, {"size-guide-shoes", tSizing, 0.14},
	{"size-guide-clothing", tSizing, 0.10}, {"care-instructions", tProduct, 0.08}, {"payment-methods", tPayment, 0.05},
	{"discount-codes", tDiscount, 0.05}, {"change-or-cancel-order", tChange, 0.04}, {"account-help", tAccount, 0.04},
}

// NativeConversations is about how many contacts, in the last two weeks,
// arrive as conversations through the desk's contact rules (messages and
// agent replies on the timeline) rather than as imported helpdesk rows.
const NativeConversations = 300

// Hourly weights of orders placed on the web (local time); the store sells
// 10:00–19:00.
var webHours = [24]float64{0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.2, 2.4, 2.8, 2.6, 2.2, 2.1, 2.2, 2.4, 2.8, 3.4, 3.8, 3.6, 2.6, 1.2}
var storeHours = [24]float64{10: 1, 11: 1.4, 12: 1.8, 13: 1.6, 14: 1.3, 15: 1.4, 16: 1.6, 17: 1.9, 18: 1.7}

// Weekday factors, Monday first: weekends sell less.
var weekdayFactor = [7]float64{1.06, 1.04, 1.02, 1.00, 0.98, 0.82, 0.78}

// dayKind says what a calendar day is for the brand.
type dayKind struct {
	factor  float64 // orders, relative to an ordinary weekday
	sale    bool    // markdowns on half the lines
	backlog bool    // the warehouse runs a day behind for some orders
}

// calendar returns the seasonality of a civil date: weekday, yearly growth
// (from the simulation's first day), the French summer and winter sales,
// Black Friday week and Cyber Monday, the Christmas run-up and lull, the
// brand's spring sale, the August holidays and the back-to-school week.
func calendar(d time.Time, sinceStart int) dayKind {
	wd := (int(d.Weekday()) + 6) % 7 // Monday 0
	k := dayKind{factor: weekdayFactor[wd] * (1 + 0.15*float64(sinceStart)/365)}
	y, m, day := d.Date()
	mul := func(f float64) { k.factor *= f }
	// Sales: four weeks from the second Wednesday of January and from the
	// last Wednesday of June; the first week is the rush.
	for _, start := range []time.Time{nthWeekday(y, time.January, time.Wednesday, 2), lastWeekday(y, time.June, time.Wednesday)} {
		if days := int(d.Sub(start).Hours() / 24); days >= 0 && days < 28 {
			k.sale = true
			mul([]float64{1.9, 1.35, 1.15, 1.05}[days/7])
			k.backlog = days < 7
		}
	}
	bf := nthWeekday(y, time.November, time.Thursday, 4).AddDate(0, 0, 1)
	switch days := int(d.Sub(bf).Hours() / 24); {
	case days >= -4 && days < 0: // Black week's early deals
		mul(1.5)
	case days == 0:
		mul(3.2)
		k.sale, k.backlog = true, true
	case days == 1 || days == 2:
		mul(2.1)
		k.sale, k.backlog = true, true
	case days == 3: // Cyber Monday
		mul(2.5)
		k.sale, k.backlog = true, true
	}
	switch {
	case m == time.December && day <= 18:
		mul(1.35)
	case m == time.December && day <= 23:
		mul(1.1)
	case m == time.December && day <= 26:
		mul(0.55)
	case m == time.December:
		mul(0.9)
	case m == time.March && day >= 18 && day <= 24: // the brand's spring sale
		mul(1.45)
		k.sale = true
	case m == time.August && day <= 20:
		mul(0.85)
	case m == time.September && day <= 10:
		mul(1.1)
	}
	return k
}

func nthWeekday(y int, m time.Month, wd time.Weekday, n int) time.Time {
	d := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != wd {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7*(n-1))
}

func lastWeekday(y int, m time.Month, wd time.Weekday) time.Time {
	d := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for d.Weekday() != wd {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// Customer names, for names and e-mail addresses (at example.com and
// friends, which no one owns).
var firstNames = []string{
	"Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Clara", "Alice", "Louise", "Zoé", "Anna", "Laura", "Marie",
	"Lucie", "Eva", "Jeanne", "Sofia", "Hannah", "Lena", "Mia", "Giulia", "Lucía", "Elena", "Sophie", "Nina", "Amélie", "Noor", "Fleur",
	"Lucas", "Hugo", "Louis", "Nathan", "Gabriel", "Arthur", "Jules", "Adam", "Thomas", "Paul", "Maxime", "Antoine", "Léo", "Tom", "Nicolas",
	"Julien", "Karim", "Yanis", "Mehdi", "Lukas", "Jonas", "Felix", "Marco", "Luca", "Pablo", "Javier", "Daan", "Sem", "Pieter", "Matteo",
}

var lastNames = []string{
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia",
	"David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Rossi", "Russo", "Ferrari", "Bianchi", "Romano", "García", "Fernández", "López", "Sánchez",
	"De Jong", "Jansen", "De Vries", "Peeters", "Janssens", "Maes", "Claes", "Gruber", "Huber", "Benali", "Haddad", "Nguyen", "Da Silva", "Costa", "Novak",
}

var mailDomains = []string{"example.com", "example.net", "example.org"}

// weighted is a list of values with weights; pick draws one.
type weighted[T any] []struct {
	v T
	w float64
}
