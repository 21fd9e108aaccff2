// Package metrics computes Quietdesk's figures exactly as docs/metrics.md defines
// them — contacts per order, support cost per order, contribution and the
// guard metrics — by day, ISO week or month in the store's time zone, for
// the whole store or by cohort, each with its numerator and denominator so
// anyone can check it.
package metrics

// Def defines one metric, once: the engine, the pages, the decision loop
// and the tests all read this table (docs/metrics.md#formulas has the
// formulas). Adding a metric is a row here, its facts in value(), and a
// line in the docs.
type Def struct {
	Name   string
	Label  string // for people
	Format string // how values read: count, ratio, money, percent or hours
	// Worse is +1 when a higher value is worse (CPO), -1 when a lower one
	// is (contribution), 0 when neither is (demand grows with the business
	// as much as with its defects).
	Worse int
	// Side says which facts the metric reads, and so which dimensions cut
	// it: SideOrder metrics take order dimensions; SideContact order and
	// contact dimensions; SideDemand order dimensions and topic; SideOwner
	// the owner; SideConversation none; SideService and SideSatisfaction
	// the contact dimensions; SideBacklog the contact dimensions and age.
	Side string
	// ReturnAdjustable metrics can have their recent returns estimated
	// (Query.ReturnAdjusted).
	ReturnAdjustable bool
	// Cohort metrics count contacts of the period's orders within the
	// attribution window, and say whether the period is mature.
	Cohort bool
	// Count metrics count events (contacts) per unit: a cohort's weekly
	// value carries Poisson noise that a threshold is tested against.
	Count bool
	// Numerator and Denominator name the terms of a ratio for people
	// ("contacts", "orders"), so a move can be told as the move of each;
	// empty for counts and sums. A median has a denominator (what it is
	// the median of) and no numerator to tell.
	Numerator, Denominator string
	// Median metrics are a median of durations, read from per-day
	// histograms (docs/metrics.md#team-figures): their denominator is how
	// many durations the median is of, their numerator the median times
	// that count, so value = numerator ÷ denominator still holds.
	Median bool
	// Snapshot metrics count what is open at the end of each period: they
	// are read from the raw rows, not summed from days.
	Snapshot bool
	// Revenue metrics read the orders' amounts: orders whose revenue is
	// unknown are left out of their numerator and denominator, and each
	// row says how many there were (docs/metrics.md#unknown-revenue).
	Revenue bool
}

// Sides of Def.Side.
const (
	SideOrder        = "order"
	SideContact      = "contact"
	SideDemand       = "demand"
	SideOwner        = "owner"
	SideConversation = "conversation"
	SideService      = "service"
	SideSatisfaction = "satisfaction"
	SideBacklog      = "backlog"
)

