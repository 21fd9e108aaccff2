package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateOrder says how to read slash dates such as 03/04/2026, which
// spreadsheets write without saying which part is the day.
type DateOrder int

const (
	DayFirst   DateOrder = iota // 03/04/2026 is 3 April (most of the world)
	MonthFirst                  // 03/04/2026 is 4 March (United States)
)

// TimeParser reads the time formats exports use, in a store time zone when
// the text carries no offset.
type TimeParser struct {
	Loc   *time.Location
	Order DateOrder
}

var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05 -0700", // Shopify
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02T15:04:05.000Z",
}

var localLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// Parse reads a timestamp; text without an offset is in the parser's zone.
func (p TimeParser) Parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	if t, ok := parseISOLocal(s, loc); ok {
		return t, nil
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	if t, ok := p.parseSlashed(s, loc); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (use RFC 3339 like 2026-03-02T14:05:00Z or 2026-03-02 14:05:00)", s)
}

// parseSlashed reads spreadsheet dates: 11/05/2025, 11/05/2025 09:55 or
// 11/05/2025 09:55:16. A part above 12 settles the order on its own.
func (p TimeParser) parseSlashed(s string, loc *time.Location) (time.Time, bool) {
	datePart, clock, _ := strings.Cut(s, " ")
	parts := strings.Split(datePart, "/")
	if len(parts) != 3 {
		parts = strings.Split(datePart, ".")
		if len(parts) != 3 {
			return time.Time{}, false
		}
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return time.Time{}, false
	}
	if y < 100 {
		y += 2000
	}
	day, month := a, b
	if p.Order == MonthFirst {
		day, month = b, a
	}
	if a > 12 && b <= 12 {
		day, month = a, b
	} else if b > 12 && a <= 12 {
		day, month = b, a
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	var h, m, sec int
	if clock = strings.TrimSpace(clock); clock != "" {
		cp := strings.Split(clock, ":")
		if len(cp) < 2 || len(cp) > 3 {
			return time.Time{}, false
		}
		var err error
		if h, err = strconv.Atoi(cp[0]); err != nil || h > 23 {
			return time.Time{}, false
		}
		if m, err = strconv.Atoi(cp[1]); err != nil || m > 59 {
			return time.Time{}, false
		}
		if len(cp) == 3 {
			if sec, err = strconv.Atoi(cp[2]); err != nil || sec > 59 {
				return time.Time{}, false
			}
		}
	}
	t := time.Date(y, time.Month(month), day, h, m, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, false // 31 April and the like
	}
	return t, true
}

// ParseDate reads a calendar date and returns it as YYYY-MM-DD.
func (p TimeParser) ParseDate(s string) (string, error) {
	t, err := p.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a date (use YYYY-MM-DD)", strings.TrimSpace(s))
	}
	return t.In(p.location()).Format("2006-01-02"), nil
}

func (p TimeParser) location() *time.Location {
	if p.Loc == nil {
		return time.UTC
	}
	return p.Loc
}

// parseISOLocal reads "YYYY-MM-DD HH:MM:SS" without trying every layout:
// it is what generic files and most exports write, and imports parse
// millions of them.
func parseISOLocal(s string, loc *time.Location) (time.Time, bool) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}
