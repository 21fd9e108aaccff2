package desk

import "html"

// Delivery statuses of an outbound message, as the timeline shows them.
const (
	StatusQueued   = "queued"   // in the outbox, not tried yet
	StatusRetrying = "retrying" // tried, failed, will be tried again
	StatusSent     = "sent"     // the relay accepted it
	StatusFailed   = "failed"   // given up, or bounced (status_detail says why)
)

// DeliveryStatusSQL is the status of message m (joined to its delivery d
// with LEFT JOIN deliveries d ON d.id = m.delivery_id): a bounce that
// marked it failed wins, then what the provider reported past sending
// (Twilio's delivered and read: StatusDelivered, StatusRead), then the
// outbox's state. It is computed when read,
// so the outbox stays the one record of what was sent.
const DeliveryStatusSQL = `CASE WHEN m.status = 'failed' THEN 'failed'
	WHEN m.status IN ('delivered', 'read') THEN m.status
	WHEN d.id IS NULL THEN m.status
	WHEN d.status = 'sent' THEN 'sent'
	WHEN d.status = 'failed' THEN 'failed'
	WHEN d.attempts > 0 THEN 'retrying'
	ELSE 'queued' END`

// DeliveryDetailSQL says why, next to DeliveryStatusSQL: the bounce's
// diagnostic, or the outbox's last error.
const DeliveryDetailSQL = `CASE WHEN m.status_detail <> '' THEN m.status_detail WHEN d.id IS NULL THEN '' ELSE d.last_error END`

func htmlEscape(s string) string { return html.EscapeString(s) }