// Defs are the metrics, in the order docs/metrics.md#the-metrics-query
// lists them.
var Defs = []Def{
	{Name: "orders", Label: "Orders", Format: "count", Worse: -1, Side: SideOrder},
	{Name: "contacts", Label: "Contacts", Format: "count", Worse: +1, Side: SideContact},
	{Name: "cpo", Label: "Contacts per order", Format: "ratio", Worse: +1, Side: SideContact, Count: true, Numerator: "contacts", Denominator: "orders"},
	{Name: "cpo_cohort", Label: "Contacts per order (order cohort)", Format: "ratio", Worse: +1, Side: SideOrder, Cohort: true, Count: true, Numerator: "contacts of those orders", Denominator: "orders"},
	{Name: "cpo_lag_adjusted", Label: "Contacts per order (lag-adjusted)", Format: "ratio", Worse: +1, Side: SideOrder, Cohort: true, Count: true, Numerator: "contacts (with those still to come)", Denominator: "orders"},
	{Name: "contact_rate", Label: "Contact rate", Format: "percent", Worse: +1, Side: SideOrder, Cohort: true, Count: true, Numerator: "orders with a contact", Denominator: "orders"},
	{Name: "demand", Label: "Demand", Format: "count", Worse: 0, Side: SideDemand},
	{Name: "self_service_rate", Label: "Self-service rate", Format: "percent", Worse: -1, Side: SideDemand, Numerator: "self-service resolutions", Denominator: "demand"},
	{Name: "support_cost", Label: "Support cost", Format: "money", Worse: +1, Side: SideContact},
	{Name: "support_cost_per_order", Label: "Support cost per order", Format: "money", Worse: +1, Side: SideContact, Numerator: "support cost", Denominator: "orders"},
	{Name: "net_revenue", Label: "Net revenue", Format: "money", Worse: -1, Side: SideOrder, Revenue: true},
	{Name: "returns_cost", Label: "Returns cost", Format: "money", Worse: +1, Side: SideOrder, ReturnAdjustable: true},
	{Name: "contribution_per_order", Label: "Contribution per order", Format: "money", Worse: -1, Side: SideOrder, ReturnAdjustable: true, Numerator: "contribution", Denominator: "orders", Revenue: true},
	{Name: "return_cost_ratio", Label: "Return-cost ratio", Format: "percent", Worse: +1, Side: SideOrder, ReturnAdjustable: true, Numerator: "returns cost", Denominator: "net revenue", Revenue: true},
	{Name: "variable_cost_ratio", Label: "Variable cost ratio", Format: "percent", Worse: +1, Side: SideOrder, ReturnAdjustable: true, Numerator: "variable cost", Denominator: "net revenue", Revenue: true},
	{Name: "owner_completion_rate", Label: "Owner completion rate", Format: "percent", Worse: -1, Side: SideOwner, Numerator: "actions done on time", Denominator: "actions due"},
	{Name: "repeat_contact_rate", Label: "Repeat-contact rate", Format: "percent", Worse: +1, Side: SideContact, Count: true, Numerator: "repeat contacts", Denominator: "contacts"},
	{Name: "first_contact_resolution", Label: "First-contact resolution", Format: "percent", Worse: -1, Side: SideConversation, Numerator: "conversations closed after one contact", Denominator: "conversations closed"},
	{Name: "first_response_time", Label: "First response time", Format: "hours", Worse: +1, Side: SideService, Median: true, Denominator: "contacts answered"},
	{Name: "resolution_time", Label: "Resolution time", Format: "hours", Worse: +1, Side: SideService, Median: true, Denominator: "contacts resolved"},
	{Name: "replies_per_contact", Label: "Replies per contact", Format: "ratio", Worse: +1, Side: SideService, Numerator: "replies", Denominator: "contacts resolved"},
	{Name: "backlog", Label: "Backlog", Format: "count", Worse: +1, Side: SideBacklog, Snapshot: true},
	{Name: "csat", Label: "Customer satisfaction (CSAT)", Format: "percent", Worse: -1, Side: SideSatisfaction, Numerator: "satisfied answers", Denominator: "answers"},
	{Name: "csat_responses", Label: "Satisfaction answers", Format: "count", Worse: 0, Side: SideSatisfaction},
}

