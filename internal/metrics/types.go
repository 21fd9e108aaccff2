// Package metrics computes Quietdesk's figures exactly as docs/metrics.md defines
// them — contacts per order, support cost per order, contribution and the
// guard metrics — by day, ISO week or month in the store's time zone, for
// the whole store or by cohort, each with its numerator and denominator so
// anyone can check it.
package metrics

import "slices"

// Names are the metrics, as docs/metrics.md#the-metrics-query names them.
var Names = []string{
	"orders", "contacts", "cpo", "cpo_cohort", "contact_rate", "demand", "self_service_rate",
	"support_cost", "support_cost_per_order", "net_revenue", "returns_cost", "contribution_per_order",
	"return_cost_ratio", "variable_cost_ratio", "owner_completion_rate", "repeat_contact_rate",
	"first_contact_resolution",
}

// worse says which way each metric is bad: +1 when a higher value is worse
// (CPO), -1 when a lower one is (contribution), 0 when neither is (demand
// grows with the business as much as with its defects).
var worse = map[string]int{
	"orders": -1, "contacts": +1, "cpo": +1, "cpo_cohort": +1, "contact_rate": +1, "demand": 0, "self_service_rate": -1,
	"support_cost": +1, "support_cost_per_order": +1, "net_revenue": -1, "returns_cost": +1, "contribution_per_order": -1,
	"return_cost_ratio": +1, "variable_cost_ratio": +1, "owner_completion_rate": -1, "repeat_contact_rate": +1,
	"first_contact_resolution": -1,
}

// Worse is +1 when a higher value of the metric is worse, -1 when a lower
// one is, 0 when neither is.
func Worse(metric string) int { return worse[metric] }

// ReturnAdjustable says whether a metric's recent returns can be estimated
// (Query.ReturnAdjusted).
func ReturnAdjustable(metric string) bool { return slices.Contains(returnAdjustable, metric) }

// returnAdjustable are the metrics whose returns can be estimated.
var returnAdjustable = []string{"returns_cost", "contribution_per_order", "return_cost_ratio", "variable_cost_ratio"}

// Order-side and contact-side dimensions (docs/metrics.md#dimensions); owner groups the
// owners' actions.
var (
	OrderDimensions   = []string{"sales_channel", "campaign", "discount_code", "category", "sku", "carrier", "warehouse", "country", "customer_type", "first_order_month"}
	ContactDimensions = []string{"channel", "topic", "agent", "team"}
	Dimensions        = append(append(append([]string{}, OrderDimensions...), ContactDimensions...), "owner")
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
	// PendingDays counts the days of the range that writes have changed
	// since the rollups task last ran: they were read from the raw rows,
	// so the figures are current either way (docs/metrics.md, Freshness).
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
	// Partial marks a period the range does not cover whole (it starts or
	// ends inside it) or that has not ended yet: its figures are not
	// comparable with whole periods'.
	Partial bool `json:"partial,omitempty"`
	// Orders is the group's processed orders in the period, for an order
	// dimension or the whole store: the cohort's size, which decides
	// whether its ratio is worth testing. Not part of the output.
	Orders float64 `json:"-"`
}
