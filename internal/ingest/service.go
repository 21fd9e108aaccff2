package ingest

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/desk"
)

// The service a ticket got, as the helpdesks' exports and the generic
// contacts file tell it (docs/formats.md §1.4 and §2.4): first response,
// resolution, replies and the customer's rating, feeding the team figures
// and satisfaction (docs/metrics.md#team-figures).

// after reads an elapsed-time column as the moment it ends: start plus the
// duration, nil when the cell is empty. unit is what a bare number counts
// (time.Minute for Zendesk's "… in minutes"); a value with its own units
// ("1h 05m", "01:05:00") says for itself.
func (r *reader) after(start time.Time, column string, unit time.Duration) *time.Time {
	if column == "" || start.IsZero() {
		return nil
	}
	s := r.str(column)
	if s == "" || s == "-" {
		return nil
	}
	d, ok := parseElapsed(s, unit)
	if !ok {
		r.problems.Add(column, "%q is not a duration (a number of %s, or like 1h 05m or 01:05:00)", s, unitName(unit))
		return nil
	}
	if d < 0 {
		r.problems.Add(column, "%q is negative", s)
		return nil
	}
	t := start.Add(d)
	return &t
}

func unitName(unit time.Duration) string {
	switch unit {
	case time.Minute:
		return "minutes"
	case time.Hour:
		return "hours"
	}
	return "seconds"
}

var (
	clockDuration = regexp.MustCompile(`^(\d+):(\d{1,2})(?::(\d{1,2}))?$`)
	unitDuration  = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(d|h|m|min|s|sec)\b`)
)

// parseElapsed reads a duration: a bare number of unit (a spreadsheet's
// "95.0" too), H:MM or H:MM:SS, or numbers with units (2d 3h, 1h 05m, 40s).
func parseElapsed(s string, unit time.Duration) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(unit)), true
	}
	if m := clockDuration.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		sec := 0
		if m[3] != "" {
			sec, _ = strconv.Atoi(m[3])
		}
		return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second, true
	}
	parts := unitDuration.FindAllStringSubmatch(s, -1)
	if len(parts) == 0 || strings.TrimSpace(unitDuration.ReplaceAllString(s, "")) != "" {
		return 0, false
	}
	var d time.Duration
	for _, p := range parts {
		n, _ := strconv.ParseFloat(p[1], 64)
		u := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "min": time.Minute, "s": time.Second, "sec": time.Second}[p[2]]
		d += time.Duration(n * float64(u))
	}
	return d, true
}

// count reads an optional whole number column that tools fill with a
// count (replies), 0 when the file lacks it.
func (r *reader) count(column string) int64 {
	if column == "" {
		return 0
	}
	n := r.integer(column)
	if n < 0 {
		r.problems.Add(column, "must not be negative (got %d)", n)
		return 0
	}
	return n
}

// zendeskSatisfaction maps Zendesk's "Satisfaction Score" to a rating:
// Good is 5 and Bad 1 (Zendesk asks good or bad; on our scale of 1 to 5
// those are the two ends, so "satisfied" means the same on both), Offered
// is a survey sent and not answered, and Not Offered (or Unoffered, or
// empty) is none.
func zendeskSatisfaction(r *reader, column string, at time.Time) *desk.ImportedSatisfaction {
	v := strings.ToLower(r.str(column))
	switch {
	case v == "" || v == "-" || v == "not offered" || v == "unoffered":
		return nil
	case strings.HasPrefix(v, "good"):
		return &desk.ImportedSatisfaction{Score: 5, At: at}
	case strings.HasPrefix(v, "bad"):
		return &desk.ImportedSatisfaction{Score: 1, At: at}
	case v == "offered":
		return &desk.ImportedSatisfaction{At: at}
	}
	r.problems.Add(column, "%q is not a satisfaction score: Zendesk writes Good, Bad, Offered or Not Offered", r.str(column))
	return nil
}

// scaleSatisfaction reads a 1-to-5 score (Gorgias's survey, the generic
// csat_score), with its comment; offered says a survey went out even
// when it has no score.
func scaleSatisfaction(r *reader, scoreColumn, commentColumn string, offered bool, at time.Time) *desk.ImportedSatisfaction {
	s := r.str(scoreColumn)
	if s == "" || s == "-" {
		if offered {
			return &desk.ImportedSatisfaction{At: at}
		}
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n != float64(int(n)) || n < 1 || n > 5 {
		r.problems.Add(scoreColumn, "%q is not a score from 1 to 5", s)
		return nil
	}
	return &desk.ImportedSatisfaction{Score: int(n), Comment: r.str(commentColumn), At: at}
}

// ratedAt is when a ticket's rating is taken to be given: exports do not
// say, and surveys go out when a ticket is resolved, so its resolution,
// else its creation.
func ratedAt(start time.Time, ended *time.Time) time.Time {
	if ended != nil {
		return *ended
	}
	return start
}
