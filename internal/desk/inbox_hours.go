package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings of the inbox (quietdesk settings set KEY VALUE); docs/desk.md
// describes each.
const (
	// SettingFirstResponseHours is the first-response target: a customer
	// waiting longer than this for the brand's first answer is a breach.
	SettingFirstResponseHours = "desk.first_response_hours"
	// SettingBusinessHours are the hours that count toward the target,
	// "Mon-Fri 09:00-17:00" in the store's time zone; unset, every hour.
	SettingBusinessHours = "desk.business_hours"
	// SettingRoundRobin, "on", gives new unassigned conversations to agents
	// in turn.
	SettingRoundRobin = "desk.round_robin"
	// SettingReturnWindow is how many days after delivery a customer may
	// return an order (the {{return_deadline}} of saved replies). It is
	// the return policy's window, defined (help, check) with the policy in
	// package selfserve; the desk only reads it.
	SettingReturnWindow = "returns.window_days"
	// SettingTrackingURL builds a tracking link from a carrier and a
	// tracking number when the shipment's event carries no link:
	// "https://track.example.com/{carrier}/{number}".
	SettingTrackingURL = "desk.tracking_url"
)

// Defaults of the settings above.
const (
	DefaultFirstResponseHours = 24
	DefaultReturnWindowDays   = 30
)

// InboxSetting describes one of the inbox's settings for the CLI.
type InboxSetting struct {
	Key   string
	Help  string
	Check func(value string) error
}

// InboxSettings lists the inbox's settings with a check of their values.
var InboxSettings = []InboxSetting{
	{Key: SettingFirstResponseHours, Help: "first-response target in hours; longer waits show as breaches in the inbox (24 until set)", Check: func(v string) error {
		_, err := parseHours(v)
		return err
	}},
	{Key: SettingBusinessHours, Help: `hours that count toward the first-response target, like "Mon-Fri 09:00-17:00; Sat 10:00-14:00" in the store's time zone (every hour until set)`, Check: func(v string) error {
		_, err := ParseBusinessHours(v, time.UTC)
		return err
	}},
	{Key: SettingRoundRobin, Help: "on: new unassigned conversations go to agents in turn (off until set)", Check: func(v string) error {
		if v != "on" && v != "off" {
			return fmt.Errorf("%q is neither on nor off", v)
		}
		return nil
	}},
	{Key: SettingTrackingURL, Help: "tracking link for carriers whose events carry none, with {carrier} and {number}: https://track.example.com/{carrier}/{number}", Check: func(v string) error {
		if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") || !strings.Contains(v, "{number}") {
			return fmt.Errorf("%q is not an http(s) address with {number} in it", v)
		}
		return nil
	}},
}

func parseHours(v string) (float64, error) {
	h, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || h <= 0 || h > 24*365 {
		return 0, fmt.Errorf("%q is not a number of hours above 0 (like 24 or 4.5)", v)
	}
	return h, nil
}

func parseReturnWindow(v string) (int, error) {
	d, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || d < 0 || d > 3650 {
		return 0, fmt.Errorf("%q is not a number of days from 0 to 3650", v)
	}
	return d, nil
}

// inboxSetting reads a store setting, "" when unset.
func inboxSetting(ctx context.Context, q Querier, key string) (string, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return strings.TrimSpace(v), err
}

