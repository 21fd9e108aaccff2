package desk_test

import (
	"testing"

	"quietdesk/internal/desk"
)

func TestCallOutcome(t *testing.T) {
	for _, c := range []struct {
		status  string
		seconds int64
		want    string
	}{{"completed", 252, "answered"}, {"completed", 0, "missed"}, {"no-answer", 0, "missed"}, {"busy", 0, "missed"}, {"failed", 0, "missed"}, {"canceled", 3, "missed"}} {
		if got := desk.CallOutcome(c.status, c.seconds); got != c.want {
			t.Errorf("%s %d s: %s, want %s", c.status, c.seconds, got, c.want)
		}
	}
}
