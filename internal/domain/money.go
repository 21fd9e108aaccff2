package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in cents of the store currency. Integer cents add up
// exactly, on SQLite and PostgreSQL alike.
type Money int64

// ParseMoney reads a decimal amount as exports write it: "12.5", "-3.00",
// "35" (spreadsheets drop the decimals), "1,299.00" (thousands separators).
// More than two decimals are rounded half away from zero.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	clean := normalizeSeparators(s)
	neg := strings.HasPrefix(clean, "-")
	clean = strings.TrimLeft(clean, "+-")
	whole, frac, _ := strings.Cut(clean, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	if whole == "" {
		whole = "0"
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not an amount (use digits and a dot, like 12.50)", s)
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e15 {
		return 0, fmt.Errorf("%q is too large an amount", s)
	}
	cents := w * 100
	frac += "000"
	c, _ := strconv.ParseInt(frac[:2], 10, 64)
	cents += c
	if frac[2] >= '5' {
		cents++
	}
	if neg {
		cents = -cents
	}
	return Money(cents), nil
}

// normalizeSeparators turns the ways spreadsheets write 1299.50 into that
// form: "1,299.50" and "1.299,50" (the last separator is the decimal one),
// "12,50" (a lone comma not followed by exactly three digits is decimal),
// and "1,299" (comma groups of three are thousands).
func normalizeSeparators(s string) string {
	lastComma, lastDot := strings.LastIndex(s, ","), strings.LastIndex(s, ".")
	switch {
	case lastComma < 0:
		return s
	case lastDot > lastComma:
		return strings.ReplaceAll(s, ",", "")
	case lastDot >= 0: // 1.299,50
		return strings.Replace(strings.ReplaceAll(s, ".", ""), ",", ".", 1)
	case strings.Count(s, ",") == 1 && len(s)-lastComma-1 != 3:
		return strings.Replace(s, ",", ".", 1)
	default:
		return strings.ReplaceAll(s, ",", "")
	}
}

// String formats the amount with two decimals, as every export reads it.
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Float is the amount in currency units, for JSON and metrics.
func (m Money) Float() float64 { return float64(m) / 100 }

// MarshalJSON writes the amount as a JSON number in currency units.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON accepts a JSON number or a string holding one.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		*m = 0
		return nil
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
