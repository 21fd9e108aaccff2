// Package proactive sends notices before the customer asks (a late
// shipment, a carrier exception…) and measures what they do to contacts
// per order against a holdout of orders that got none (docs/proactive.md).
package proactive

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Rule kinds: what a rule watches.
const (
	KindLateShipment     = "late_shipment"     // no delivery by the promised date, or a carrier's delay event
	KindCarrierException = "carrier_exception" // lost, damaged, returned to sender, address problem
	KindBackorder        = "backorder"         // an item out of stock or backordered after the order
	KindPartialShipment  = "partial_shipment"  // part of the order shipped, the rest later
	KindDeliveredCheck   = "delivered_check"   // delivered, the customer not yet in touch: "did it arrive well?"
	KindCampaign         = "campaign"          // a one-off notice to a chosen cohort
)

// Kinds lists the rule kinds.
var Kinds = []string{KindLateShipment, KindCarrierException, KindBackorder, KindPartialShipment, KindDeliveredCheck, KindCampaign}

// Channels a notice goes out on, in the order tried when a customer has
// no preference: chat only while the customer has the widget open.
var Channels = []string{"email", "sms", "whatsapp", "chat"}

// Decision statuses.
const (
	StatusHeldOut   = "held_out"
	StatusScheduled = "scheduled"
	StatusSent      = "sent"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
	StatusDryRun    = "dry_run"
)

// Statuses lists a decision's statuses.
var Statuses = []string{StatusHeldOut, StatusScheduled, StatusSent, StatusFailed, StatusSkipped, StatusDryRun}

// DefaultHoldoutPct is the share of eligible orders a new rule holds out.
const DefaultHoldoutPct = 10

// Settings of sending (docs/proactive.md#safety).
const (
	SettingQuietHours = "proactive.quiet_hours" // "21-8": no notice from 21:00 to 08:00 in the customer's time zone
	SettingDailyCap   = "proactive.daily_cap"   // notices a customer may get in a day (default 1)
)

// HeldOut reports whether the order is in the rule's holdout: a stable
// hash of the order's external id and the rule's name, so the same order
// and rule always get the same answer, in any process, on any day.
func HeldOut(orderExternalID, rule string, pct int) bool {
	if pct <= 0 {
		return false
	}
	if pct >= 100 {
		return true
	}
	sum := sha256.Sum256([]byte(rule + "\x00" + orderExternalID))
	return binary.BigEndian.Uint64(sum[:8])%100 < uint64(pct)
}

// Decision is one order's fate under one rule.
type Decision struct {
	ID              int64      `json:"id"`
	OrderID         int64      `json:"-"`
	OrderExternalID string     `json:"order_id"`
	Rule            string     `json:"rule"`
	DecidedAt       time.Time  `json:"decided_at"`
	HeldOut         bool       `json:"held_out"`
	Status          string     `json:"status"`
	DueAt           *time.Time `json:"due_at,omitempty"`
	SentAt          *time.Time `json:"sent_at,omitempty"`
	Channel         string     `json:"channel,omitempty"`
	MessageID       *int64     `json:"message_id,omitempty"`
	Reason          string     `json:"reason,omitempty"`
	Source          string     `json:"source,omitempty"` // "" = sent by Quietdesk, "import" = measured from another tool
}
