package topics

import (
	"context"
	"encoding/json"
)

// Candidates lists the stored discovery candidates still open (not
// promoted), the newest discovery first, each with its representative
// messages.
func Candidates(ctx context.Context, q querier) ([]Candidate, error) {
	rows, err := q.Query(ctx, `SELECT id, size, terms, weekly FROM topic_candidates WHERE status = 'open' ORDER BY created_at DESC, size DESC, id`)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var terms, weekly string
		if err := rows.Scan(&c.ID, &c.Size, &terms, &weekly); err != nil {
			rows.Close()
			return nil, err
		}
		json.Unmarshal([]byte(terms), &c.Terms)
		json.Unmarshal([]byte(weekly), &c.Weekly)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		ex, err := q.Query(ctx, `SELECT c.subject, c.body FROM topic_candidate_members m JOIN contacts c ON c.id = m.contact_id
			WHERE m.candidate_id = ? AND m.representative ORDER BY c.id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for ex.Next() {
			var subject, body string
			if err := ex.Scan(&subject, &body); err != nil {
				ex.Close()
				return nil, err
			}
			out[i].Examples = append(out[i].Examples, contactText(subject, body))
		}
		ex.Close()
	}
	return out, nil
}
