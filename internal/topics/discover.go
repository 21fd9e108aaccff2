package topics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// DiscoverOptions tune Discover. Zero values give the defaults.
type DiscoverOptions struct {
	From, To time.Time // contacts started in [From, To)
	// LowConfidence: contacts the model placed with less confidence than
	// this are clustered too, not only those in other (default 0.6).
	LowConfidence float64
	// MaxContacts: the most recent ones are clustered (default 2,000; the
	// clustering holds an n×n matrix: 16 MB at 2,000).
	MaxContacts int
	MinSize     int // smallest candidate (default 5, or 3% of the contacts)
	// MinSimilarity: groups merge while their messages are on average at
	// least this alike (cosine of TF-IDF vectors without stop words;
	// unrelated messages score about 0; default 0.1).
	MinSimilarity float64
	Now           time.Time
	Location      *time.Location // where weeks are cut (default UTC)
}

// Candidate is a group of contacts the model could not place that look
// alike: a topic nobody has named yet, perhaps.
type Candidate struct {
	ID       int64       `json:"id"`
	Size     int         `json:"size"`
	Terms    []string    `json:"terms"`
	Weekly   []WeekCount `json:"weekly"`
	Examples []string    `json:"examples"`
	Cohesion float64     `json:"cohesion"`
	Members  []int64     `json:"-"`
}

// WeekCount is how many of a candidate's contacts started in an ISO week.
type WeekCount struct {
	Week  string `json:"week"`
	Count int    `json:"count"`
}

const (
	maxTerms    = 8
	maxExamples = 3
	// discoverIDFDiscount is taken from the idf of discovery's word
	// features (the vectorizer's smoothed idf is at least 1).
	discoverIDFDiscount = 0.5
	// discoverConceptShare is the concepts' share of discovery's vectors
	// (conceptShare is the classifier's): enough that "cracked" meets
	// "broken", little enough that every payment word does not make one
	// group.
	discoverConceptShare = 0.1
)

func pick[T any](xs []T, keep []int) []T {
	out := make([]T, len(keep))
	for i, k := range keep {
		out[i] = xs[k]
	}
	return out
}

