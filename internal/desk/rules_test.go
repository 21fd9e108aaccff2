package desk

import (
	"testing"
	"time"
)

func TestStartsContact(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	last := func(ago time.Duration, session string) *LastContact {
		return &LastContact{StartedAt: t0.Add(-ago - time.Hour), LastMessageAt: t0.Add(-ago), SessionID: session}
	}
	cases := []struct {
		name   string
		s      Situation
		starts bool
		reason string
	}{
		{"agent reply is not a contact", Situation{Channel: "email", Inbound: false, At: t0, Last: last(time.Hour, "")}, false, ReasonOutbound},
		{"proactive notice is not a contact", Situation{Channel: "sms", Inbound: false, At: t0, NewConversation: true}, false, ReasonOutbound},
		{"first message starts one", Situation{Channel: "email", Inbound: true, At: t0, NewConversation: true}, true, ReasonNewConversation},
		{"reply to a proactive notice is a contact", Situation{Channel: "sms", Inbound: true, At: t0}, true, ReasonNoActive},
		{"reopening a closed conversation", Situation{Channel: "email", Inbound: true, At: t0, ReopensConversation: true, Last: last(time.Hour, "")}, true, ReasonReopen},
		{"email within 72h stays in the contact", Situation{Channel: "email", Inbound: true, At: t0, Last: last(71*time.Hour, "")}, false, ReasonActive},
		{"email exactly at 72h stays", Situation{Channel: "email", Inbound: true, At: t0, Last: last(72*time.Hour, "")}, false, ReasonActive},
		{"email after 72h is a new contact", Situation{Channel: "email", Inbound: true, At: t0, Last: last(72*time.Hour+time.Second, "")}, true, ReasonNoActive},
		{"sms within 72h", Situation{Channel: "sms", Inbound: true, At: t0, Last: last(10*time.Hour, "")}, false, ReasonActive},
		{"social after 72h", Situation{Channel: "social", Inbound: true, At: t0, Last: last(80*time.Hour, "")}, true, ReasonNoActive},
		{"other channel without a contact", Situation{Channel: "other", Inbound: true, At: t0}, true, ReasonNoActive},
		{"every inbound call counts", Situation{Channel: "voice", Inbound: true, At: t0, Last: last(time.Minute, "")}, true, ReasonCall},
		{"chat in the same session", Situation{Channel: "chat", Inbound: true, At: t0, SessionID: "s1", Last: last(5*time.Minute, "s1")}, false, ReasonChatSame},
		{"chat in a new session", Situation{Channel: "chat", Inbound: true, At: t0, SessionID: "s2", Last: last(5*time.Minute, "s1")}, true, ReasonChatSession},
		{"chat after 30 minutes idle", Situation{Channel: "chat", Inbound: true, At: t0, SessionID: "s1", Last: last(31*time.Minute, "s1")}, true, ReasonChatSession},
		{"chat without session ids, 29 minutes", Situation{Channel: "chat", Inbound: true, At: t0, Last: last(29*time.Minute, "")}, false, ReasonChatSame},
		{"first chat message on the channel", Situation{Channel: "chat", Inbound: true, At: t0}, true, ReasonChatSession},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			starts, reason := StartsContact(c.s)
			if starts != c.starts || reason != c.reason {
				t.Fatalf("StartsContact = %v (%s), want %v (%s)", starts, reason, c.starts, c.reason)
			}
		})
	}
}

func TestOrderNumbersIn(t *testing.T) {
	cases := map[string][]string{
		"Where is my order #1001?":               {"1001"},
		"order number: 20391 still not here":     {"20391"},
		"Re: SO-20391 and # 1002":                {"1002", "SO-20391"},
		"I called 3 times about it, 45 min wait": nil,
		"Order 1003 arrived broken":              {"1003"},
	}
	for text, want := range cases {
		got := OrderNumbersIn(text)
		if len(got) != len(want) {
			t.Errorf("%q: got %v, want %v", text, got, want)
			continue
		}
		set := map[string]bool{}
		for _, g := range got {
			set[g] = true
		}
		for _, w := range want {
			if !set[w] {
				t.Errorf("%q: got %v, want %v", text, got, want)
			}
		}
	}
}