// Lookup returns a metric's definition.
func Lookup(name string) (Def, bool) {
	for _, d := range Defs {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// Names are the metrics' names, in Defs' order.
var Names = func() []string {
	out := make([]string, len(Defs))
	for i, d := range Defs {
		out[i] = d.Name
	}
	return out
}()

// Worse is +1 when a higher value of the metric is worse, -1 when a lower
// one is, 0 when neither is.
func Worse(metric string) int {
	d, _ := Lookup(metric)
	return d.Worse
}

// ReturnAdjustable says whether a metric's recent returns can be estimated
// (Query.ReturnAdjusted).
func ReturnAdjustable(metric string) bool {
	d, _ := Lookup(metric)
	return d.ReturnAdjustable
}

// returnAdjustable lists the metrics whose returns can be estimated, for
// messages.
func returnAdjustable() []string {
	var out []string
	for _, d := range Defs {
		if d.ReturnAdjustable {
			out = append(out, d.Name)
		}
	}
	return out
}

// Order-side and contact-side dimensions (docs/metrics.md#dimensions); owner groups the
// owners' actions; age the backlog's open contacts by how long they have
// been open.
var (
	OrderDimensions   = []string{"sales_channel", "campaign", "discount_code", "category", "sku", "carrier", "warehouse", "country", "customer_type", "first_order_month"}
	ContactDimensions = []string{"channel", "topic", "agent", "team"}
	Dimensions        = append(append(append([]string{}, OrderDimensions...), ContactDimensions...), "owner", "age")
)

// Grains a series can be cut in.
var Grains = []string{"day", "week", "month"}

// Query asks for one metric over a date range.
type Query struct {
	Metric string
	From   string // YYYY-MM-DD, inclusive, in the store's time zone
	To     string // YYYY-MM-DD, inclusive
	Grain  string // day, week (ISO, Monday to Sunday) or month
	By     string // a dimension, or "" for the whole store
	// ReturnAdjusted estimates the returns still to come for periods whose
	// returns are not in yet (docs/metrics.md#return-adjustment); for
	// returns_cost, contribution_per_order, return_cost_ratio and
	// variable_cost_ratio.
	ReturnAdjusted bool
}

// Result is a metric's series.
type Result struct {
	Metric string `json:"metric"`
	Grain  string `json:"grain"`
	By     string `json:"by,omitempty"`
	// ReturnAdjusted says the figures include estimated returns; each
	// row's estimated part is in its "estimated_returns".
	ReturnAdjusted bool  `json:"return_adjusted,omitempty"`
	Rows           []Row `json:"rows"`
	// PendingDays counts the days of the range whose latest writes the
	// figures do not include yet: on a large store a read answers from the
	// rollup while the rollups task catches up, within seconds
	// (docs/metrics.md#freshness). Absent when the figures are current.
	PendingDays int `json:"pending_days,omitempty"`
}

// Row is one period (and group) of a series.
type Row struct {
	Period string  `json:"period"` // 2026-W02, 2026-01-05 or 2026-01
	Start  string  `json:"start"`  // the period's first day
	Group  *string `json:"group,omitempty"`
	// Value is nil when the denominator is zero.
	Value       *float64 `json:"value"`
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	// Mature is set for order-cohort metrics: whether the attribution
	// window of every order in the period has passed.
	Mature *bool `json:"mature,omitempty"`
	// EstimatedReturns is the part of the returns cost that is estimated,
	// not yet arrived, when the query is return-adjusted.
	EstimatedReturns *float64 `json:"estimated_returns,omitempty"`
	// EstimatedContacts is the part of a cpo_lag_adjusted numerator that
	// is estimated: the contacts its orders are still expected to bring.
	EstimatedContacts *float64 `json:"estimated_contacts,omitempty"`
	// VolumeSurge marks a week whose store-wide orders are far outside
	// their normal range (IsSurge): its per-order figures move with their
	// denominator. Weekly series only.
	VolumeSurge bool `json:"volume_surge,omitempty"`
	// Partial marks a period the range does not cover whole (it starts or
	// ends inside it) or that has not ended yet: its figures are not
	// comparable with whole periods'.
	Partial bool `json:"partial,omitempty"`
	// RevenueUnknown counts, for a revenue metric, the orders of the row
	// whose revenue is unknown, left out of its figures; RevenueCoverage
	// is the share of the row's orders whose revenue is known. Both are
	// absent when every order's revenue is known. Value is nil when no
	// order's revenue is known: the figure is unknown, not zero.
	RevenueUnknown  float64  `json:"revenue_unknown_orders,omitempty"`
	RevenueCoverage *float64 `json:"revenue_coverage,omitempty"`
	// Orders is the group's processed orders in the period, for an order
	// dimension or the whole store: the cohort's size, which decides
	// whether its ratio is worth testing. Not part of the output.
	Orders float64 `json:"-"`
}
