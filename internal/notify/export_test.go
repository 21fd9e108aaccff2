package notify

import (
	"context"
	"time"
)

// Claim and Deliver let tests play a worker that stops between the two.
func (w *Worker) Claim(ctx context.Context, now time.Time) (Delivery, bool, error) {
	return w.claim(ctx, now)
}

func (w *Worker) Deliver(ctx context.Context, s Sender, d Delivery) string {
	return w.deliver(ctx, s, d)
}
