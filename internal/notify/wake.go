package notify

import "quietdesk/internal/schedule"

// A reply a person is waiting for (an agent's SMS, email or WhatsApp
// answer) should leave within seconds, not at the outbox's next turn.
// Whoever enqueues such a delivery calls Wake once it is committed (for a
// transaction: tx.AfterCommit(notify.Wake)); the scheduler's outbox task
// listens on Woken and runs at once. Other processes sharing the store
// still send it at their next turn.
var wakeups = schedule.NewSignal()

// Wake asks this process's outbox to run now. It never blocks: one pending
// wake-up is enough, since a run sends everything due.
func Wake() { wakeups.Wake() }

// Woken is the channel the outbox task is woken on.
func Woken() <-chan struct{} { return wakeups.Woken() }
