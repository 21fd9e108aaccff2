package metrics

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"time"
)

// The backlog (docs/metrics.md#backlog) is a snapshot, not a flow: the
// desk's contacts open at the end of each period, which no sum of days
// gives. A contact's start and end say when it was open, so the snapshot
// of any past moment is read from the raw rows; the indexes on open and
// ended contacts keep that read to the contacts open during the range.

// BacklogAges are the age buckets of the backlog (the dimension age):
// how long a contact had been open at the snapshot, each bucket up to its
// limit (the last has none).
var BacklogAges = []BacklogAge{
	{"under 4 hours", 4 * time.Hour},
	{"4 to 24 hours", 24 * time.Hour},
	{"1 to 3 days", 72 * time.Hour},
	{"3 to 7 days", 7 * 24 * time.Hour},
	{"over 7 days", 0},
}

// BacklogAge is one age bucket of the backlog.
type BacklogAge struct {
	Name  string
	Under time.Duration // 0: no limit
}

// ageRank is a bucket's place, youngest first.
func ageRank(name string) int {
	return slices.IndexFunc(BacklogAges, func(a BacklogAge) bool { return a.Name == name })
}

func backlogAge(open time.Duration) string {
	for _, a := range BacklogAges {
		if a.Under == 0 || open < a.Under {
			return a.Name
		}
	}
	return ""
}

// backlogCut is the SQL of a contact's group in the backlog: the
// conversation's assignee and team (who owns the open work now), else
// the contact's own agent and team; channel and topic are the contact's.
func backlogCut(dim string) string {
	switch dim {
	case "agent":
		return `COALESCE(NULLIF((SELECT COALESCE(NULLIF(u.name, ''), u.email) FROM users u WHERE u.id = v.assignee_id), ''), c.agent)`
	case "team":
		return `COALESCE(NULLIF((SELECT t.name FROM teams t WHERE t.id = COALESCE(v.team_id, (SELECT u.team_id FROM users u WHERE u.id = v.assignee_id))), ''), ` + contactTeam + `)`
	case "channel", "topic":
		return `c.` + dim
	}
	return `''`
}

// backlog answers the backlog metric: for each period of the range, the
// desk's contacts open at its end (or now, for a period not over), cut by
// q.By. Imported contacts are left out: an export says when a ticket was
// solved, not what else was open on the other helpdesk.
func (e *Engine) backlog(ctx context.Context, q Query, loc *time.Location, from, to time.Time, res Result) (Result, error) {
	now := e.Now()
	type snapshot struct {
		label   string
		start   time.Time
		at      int64 // Unix time of the snapshot
		counts  map[string]float64
		total   float64
		partial bool
	}
	rangeStart, rangeEnd := from, nextMidnight(to)
	var snaps []*snapshot
	seen := map[string]bool{}
	for _, d := range days(from, to) {
		label, start := period(d, q.Grain)
		if seen[label] {
			continue
		}
		seen[label] = true
		end := periodEnd(start, q.Grain)
		if !start.Before(now) {
			continue // no snapshot of a period that has not begun
		}
		at := end
		if now.Before(at) {
			at = now
		}
		snaps = append(snaps, &snapshot{label: label, start: start, at: at.Unix(), counts: map[string]float64{},
			partial: start.Before(rangeStart) || end.After(rangeEnd) || end.After(now)})
	}
	if len(snaps) == 0 {
		return res, nil
	}
	// Open at some snapshot: started before the last, not ended by the first.
	first, last := snaps[0].at, snaps[len(snaps)-1].at
	group := backlogCut(q.By)
	rows, err := e.DB.Query(ctx, `SELECT c.started_at, c.ended_at, `+group+` FROM contacts c JOIN conversations v ON v.id = c.conversation_id
			WHERE c.ended_at IS NULL AND c.conversation_id IS NOT NULL AND c.started_at < ?
		UNION ALL
		SELECT c.started_at, c.ended_at, `+group+` FROM contacts c JOIN conversations v ON v.id = c.conversation_id
			WHERE c.ended_at > ? AND c.conversation_id IS NOT NULL AND c.started_at < ?`, last, first, last)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	l := &loader{loc: loc}
	for rows.Next() {
		var started int64
		var ended sql.NullInt64
		var g sql.NullString
		if err := rows.Scan(&started, &ended, &g); err != nil {
			return res, err
		}
		// The snapshots it is open at: taken after its start, and before
		// its end when it has one.
		i := sort.Search(len(snaps), func(i int) bool { return snaps[i].at > started })
		for ; i < len(snaps) && (!ended.Valid || snaps[i].at < ended.Int64); i++ {
			s := snaps[i]
			s.total++
			switch q.By {
			case "":
			case "age":
				s.counts[backlogAge(time.Duration(s.at-started)*time.Second)]++
			default:
				s.counts[l.groupValue(q.By, g)]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	count := func(s *snapshot, group *string, n float64) Row {
		v := n
		return Row{Period: s.label, Start: s.start.Format(dateLayout), Group: group, Value: &v, Numerator: n, Denominator: 1, Partial: s.partial}
	}
	for _, s := range snaps {
		if q.By == "" {
			res.Rows = append(res.Rows, count(s, nil, s.total))
			continue
		}
		groups := make([]string, 0, len(s.counts))
		for g := range s.counts {
			groups = append(groups, g)
		}
		if q.By == "age" {
			// Youngest first, as the buckets run.
			sort.Slice(groups, func(i, j int) bool { return ageRank(groups[i]) < ageRank(groups[j]) })
		} else {
			sort.Strings(groups)
		}
		for _, g := range groups {
			group := g
			res.Rows = append(res.Rows, count(s, &group, s.counts[g]))
		}
	}
	return res, nil
}
