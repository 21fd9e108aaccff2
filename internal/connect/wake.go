package connect

import "quietdesk/internal/schedule"

// An admin's "Sync now" (the connections page) sets the connection due
// and calls Wake, and the scheduler's connections task, listening on
// Woken, syncs at once instead of at its next minute. Other processes
// sharing the store find the connection due at their next turn.
var wakeups = schedule.NewSignal()

// Wake asks this process's connections task to run now. It never blocks.
func Wake() { wakeups.Wake() }

// Woken is the channel the connections task is woken on.
func Woken() <-chan struct{} { return wakeups.Woken() }