// Discover clusters the contacts of a period that the model put in other or
// placed with low confidence, keeps the clusters that are big and tight
// enough, and stores them as open candidates (replacing the open
// candidates of earlier runs), largest first.
func Discover(ctx context.Context, db *store.DB, opt DiscoverOptions) ([]Candidate, error) {
	opt = opt.withDefaults()
	if !opt.To.After(opt.From) {
		return nil, domain.Errorf(domain.EInvalid, "--to must come after --from")
	}
	ids, starts, texts, err := unplaced(ctx, db, opt)
	if err != nil {
		return nil, err
	}
	out := clusterTexts(ids, starts, texts, opt)
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE topic_candidates SET status = 'superseded' WHERE status = 'open'`); err != nil {
			return err
		}
		for i := range out {
			if err := saveCandidate(ctx, tx, &out[i], opt); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (o DiscoverOptions) withDefaults() DiscoverOptions {
	if o.LowConfidence == 0 {
		o.LowConfidence = 0.6
	}
	if o.MaxContacts == 0 {
		o.MaxContacts = 2000
	}
	if o.MinSize == 0 {
		o.MinSize = 5
	}
	if o.MinSimilarity == 0 {
		o.MinSimilarity = 0.1
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return o
}

// minSizeOf is the smallest candidate among n texts: MinSize, or 3% of
// them when that is more.
func (o DiscoverOptions) minSizeOf(n int) int {
	return max(o.MinSize, int(math.Ceil(0.03*float64(n))))
}

// unplaced reads the contacts the model put in other or was unsure about;
// labels that people gave are never second-guessed.
func unplaced(ctx context.Context, q querier, opt DiscoverOptions) (ids []int64, starts []time.Time, texts []string, err error) {
	rows, err := q.Query(ctx, `SELECT id, started_at, subject, body FROM contacts
		WHERE started_at >= ? AND started_at < ? AND topic_source IN (?, '')
		AND (topic IN (?, '') OR topic_confidence < ?)
		ORDER BY started_at DESC, id DESC LIMIT ?`,
		opt.From.Unix(), opt.To.Unix(), SourceModel, Other, opt.LowConfidence, opt.MaxContacts)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var subject, body string
		if err := rows.Scan(&id, &at, &subject, &body); err != nil {
			return nil, nil, nil, err
		}
		text := contactText(subject, body)
		if strings.TrimSpace(text) == "" {
			continue
		}
		ids, starts, texts = append(ids, id), append(starts, time.Unix(at, 0)), append(texts, text)
	}
	return ids, starts, texts, rows.Err()
}

// clusterTexts is discovery without the store: the candidates among
// texts, with their ids and starts beside them (opt with its defaults).
func clusterTexts(ids []int64, starts []time.Time, texts []string, opt DiscoverOptions) []Candidate {
	minSize := opt.minSizeOf(len(ids))
	if len(ids) < 2*minSize {
		return nil
	}
	return cluster(ids, starts, texts, minSize, opt)
}

func cluster(ids []int64, starts []time.Time, texts []string, minSize int, opt DiscoverOptions) []Candidate {
	docs := make([][]string, len(texts))
	for i, t := range texts {
		docs[i] = withoutStopwords(Prepare(t, nil))
	}
	vec := buildVectorizer(docs, 2, 0)
	vec.ConceptShare = discoverConceptShare
	// A word found in half the messages ("card" at a bank, "order" at a
	// shop) joins messages that share nothing else, so discovery lowers
	// every word's idf by a constant: common words lose much of their
	// weight, rare ones little. Plain idf (lowering by 1) went too far: the
	// planted issue's own code, in about two of five messages, no longer held its
	// messages together (docs/topics.md#discovery has the figures).
	for f := range vec.Words {
		vec.IDF[f] -= discoverIDFDiscount
	}
	// Messages left with no known feature cannot join anything.
	var xs []Vector
	var keep []int
	for i, d := range docs {
		if x := vec.Transform(d, Vector{}); len(x.Idx) > 0 {
			xs, keep = append(xs, x), append(keep, i)
		}
	}
	ids, starts, texts = pick(ids, keep), pick(starts, keep), pick(texts, keep)
	if len(xs) < 2*minSize {
		return nil
	}
	groups := averageLinkage(xs, opt.MinSimilarity)
	mean := make([]float64, len(vec.Keys))
	for _, x := range xs {
		for j, f := range x.Idx {
			mean[f] += float64(x.Val[j]) / float64(len(xs))
		}
	}
	var out []Candidate
	for _, members := range groups {
		if len(members) < minSize {
			continue
		}
		cohesion := meanPairwise(xs, members)
		center := centroid(xs, members, len(vec.Keys))
		sim := make(map[int]float64, len(members))
		for _, i := range members {
			sim[i] = dotDense(xs[i], center)
		}
		cand := Candidate{Size: len(members), Cohesion: math.Round(cohesion*1000) / 1000}
		cand.Terms = topTerms(vec, center, mean, maxTerms)
		// Most typical first: the representative messages.
		sort.Slice(members, func(a, b int) bool {
			if sim[members[a]] != sim[members[b]] {
				return sim[members[a]] > sim[members[b]]
			}
			return ids[members[a]] < ids[members[b]]
		})
		weeks := map[string]int{}
		for n, i := range members {
			cand.Members = append(cand.Members, ids[i])
			if n < maxExamples {
				cand.Examples = append(cand.Examples, texts[i])
			}
			y, w := starts[i].In(opt.Location).ISOWeek()
			weeks[fmt.Sprintf("%d-W%02d", y, w)]++
		}
		for w, n := range weeks {
			cand.Weekly = append(cand.Weekly, WeekCount{Week: w, Count: n})
		}
		sort.Slice(cand.Weekly, func(a, b int) bool { return cand.Weekly[a].Week < cand.Weekly[b].Week })
		out = append(out, cand)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Size > out[b].Size })
	return out
}

// topTerms are the words and word pairs that set a cluster apart: the
// largest weights in its centroid above their weight in the average
// message, placeholders left out.
func topTerms(vec *Vectorizer, centroid, mean []float64, n int) []string {
	type term struct {
		key string
		w   float64
	}
	var terms []term
	for f := vec.Concepts; f < vec.Words; f++ {
		key := vec.Keys[f]
		if strings.Contains(key, "_") || len(key) < 3 {
			continue
		}
		if w := centroid[f] - mean[f]; w > 0 {
			terms = append(terms, term{key[1:], w})
		}
	}
	sort.Slice(terms, func(a, b int) bool {
		if terms[a].w != terms[b].w {
			return terms[a].w > terms[b].w
		}
		return terms[a].key < terms[b].key
	})
	var out []string
	for _, t := range terms {
		if len(out) == n {
			break
		}
		// A pair says more than its words alone; skip a word already in a pair.
		dup := false
		for _, o := range out {
			if strings.Contains(" "+o+" ", " "+t.key+" ") || strings.Contains(" "+t.key+" ", " "+o+" ") {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t.key)
		}
	}
	return out
}

func saveCandidate(ctx context.Context, tx *store.Tx, c *Candidate, opt DiscoverOptions) error {
	terms, _ := json.Marshal(c.Terms)
	weekly, _ := json.Marshal(c.Weekly)
	err := tx.QueryRow(ctx, `INSERT INTO topic_candidates (created_at, from_day, to_day, size, terms, weekly) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		opt.Now.Unix(), opt.From.In(opt.Location).Format(time.DateOnly), opt.To.In(opt.Location).Format(time.DateOnly), c.Size, string(terms), string(weekly)).Scan(&c.ID)
	if err != nil {
		return err
	}
	rows := make([][]any, len(c.Members))
	for i, id := range c.Members {
		rows[i] = []any{c.ID, id, i < maxExamples}
	}
	return store.InsertRows(ctx, tx, "topic_candidate_members", []string{"candidate_id", "contact_id", "representative"}, rows, "")
}