// storeLocation is the store's time zone (the setting timezone), UTC when
// unset or unknown.
func storeLocation(ctx context.Context, q Querier) (*time.Location, error) {
	name, err := inboxSetting(ctx, q, "timezone")
	if err != nil || name == "" {
		return time.UTC, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// BusinessHours are the hours of each weekday the team answers in, in
// the store's time zone. The zero value counts every hour.
type BusinessHours struct {
	days [7][]span // by time.Weekday, sorted, not overlapping
	loc  *time.Location
	set  bool
}

// IsSet reports whether the hours were set (the zero value counts every
// hour).
func (h BusinessHours) IsSet() bool { return h.set }

// span is a stretch of a day, in minutes after midnight.
type span struct{ from, to int }

var weekdays = map[string]time.Weekday{"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday}

// ParseBusinessHours reads groups of "DAYS HH:MM-HH:MM" separated by ";"
// or ",": "Mon-Fri 09:00-17:00; Sat 10:00-14:00". DAYS is a day or a range
// of days (Mon, Tue, …, Sun); times are in loc, 24:00 ends a day.
func ParseBusinessHours(s string, loc *time.Location) (BusinessHours, error) {
	h := BusinessHours{loc: loc, set: true}
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' })
	if len(groups) == 0 {
		return BusinessHours{}, fmt.Errorf("%q names no hours: write them like \"Mon-Fri 09:00-17:00\"", s)
	}
	for _, g := range groups {
		f := strings.Fields(g)
		if len(f) != 2 {
			return BusinessHours{}, fmt.Errorf("%q is not \"DAYS HH:MM-HH:MM\" (like \"Mon-Fri 09:00-17:00\")", strings.TrimSpace(g))
		}
		days, err := parseDays(f[0])
		if err != nil {
			return BusinessHours{}, err
		}
		sp, err := parseSpan(f[1])
		if err != nil {
			return BusinessHours{}, err
		}
		for _, d := range days {
			h.days[d] = append(h.days[d], sp)
		}
	}
	for d := range h.days {
		h.days[d] = mergeSpans(h.days[d])
	}
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	first, last, isRange := strings.Cut(strings.ToLower(s), "-")
	a, ok := weekdays[first]
	if !ok {
		return nil, fmt.Errorf("%q is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun, or a range like Mon-Fri", s)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := weekdays[last]
	if !ok {
		return nil, fmt.Errorf("%q is not a range of days like Mon-Fri", s)
	}
	var out []time.Weekday
	for d := a; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == b {
			return out, nil
		}
	}
}

func parseSpan(s string) (span, error) {
	a, b, ok := strings.Cut(s, "-")
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	if !ok || err1 != nil || err2 != nil || to <= from {
		return span{}, fmt.Errorf("%q is not a time range like 09:00-17:00 (start before end, 24:00 at the latest)", s)
	}
	return span{from, to}, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return h*60 + m, nil
}

func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

// maxBusinessDays bounds the walk over days: a wait this long has broken
// any target, whatever the hours.
const maxBusinessDays = 400

// Elapsed is how much of the time from start to end falls in business
// hours (all of it without business hours).
func (h BusinessHours) Elapsed(start, end time.Time) time.Duration {
	if !end.After(start) {
		return 0
	}
	if !h.set || end.Sub(start) > maxBusinessDays*24*time.Hour {
		return end.Sub(start)
	}
	var total time.Duration
	s := start.In(h.loc)
	day := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, h.loc)
	for !day.After(end) {
		for _, sp := range h.days[day.Weekday()] {
			// time.Date per bound keeps a day's hours right across a
			// daylight-saving change.
			from := time.Date(day.Year(), day.Month(), day.Day(), sp.from/60, sp.from%60, 0, 0, h.loc)
			to := time.Date(day.Year(), day.Month(), day.Day(), sp.to/60, sp.to%60, 0, 0, h.loc)
			if from.Before(start) {
				from = start
			}
			if to.After(end) {
				to = end
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, h.loc)
	}
	return total
}

// ResponseTarget is the first-response target (docs/desk.md#first-response-target):
// how long a customer may wait for the brand's first answer, counted in
// business hours.
type ResponseTarget struct {
	Within time.Duration
	Hours  BusinessHours
	// Problem says which setting could not be read and what is used
	// instead; the inbox shows it rather than failing.
	Problem string
}

// LoadResponseTarget reads the target from the store's settings.
func LoadResponseTarget(ctx context.Context, q Querier) (ResponseTarget, error) {
	t := ResponseTarget{Within: DefaultFirstResponseHours * time.Hour}
	v, err := inboxSetting(ctx, q, SettingFirstResponseHours)
	if err != nil {
		return t, err
	}
	if v != "" {
		h, err := parseHours(v)
		if err != nil {
			t.Problem = fmt.Sprintf("setting %s: %v; the target is %d hours until it is fixed", SettingFirstResponseHours, err, DefaultFirstResponseHours)
		} else {
			t.Within = time.Duration(h * float64(time.Hour))
		}
	}
	v, err = inboxSetting(ctx, q, SettingBusinessHours)
	if err != nil || v == "" {
		return t, err
	}
	loc, err := storeLocation(ctx, q)
	if err != nil {
		return t, err
	}
	hours, err := ParseBusinessHours(v, loc)
	if err != nil {
		t.Problem = fmt.Sprintf("setting %s: %v; every hour counts until it is fixed", SettingBusinessHours, err)
		return t, nil
	}
	t.Hours = hours
	return t, nil
}

// Breached reports whether a customer waiting since awaiting has waited
// past the target at now.
func (t ResponseTarget) Breached(awaiting, now time.Time) bool {
	return t.Hours.Elapsed(awaiting, now) > t.Within
}
