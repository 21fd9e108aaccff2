package domain

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"strconv"
	"time"
)

// Hash fingerprints a record's stored fields. Upserts compare it with the
// stored fingerprint so that sending the same data twice writes nothing.
func Hash(parts ...any) int64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			h.Write([]byte(v))
		case int64:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write(buf[:])
		case int:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write(buf[:])
		case Money:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write(buf[:])
		case float64:
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write(buf[:])
		case bool:
			h.Write([]byte(strconv.FormatBool(v)))
		case time.Time:
			binary.LittleEndian.PutUint64(buf[:], uint64(v.Unix()))
			h.Write(buf[:])
		case *time.Time:
			if v == nil {
				h.Write([]byte{0xff})
			} else {
				binary.LittleEndian.PutUint64(buf[:], uint64(v.Unix()))
				h.Write(buf[:])
			}
		case nil:
			h.Write([]byte{0xfe})
		default:
			panic("domain.Hash: unsupported type")
		}
		h.Write([]byte{0}) // separator: "ab","c" differs from "a","bc"
	}
	return int64(h.Sum64())
}

// UnixOrNil turns an optional time into a nullable column value.
func UnixOrNil(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.Unix()
}