// Promote makes candidate id the topic topicID (added when new, with name)
// and labels its contacts with it, except those a person has labelled
// since. It returns how many contacts it labelled.
func Promote(ctx context.Context, tx *store.Tx, id int64, topicID, name string, now time.Time) (int, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM topic_candidates WHERE id = ?`, id).Scan(&status)
	if err != nil {
		return 0, domain.Errorf(domain.ENotFound, "no candidate %d: quietdesk topics discover lists them", id)
	}
	if status != "open" {
		return 0, domain.Errorf(domain.EInvalid, "candidate %d is %s, not open: run quietdesk topics discover again", id, status)
	}
	t, err := get(ctx, tx, topicID)
	switch {
	case domain.ErrorCode(err) == domain.ENotFound:
		if err := AddTopic(ctx, tx, topicID, name, now); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	case t.Status != "active":
		return 0, domain.Errorf(domain.EInvalid, "topic %q is retired: promote into an active or a new topic", topicID)
	}
	res, err := tx.Exec(ctx, `UPDATE contacts SET topic = ?, topic_source = ? WHERE topic_source IN (?, '')
		AND id IN (SELECT contact_id FROM topic_candidate_members WHERE candidate_id = ?)`, topicID, SourcePromoted, SourceModel, id)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.Exec(ctx, `UPDATE topic_candidates SET status = 'promoted', promoted_to = ? WHERE id = ?`, topicID, id); err != nil {
		return 0, err
	}
	t, _ = get(ctx, tx, topicID)
	return int(n), event(ctx, tx, Event{TopicID: topicID, Kind: "promoted", NewName: t.Name, Contacts: int(n), At: now, Candidate: id})
}
