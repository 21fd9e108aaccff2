package ingest

import (
	"fmt"
	"testing"
)

// With a filter far too small, nearly every key is a suspect; the second
// look must still report exactly the real repeats, each with its first line.
func TestDupFinderSettlesFalseAlarms(t *testing.T) {
	d := &dupFinder{bits: make([]uint64, 1), mask: 63, suspects: map[uint64]bool{}}
	var keys []string
	for i := 0; i < 500; i++ {
		keys = append(keys, fmt.Sprintf("order-%d", i))
	}
	keys = append(keys, "order-7", "order-42", "order-7") // lines 502, 503, 504
	for _, k := range keys {
		d.add(keyHash(k))
	}
	if len(d.suspects) < 100 {
		t.Fatalf("only %d suspects: the test needs a filter that raises false alarms", len(d.suspects))
	}
	i := 0
	repeats := d.settle(func() (uint64, int, bool) {
		if i == len(keys) {
			return 0, 0, false
		}
		i++
		return keyHash(keys[i-1]), i + 1, true // line = index + 2 (after the header)
	})
	want := map[int]int{502: 9, 503: 44, 504: 9}
	if len(repeats) != len(want) {
		t.Fatalf("repeats %v, want %v", repeats, want)
	}
	for line, first := range want {
		if repeats[line] != first {
			t.Errorf("line %d repeats line %d, want %d", line, repeats[line], first)
		}
	}
}

func TestDupFinderStaysSmall(t *testing.T) {
	if d := newDupFinder(10 << 30); len(d.bits)*8 > 16<<20 {
		t.Fatalf("a 10 GiB file gets a %d-byte filter", len(d.bits)*8)
	}
	if d := newDupFinder(1000); len(d.bits)*64 != minFilterBits {
		t.Fatalf("a small file gets %d bits", len(d.bits)*64)
	}
}
