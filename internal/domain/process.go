package domain

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
)

// ProcessName names this process in claims other processes on the same
// database can read (claimed_by): host, process id and a random suffix,
// unique even when two processes on one host reuse a pid.
func ProcessName() string {
	host, _ := os.Hostname()
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
