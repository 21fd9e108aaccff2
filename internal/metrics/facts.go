package metrics

// facts are the additive figures of one day and one group, from which
// every metric of a period is a sum and a ratio.
type facts struct {
	orders            float64 // orders processed (docs/metrics.md#orders-processed)
	ordersWithContact float64 // of those, orders with a contact within the attribution window
	cohortContacts    float64 // contacts linked to those orders within the window
	netRevenue        float64
	cogs              float64
	fulfillment       float64
	paymentFees       float64
	returnsCost       float64
	// revenueUnknown counts the orders whose revenue is unknown; their
	// amounts are not in netRevenue, cogs, fulfillment or paymentFees.
	// Their returns are in returnsCost, and also in unknownReturns, so
	// the revenue metrics can leave them out.
	revenueUnknown float64
	unknownReturns float64

	contacts float64
	repeats  float64
	// supportCost is, for a group, the cost it owns: handle time at the
	// team's rate plus per-contact fees of its contacts. For the store it
	// is all support cost, fixed costs included.
	supportCost float64
	// unownedCost (store facts only) is the cost no group owns — fixed
	// costs, and for an order dimension the contacts linked to no order —
	// which groups get a share of.
	unownedCost float64

	selfResolved float64

	actionsDue    float64
	actionsOnTime float64

	closedConversations float64
	oneContactClosed    float64

	// Team figures (service.go): contacts started that day that got a
	// first response, and the histogram of how long it took; contacts
	// that ended that day, the histogram of how long they took and their
	// replies.
	answered      float64
	firstResponse hist
	resolved      float64
	resolution    hist
	replies       float64
	// Satisfaction: surveys answered that day, and those scoring 4 or 5.
	csatAnswers   float64
	csatSatisfied float64
}

func (f *facts) add(o *facts) {
	f.orders += o.orders
	f.ordersWithContact += o.ordersWithContact
	f.cohortContacts += o.cohortContacts
	f.netRevenue += o.netRevenue
	f.cogs += o.cogs
	f.fulfillment += o.fulfillment
	f.paymentFees += o.paymentFees
	f.returnsCost += o.returnsCost
	f.revenueUnknown += o.revenueUnknown
	f.unknownReturns += o.unknownReturns
	f.contacts += o.contacts
	f.repeats += o.repeats
	f.supportCost += o.supportCost
	f.unownedCost += o.unownedCost
	f.selfResolved += o.selfResolved
	f.actionsDue += o.actionsDue
	f.actionsOnTime += o.actionsOnTime
	f.closedConversations += o.closedConversations
	f.oneContactClosed += o.oneContactClosed
	f.answered += o.answered
	f.firstResponse = f.firstResponse.merge(o.firstResponse)
	f.resolved += o.resolved
	f.resolution = f.resolution.merge(o.resolution)
	f.replies += o.replies
	f.csatAnswers += o.csatAnswers
	f.csatSatisfied += o.csatSatisfied
}

// dayGroups holds facts by day (YYYY-MM-DD) and group.
type dayGroups map[string]map[string]*facts

func (d dayGroups) at(day, group string) *facts {
	g, ok := d[day]
	if !ok {
		g = map[string]*facts{}
		d[day] = g
	}
	f, ok := g[group]
	if !ok {
		f = &facts{}
		g[group] = f
	}
	return f
}

// Groups that are not a dimension's value.
const (
	// noGroup is the key of store-wide facts.
	noGroup = ""
	// NoOrder groups contacts and sessions linked to no order when a series
	// is cut by an order dimension.
	NoOrder = "(no order)"
	// NoValue stands for an empty dimension value.
	NoValue = "(none)"
)
