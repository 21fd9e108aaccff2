package schedule

// Signal wakes a task before its next turn (Task.Wake): work was just
// committed that someone waits for. Wake never blocks: one pending wake-up
// is enough, since a run does everything that is due.
type Signal struct{ c chan struct{} }

// NewSignal returns a signal with no wake-up pending.
func NewSignal() *Signal { return &Signal{c: make(chan struct{}, 1)} }

// Wake asks the task listening on Woken to run now.
func (s *Signal) Wake() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// Woken is the channel the task listens on.
func (s *Signal) Woken() <-chan struct{} { return s.c }
