package proactive

import "quietdesk/internal/schedule"

// A fulfillment event may make an order late or exceptional: the commit
// that stores events calls Wake (tx.AfterCommit(proactive.Wake)), and the
// scheduler's proactive task, listening on Woken, evaluates at once
// instead of at its next minute. Other processes sharing the store see
// the events at their next turn.
var wakeups = schedule.NewSignal()

// Wake asks this process's proactive task to run now. It never blocks.
func Wake() { wakeups.Wake() }

// Woken is the channel the proactive task is woken on.
func Woken() <-chan struct{} { return wakeups.Woken() }
