package domain

import (
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	cases := map[string]Money{"12.5": 1250, "-3.00": -300, "35": 3500, "1,299.00": 129900, "0.125": 13, "": 0, ".5": 50, "12,50": 1250, "1.299,50": 129950, "1,299": 129900, "-0,5": -50}
	for in, want := range cases {
		got, err := ParseMoney(in)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"abc", "1.2.3", "12 EUR", "-"} {
		if _, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) accepted", bad)
		}
	}
	if s := Money(-1205).String(); s != "-12.05" {
		t.Errorf("String = %s", s)
	}
}

func TestTimeParser(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	p := TimeParser{Loc: paris}
	cases := map[string]time.Time{
		"2025-05-11 09:55:16 -0400": time.Date(2025, 5, 11, 13, 55, 16, 0, time.UTC),
		"2026-03-02T14:05:00Z":      time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC),
		"2026-07-01 10:00:00":       time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), // CEST
		"11/05/2025 09:55":          time.Date(2025, 5, 11, 7, 55, 0, 0, time.UTC),
		"05/13/2025 09:55":          time.Date(2025, 5, 13, 7, 55, 0, 0, time.UTC), // 13 can only be the day
		"2026-01-15":                time.Date(2026, 1, 14, 23, 0, 0, 0, time.UTC),
	}
	for in, want := range cases {
		got, err := p.Parse(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got.UTC(), err, want)
		}
	}
	us := TimeParser{Loc: time.UTC, Order: MonthFirst}
	if got, _ := us.Parse("03/04/2026"); got.Month() != time.March {
		t.Errorf("month-first read %v", got)
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "31/04/2026", "2026-02-30 10:00:00"} {
		if _, err := p.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
