// Package live tells this process's open streams (an agent's inbox, a chat
// visitor's widget) that a conversation changed, the moment the change is
// committed, so a message reaches the other side without waiting for the
// next poll. It is a wake-up only: what changed is read from the store, and
// streams still poll now and then for the writes of other processes that
// share one PostgreSQL.
package live

import "sync"

// Bus fans conversation ids out to the subscribers of each.
type Bus struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
	all  map[chan int64]struct{}
}

// Conversations is the process's bus for conversation changes.
var Conversations = NewBus()

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{subs: map[int64]map[chan struct{}]struct{}{}, all: map[chan int64]struct{}{}}
}

// Publish wakes every subscriber of conversation id. It never blocks: a
// subscriber that has not yet taken its last wake-up has one pending,
// which is all it needs to read the store again.
func (b *Bus) Publish(id int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	for ch := range b.all {
		select {
		case ch <- id:
		default: // a slow listener polls and catches up
		}
	}
}

// Subscribe returns a channel woken when conversation id changes, and the
// function that ends the subscription.
func (b *Bus) Subscribe(id int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[id] == nil {
		b.subs[id] = map[chan struct{}]struct{}{}
	}
	b.subs[id][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs[id], ch)
		if len(b.subs[id]) == 0 {
			delete(b.subs, id)
		}
	}
}

// SubscribeAll returns a channel that receives the id of every changed
// conversation (buffered; ids are dropped while it is full), and the
// function that ends the subscription.
func (b *Bus) SubscribeAll(buffer int) (<-chan int64, func()) {
	ch := make(chan int64, buffer)
	b.mu.Lock()
	b.all[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.all, ch)
	}
}
