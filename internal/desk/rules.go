// Package desk keeps conversations, messages and contacts. The rules that
// decide what counts as a contact (docs/metrics.md#contacts) live in this file and nowhere
// else; everything that records a message goes through them.
package desk

import (
	"time"
)

// Channels a contact can come in on.
var Channels = []string{"email", "chat", "voice", "sms", "social", "other"}

// The windows of docs/metrics.md#contacts.
const (
	// ActiveWindow: an email, SMS or social contact stays active this long
	// after its last message.
	ActiveWindow = 72 * time.Hour
	// ChatIdle: a chat session ends after this long without a message.
	ChatIdle = 30 * time.Minute
	// ReopenWindow: a closed conversation reopens when the customer writes
	// again within this long after it closed.
	ReopenWindow = 7 * 24 * time.Hour
	// RepeatWindow: a contact is a repeat when the same customer started
	// another contact within this long before it.
	RepeatWindow = 7 * 24 * time.Hour
	// AttributionLookback: without an order named, a contact is linked to
	// the customer's most recent order placed within this long before it.
	AttributionLookback = 60 * 24 * time.Hour
)

// LastContact is the most recent contact on the message's channel in the
// message's conversation, as the rules need to see it.
type LastContact struct {
	StartedAt     time.Time
	LastMessageAt time.Time
	SessionID     string // chat session, when the channel gives one
}

// Situation is everything the contact rule looks at for one message.
type Situation struct {
	Channel string
	// Inbound is true for a message the customer sent; agent replies,
	// proactive notices and system messages are outbound.
	Inbound bool
	At      time.Time
	// SessionID is the chat session the message belongs to, when known.
	SessionID string
	// NewConversation is true when the message starts a conversation.
	NewConversation bool
	// ReopensConversation is true when the conversation was closed.
	ReopensConversation bool
	// Last is nil when the conversation has no contact on this channel.
	Last *LastContact
}

// Why a message did or did not start a contact; kept on the decision so tests
// and the timeline can say which rule applied.
const (
	ReasonOutbound        = "outbound messages are not contacts"
	ReasonNewConversation = "first message of a conversation"
	ReasonReopen          = "message reopens a closed conversation"
	ReasonCall            = "each inbound call is a contact"
	ReasonChatSession     = "new chat session"
	ReasonChatSame        = "same chat session"
	ReasonNoActive        = "no active contact on this channel"
	ReasonActive          = "contact on this channel still active"
)

// StartsContact applies docs/metrics.md#contacts to one message: does it start a new
// contact, and why.
func StartsContact(s Situation) (bool, string) {
	if !s.Inbound {
		return false, ReasonOutbound
	}
	if s.NewConversation {
		return true, ReasonNewConversation
	}
	if s.ReopensConversation {
		return true, ReasonReopen
	}
	switch s.Channel {
	case "voice":
		return true, ReasonCall
	case "chat":
		if s.Last == nil {
			return true, ReasonChatSession
		}
		if s.SessionID != "" && s.Last.SessionID != "" && s.SessionID != s.Last.SessionID {
			return true, ReasonChatSession
		}
		if s.At.Sub(s.Last.LastMessageAt) > ChatIdle {
			return true, ReasonChatSession
		}
		return false, ReasonChatSame
	default: // email, sms, social, other
		if s.Last == nil || s.At.Sub(s.Last.LastMessageAt) > ActiveWindow {
			return true, ReasonNoActive
		}
		return false, ReasonActive
	}
}

// ContinuesContact reports whether an outbound message on the channel belongs
// to (and so keeps active) the last contact. Agent replies inside a contact
// keep it active; a reply after it went quiet does not revive it.
func ContinuesContact(s Situation) bool {
	if s.Inbound || s.Last == nil {
		return false
	}
	limit := ActiveWindow
	if s.Channel == "chat" {
		limit = ChatIdle
	}
	return s.At.Sub(s.Last.LastMessageAt) <= limit
}
