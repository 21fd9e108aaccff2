package live

import (
	"testing"
	"time"
)

func TestPublishWakesOnlyThatConversation(t *testing.T) {
	b := NewBus()
	one, endOne := b.Subscribe(1)
	defer endOne()
	two, endTwo := b.Subscribe(2)
	all, endAll := b.SubscribeAll(4)
	defer endAll()
	b.Publish(1)
	b.Publish(1) // coalesced: one wake-up is pending already
	select {
	case <-one:
	case <-time.After(time.Second):
		t.Fatal("subscriber of 1 was not woken")
	}
	select {
	case <-one:
		t.Fatal("two publishes before a read should wake once")
	default:
	}
	select {
	case <-two:
		t.Fatal("subscriber of 2 was woken by a change to 1")
	default:
	}
	if got := <-all; got != 1 {
		t.Fatalf("SubscribeAll got %d, want 1", got)
	}
	endTwo()
	b.Publish(2) // no subscriber left: nothing blocks
	if len(b.subs) != 1 {
		t.Fatalf("ended subscriptions are kept: %v", b.subs)
	}
}
