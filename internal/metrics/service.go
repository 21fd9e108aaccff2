package metrics

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Team figures and satisfaction (docs/metrics.md#team-figures,
// #satisfaction). First response time and resolution time are medians,
// and a median is not a sum: a week's median is not made of its days'
// medians. So each day keeps the histogram of its durations, rounded
// coarsely enough that a day holds a few hundred distinct values at most,
// and a period's median is read from the sum of its days' histograms. The
// rounding is the whole approximation: the median is exact for the rounded
// durations, and the same from the rollup as from the raw rows.

// hist counts durations by their rounded length in minutes.
type hist map[int64]float64

// roundedMinutes rounds a duration in seconds as the histograms keep it:
// to the minute under an hour, to 5 minutes under a day, to the hour
// under 30 days, to the day beyond. A negative duration (a reply stamped
// before the contact it answers) counts as none.
func roundedMinutes(seconds int64) int64 {
	m := max(float64(seconds), 0) / 60
	step := 1.0
	switch {
	case m >= 30*24*60:
		step = 24 * 60
	case m >= 24*60:
		step = 60
	case m >= 60:
		step = 5
	}
	return int64(math.Round(m/step) * step)
}

func (h hist) add(seconds int64) hist {
	if h == nil {
		h = hist{}
	}
	h[roundedMinutes(seconds)]++
	return h
}

// merge adds o's counts to h, which it returns (a new map when h is nil:
// o is never shared).
func (h hist) merge(o hist) hist {
	if len(o) == 0 {
		return h
	}
	if h == nil {
		h = make(hist, len(o))
	}
	for k, v := range o {
		h[k] += v
	}
	return h
}

// medianHours is the median of the durations, in hours: the middle one,
// or the mean of the two middle ones when they are even in number.
func (h hist) medianHours() (float64, bool) {
	var n float64
	keys := make([]int64, 0, len(h))
	for k, v := range h {
		if v > 0 {
			keys = append(keys, k)
			n += v
		}
	}
	if n == 0 {
		return 0, false
	}
	slices.Sort(keys)
	// at returns the i-th smallest duration (0-based).
	at := func(i float64) int64 {
		seen := 0.0
		for _, k := range keys {
			seen += h[k]
			if i < seen {
				return k
			}
		}
		return keys[len(keys)-1]
	}
	mid := math.Floor((n - 1) / 2)
	m := float64(at(mid))
	if math.Mod(n, 2) == 0 {
		m = (m + float64(at(mid+1))) / 2
	}
	return m / 60, true
}

// Value stores a histogram as "minutes:count,…" in ascending minutes.
func (h hist) Value() (driver.Value, error) {
	keys := make([]int64, 0, len(h))
	for k, v := range h {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(k, 10))
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(h[k], 'f', -1, 64))
	}
	return b.String(), nil
}

// Scan reads a histogram stored by Value.
func (h *hist) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("histogram: cannot read a %T", src)
	}
	*h = nil
	for part := range strings.SplitSeq(s, ",") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, ":")
		key, err1 := strconv.ParseInt(k, 10, 64)
		n, err2 := strconv.ParseFloat(v, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("histogram: bad entry %q", part)
		}
		if *h == nil {
			*h = hist{}
		}
		(*h)[key] += n
	}
	return nil
}

// serviceDim says whether a cut keeps the team figures and satisfaction:
// the store and the contact dimensions do. No order dimension cuts them,
// so their facts are not copied into every order cut's rows.
func serviceDim(dim string) bool { return dim == "" || slices.Contains(ContactDimensions, dim) }

// eachService calls fn with the store-wide facts of the day of every cut
// that keeps team figures.
func (l *loader) eachService(day string, fn func(all *facts)) {
	for _, d := range l.dims {
		if serviceDim(d) {
			fn(l.data[d].at(day, noGroup))
		}
	}
}

