package commerce_test

import (
	"strings"
	"testing"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]string{"0.9200": "0.92", "018.2345": "18.2345", "1": "1", "1.0": "1", ".5": "0.5", " 0.0571 ": "0.0571"} {
		if got, err := commerce.ParseRate(in); err != nil || string(got) != want {
			t.Errorf("ParseRate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, why := range map[string]string{"": "is required", "0": "above 0", "0.000": "above 0", "-1.2": "not a rate", "1,25": "with a dot",
		"1,250.00": "with a dot", "abc": "not a rate", "1e3": "not a rate", ".": "not a rate", "0.1234567890123": "more than 12 decimals"} {
		if _, err := commerce.ParseRate(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseRate(%q): err = %v, want it to say %q", in, err, why)
		}
	}
}

// Conversion is exact and rounds once, half away from zero.
func TestRateConvert(t *testing.T) {
	for _, c := range []struct {
		rate     commerce.Rate
		in, want domain.Money
	}{
		{"0.5", 1, 1}, {"0.5", -1, -1}, {"0.5", 3, 2}, {"0.5", -3, -2}, {"0.5", 2, 1},
		{"0.8429", 21600, 18207}, {"0.8429", 1500, 1264}, // 18206.64 and 1264.35
		{"1.15", 50, 58}, // 57.5, where the float 50 × 1.15 is 57.49999…
		{"18.2345", 0, 0}, {"", 1234, 1234},
	} {
		if got, err := c.rate.Convert(c.in); err != nil || got != c.want {
			t.Errorf("%s × %s = %s, %v; want %s", c.in, c.rate, got, err, c.want)
		}
	}
	if _, err := commerce.Rate("27000").Convert(1e17); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("an overflow: err = %v", err)
	}
}
