package ingest

import "math/bits"

// dupFinder finds the keys that occur more than once in a file, in memory
// that does not grow with the file: a Bloom filter remembers the keys seen
// (about 16 bits per expected row, at most 16 MiB), and only the keys it
// may have seen before — true duplicates and a fraction of a percent of
// false alarms — are kept, to be settled exactly by a second look.
type dupFinder struct {
	bits []uint64
	mask uint64
	// suspects holds the hashes that hit the filter; their first line is
	// unknown until the second look.
	suspects map[uint64]bool
}

const (
	minFilterBits = 1 << 16
	maxFilterBits = 1 << 27 // 16 MiB
	// bytesPerRowGuess sizes the filter from the file size; a generic
	// orders row is 100 to 200 bytes.
	bytesPerRowGuess = 100
)

func newDupFinder(fileSize int64) *dupFinder {
	want := uint64(max(fileSize/bytesPerRowGuess, 1)) * 16
	n := uint64(minFilterBits)
	for n < want && n < maxFilterBits {
		n <<= 1
	}
	return &dupFinder{bits: make([]uint64, n/64), mask: n - 1, suspects: map[uint64]bool{}}
}

// add records a key's hash and reports whether it may have been seen before.
func (d *dupFinder) add(h uint64) bool {
	// Four probes by double hashing from the one 64-bit hash.
	h1, h2 := h, bits.RotateLeft64(h, 32)|1
	seen := true
	for i := uint64(0); i < 4; i++ {
		pos := (h1 + i*h2) & d.mask
		word, bit := pos/64, uint64(1)<<(pos%64)
		if d.bits[word]&bit == 0 {
			seen = false
			d.bits[word] |= bit
		}
	}
	if seen {
		d.suspects[h] = true
	}
	return seen
}

// settle takes every key hash of the file again, in file order with its
// line, and returns each real repeat's line and the line it repeats.
func (d *dupFinder) settle(next func() (h uint64, line int, ok bool)) map[int]int {
	first := map[uint64]int{}
	repeats := map[int]int{}
	for {
		h, line, ok := next()
		if !ok {
			return repeats
		}
		if !d.suspects[h] {
			continue
		}
		if f, dup := first[h]; dup {
			repeats[line] = f
		} else {
			first[h] = line
		}
	}
}