// contactCut is the SQL of a contact dimension's value for contact c.
func contactCut(dim string) string {
	switch dim {
	case "team":
		return contactTeam
	case "channel", "topic", "agent":
		return `c.` + dim
	}
	return ""
}

// firstResponses loads the contacts started in the range that got a first
// response, with how long it took. Those not answered yet are left out:
// they have no duration yet, and count once they are answered.
func (l *loader) firstResponses(ctx context.Context) error {
	dims, cols := l.groupColumns(contactCut)
	rows, err := l.db.Query(ctx, `SELECT c.started_at, c.first_response_at`+cols+`
		FROM contacts c WHERE c.started_at >= ? AND c.started_at < ? AND c.first_response_at IS NOT NULL`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, ptrs := scanGroups(len(dims))
	for rows.Next() {
		var started, answered int64
		if err := rows.Scan(append([]any{&started, &answered}, ptrs...)...); err != nil {
			return err
		}
		add := func(f *facts) {
			f.answered++
			f.firstResponse = f.firstResponse.add(answered - started)
		}
		day := dayOf(started, l.loc)
		l.eachService(day, add)
		for i, d := range dims {
			add(l.data[d].at(day, l.groupValue(d, groups[i])))
		}
	}
	return rows.Err()
}

// resolutions loads the contacts that ended in the range: how long each
// took from its start, and how many replies the brand sent in it.
func (l *loader) resolutions(ctx context.Context) error {
	dims, cols := l.groupColumns(contactCut)
	rows, err := l.db.Query(ctx, `SELECT c.started_at, c.ended_at, c.replies`+cols+`
		FROM contacts c WHERE c.ended_at >= ? AND c.ended_at < ?`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, ptrs := scanGroups(len(dims))
	for rows.Next() {
		var started, ended, replies int64
		if err := rows.Scan(append([]any{&started, &ended, &replies}, ptrs...)...); err != nil {
			return err
		}
		add := func(f *facts) {
			f.resolved++
			f.resolution = f.resolution.add(ended - started)
			f.replies += float64(replies)
		}
		day := dayOf(ended, l.loc)
		l.eachService(day, add)
		for i, d := range dims {
			add(l.data[d].at(day, l.groupValue(d, groups[i])))
		}
	}
	return rows.Err()
}

// Satisfied is the lowest score that counts as satisfied: 4 or 5 of 5.
const Satisfied = 4

// satisfaction loads the surveys answered in the range, cut by the
// channel, topic and agent the survey was asked about, and the agent's
// team.
func (l *loader) satisfaction(ctx context.Context) error {
	dims, cols := l.groupColumns(func(d string) string {
		switch d {
		case "team":
			return `COALESCE((SELECT t.name FROM agents a JOIN teams t ON t.id = a.team_id WHERE a.name = s.agent), '')`
		case "channel", "topic", "agent":
			return `s.` + d
		}
		return ""
	})
	rows, err := l.db.Query(ctx, `SELECT s.answered_at, s.score`+cols+`
		FROM csat s WHERE s.answered_at >= ? AND s.answered_at < ? AND s.score IS NOT NULL`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, ptrs := scanGroups(len(dims))
	for rows.Next() {
		var answered, score int64
		if err := rows.Scan(append([]any{&answered, &score}, ptrs...)...); err != nil {
			return err
		}
		add := func(f *facts) {
			f.csatAnswers++
			if score >= Satisfied {
				f.csatSatisfied++
			}
		}
		day := dayOf(answered, l.loc)
		l.eachService(day, add)
		for i, d := range dims {
			add(l.data[d].at(day, l.groupValue(d, groups[i])))
		}
	}
	return rows.Err()
}

// median is a median metric's row terms: the median times how many
// durations it is of, and that count.
func medianTerms(h hist, n float64) (num, den float64) {
	m, ok := h.medianHours()
	if !ok {
		return 0, 0
	}
	return m * n, n
}
