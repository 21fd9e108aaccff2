package topics

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// RetrainOptions tune Retrain. The zero value gives the defaults.
type RetrainOptions struct {
	Now         time.Time
	Seed        uint64
	MinPerLabel int // labels with fewer contacts are left out (default 5)
	MinExamples int // fewer labelled contacts than this is an error (default 50)
	Progress    func(done, total int)
	// HalfLife is how fast an agent's label loses its extra weight with
	// the contact's age (default AgentHalfLife).
	HalfLife time.Duration
	// Base is what the store's labels are added to; nil: the starter data
	// shipped in the binary (StarterData).
	Base []Example
	// Sets are more held-out sets the new model must not be worse on,
	// beside the store's own and those of RegisterGateSet.
	Sets []HeldOut
}

// Comparison is the record of one retraining: both models scored on the
// same held-out sets, and the decision.
type Comparison struct {
	At          time.Time    `json:"at"`
	Labelled    int          `json:"labelled"`     // labelled contacts with text
	AgentLabels int          `json:"agent_labels"` // of which agents set
	Base        int          `json:"base"`         // starter examples trained on beside them
	TrainedOn   int          `json:"trained_on"`   // the challenger's training examples, the base included
	HeldOut     int          `json:"held_out"`     // the store's labels kept out of training
	Dropped     []string     `json:"dropped_labels,omitempty"`
	Current     Scored       `json:"current"`      // on the store's held-out labels
	Challenger  Scored       `json:"challenger"`   // the same
	Sets        []SetScore   `json:"sets"`         // every held-out set the gate judged on
	Skipped     []SkippedSet `json:"skipped_sets"` // held-out sets it did not judge on, and why
	Replaced    bool         `json:"replaced"`
	Reason      string       `json:"reason"`
	ModelID     int64        `json:"model_id"`    // the challenger's row in topic_models; 0 when not shipped
	TrainingID  int64        `json:"training_id"` // the retraining's row in topic_trainings
}

// Scored is one model's figures on the store's held-out labels. ModelID 0
// is the starter model (or, for a challenger, one that was not stored).
type Scored struct {
	ModelID  int64   `json:"model_id"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
}

// heldOutShare of the store's labels is kept out of training to judge the
// models, as whole phrasing families: those of the newest agents' labels,
// and a stratified share of the other labels' (splitLabels).
const heldOutShare = 0.2

// Names of the store's held-out sets.
const (
	SetAgentLabels    = "recent agent labels"
	SetImportedLabels = "imported and promoted labels"
)

// AgentHalfLife: an agent's label weighs 1 + 2·2^(−age/AgentHalfLife),
// age being the contact's: 3 for a contact of today, 2 at 90 days, and
// never less than an imported label (1). Agents read the message and chose
// the topic in today's taxonomy; how customers write and what the store
// calls things drift, so newer corrections count more.
const AgentHalfLife = 90 * 24 * time.Hour

// LabelWeight is a store label's weight in training: imported and
// promoted labels (and the starter data) weigh 1; an agent's label weighs
// more, the more so the more recent its contact (AgentHalfLife).
func LabelWeight(source string, at, now time.Time, halfLife time.Duration) float64 {
	if source != SourceAgent {
		return 1
	}
	if halfLife <= 0 {
		halfLife = AgentHalfLife
	}
	age := max(now.Sub(at), 0)
	return 1 + 2*math.Exp2(-float64(age)/float64(halfLife))
}

// Retrain trains a challenger on the starter data plus the store's
// labelled contacts (imported, agents' and promoted labels; merges
// applied; agents' labels weighted by LabelWeight), minus held-out sets of
// whole phrasing families: those of the newest 20% of agents' labels and a
// stratified 20% of the other labels' (splitLabels). Judge compares it
// with the current model on those sets, on opt.Sets, and on the registered
// ones (the real messages among them); it replaces the current model only
// when it is not worse on any. A set labelled onto the default taxonomy is
// skipped, with the reason recorded, in a store whose taxonomy is not the
// default one. A challenger that is worse is not stored; the retraining is
// recorded either way in topic_trainings, with its figures and why.
func Retrain(ctx context.Context, db *store.DB, opt RetrainOptions) (Comparison, error) {
	if opt.MinPerLabel == 0 {
		opt.MinPerLabel = 5
	}
	if opt.MinExamples == 0 {
		opt.MinExamples = 50
	}
	cmp := Comparison{At: opt.Now.UTC(), Sets: []SetScore{}, Skipped: []SkippedSet{}}
	current, err := Current(ctx, db)
	if err != nil {
		return cmp, err
	}
	labels, err := labelledContacts(ctx, db, current.redirects)
	if err != nil {
		return cmp, err
	}
	cmp.Labelled = len(labels)
	labels, cmp.Dropped = dropRareLabels(labels, opt.MinPerLabel)
	if n := len(distinctLabels(labels)); len(labels) < opt.MinExamples || n < 2 {
		return cmp, domain.Errorf(domain.EInvalid, "the store has %d labelled contacts with text in %d topics with %d or more each (need %d, in at least two topics): import contacts with a topic column, or correct contacts' topics, then retrain",
			len(labels), n, opt.MinPerLabel, opt.MinExamples)
	}
	var train []Example
	var weights []float64
	if mostlyDefault(labels) {
		base := opt.Base
		if base == nil {
			if base, err = StarterData(); err != nil {
				return cmp, err
			}
		}
		for _, e := range base {
			if to, ok := current.redirects[e.Label]; ok {
				e.Label = to
			}
			train = append(train, e)
			weights = append(weights, 1)
		}
		cmp.Base = len(base)
	}
	// Until here train holds the base alone.
	fit, agentHeld, otherHeld, skipped := splitLabels(labels, train, opt.Seed)
	cmp.Skipped = append(cmp.Skipped, skipped...)
	for _, l := range labels {
		if l.Source == SourceAgent {
			cmp.AgentLabels++
		}
	}
	for _, l := range fit {
		train = append(train, l.Example)
		weights = append(weights, LabelWeight(l.Source, l.At, opt.Now, opt.HalfLife))
	}
	cmp.TrainedOn, cmp.HeldOut = len(train), len(agentHeld.Examples)+len(otherHeld.Examples)
	sets, err := gateSetsFor(ctx, db, labels, append([]HeldOut{agentHeld, otherHeld}, opt.Sets...), &cmp)
	if err != nil {
		return cmp, err
	}
	m, err := Train(train, TrainOptions{Seed: opt.Seed, Progress: opt.Progress, Weights: weights})
	if err != nil {
		return cmp, err
	}
	challenger := &Classifier{Model: m, redirects: current.redirects}
	v := Judge(current, challenger, sets...)
	pooled := append(append([]Example{}, agentHeld.Examples...), otherHeld.Examples...)
	cur, chal := scoreClassifier(current, pooled), scoreClassifier(challenger, pooled)
	cmp.Current = Scored{ModelID: current.ModelID, Accuracy: cur.Accuracy, MacroF1: cur.MacroF1}
	cmp.Challenger = Scored{Accuracy: chal.Accuracy, MacroF1: chal.MacroF1}
	cmp.Sets, cmp.Replaced, cmp.Reason = v.Sets, v.Ship, v.Why
	for _, sk := range cmp.Skipped {
		cmp.Reason += fmt.Sprintf("; not judged on %s (%d): %s", sk.Name, sk.N, sk.Why)
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if cmp.Replaced {
			if cmp.ModelID, err = SaveModel(ctx, tx, m, chal, cmp, true, opt.Now); err != nil {
				return err
			}
			// The stored comparison names its own row too.
			c := cmp
			c.Challenger.ModelID = cmp.ModelID
			if _, err = tx.Exec(ctx, `UPDATE topic_models SET comparison = ? WHERE id = ?`, mustJSON(c), cmp.ModelID); err != nil {
				return err
			}
		}
		cmp.TrainingID, err = recordTraining(ctx, tx, cmp, current.ModelID)
		return err
	})
	cmp.Challenger.ModelID = cmp.ModelID
	return cmp, err
}

// maxRetrainExamples bounds what retraining reads: the most recent
// labelled contacts, which speak as customers speak now. A store of
// millions of contacts would otherwise hold them all in memory (gigabytes)
// for a model that learns little more from the millionth.
const maxRetrainExamples = 50_000

// storeLabel is a labelled contact as retraining reads it.
type storeLabel struct {
	Example
	Source string
	At     time.Time // when the contact started
}

// labelledContacts reads the most recent maxRetrainExamples contacts whose
// topic a person or an import gave, oldest first, with merged topics
// followed.
func labelledContacts(ctx context.Context, q querier, redirects map[string]string) ([]storeLabel, error) {
	rows, err := q.Query(ctx, `SELECT topic, topic_source, started_at, subject, body FROM (
			SELECT id, topic, topic_source, started_at, subject, body FROM contacts WHERE topic_source IN (?, ?, ?) AND topic <> '' ORDER BY id DESC LIMIT ?) recent
		ORDER BY id`,
		SourceImported, SourceAgent, SourcePromoted, maxRetrainExamples)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storeLabel
	for rows.Next() {
		var l storeLabel
		var subject, body string
		var at int64
		if err := rows.Scan(&l.Label, &l.Source, &at, &subject, &body); err != nil {
			return nil, err
		}
		l.Text = contactText(subject, body)
		if strings.TrimSpace(l.Text) == "" {
			continue
		}
		if to, ok := redirects[l.Label]; ok {
			l.Label = to
		}
		l.At = time.Unix(at, 0).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

func distinctLabels(labels []storeLabel) map[string]int {
	count := map[string]int{}
	for _, l := range labels {
		count[l.Label]++
	}
	return count
}

func dropRareLabels(labels []storeLabel, min int) ([]storeLabel, []string) {
	count := distinctLabels(labels)
	var dropped []string
	for l, n := range count {
		if n < min {
			dropped = append(dropped, l)
		}
	}
	sort.Strings(dropped)
	if len(dropped) == 0 {
		return labels, nil
	}
	kept := labels[:0:0]
	for _, l := range labels {
		if count[l.Label] >= min {
			kept = append(kept, l)
		}
	}
	return kept, dropped
}

// mostlyDefault reports whether at least half of the store's labels are
// topics of the default taxonomy, the starter data's. A store that labels
// in a taxonomy of its own ("shipping_status" for where_is_my_order)
// trains on its own labels alone: the starter's topics would compete with
// its own for the same words.
func mostlyDefault(labels []storeLabel) bool {
	n := 0
	for _, l := range labels {
		if IsDefault(l.Label) {
			n++
		}
	}
	return 2*n >= len(labels)
}

// splitLabels holds whole phrasing families of the store's labels out of
// training, so the models are judged on phrasings the challenger did not
// train on rather than on near-copies of its training rows. Families are
// Groups over the base the store's labels are added to and all the store's
// labels: a topic's own words are then those of the whole training data,
// not of a store that may label only two or three topics (where nearly
// every word is some topic's own and every text would fall in one empty
// frame). A held-out text has no sibling of its phrasing among the store's
// labels trained on, whatever their source; the base, which the model in
// use learnt from too, is not held out.
//
// First the agents' labels, newest first (by the contact's start, then
// id): each one's family is held out until heldOutShare of the agents'
// labels are; the newest labels say how well a model does on what
// customers write now, as people who read it judged. Then, among the
// families no agent labelled, in a shuffle seeded by seed, a family is held
// out while each label it holds is short of heldOutShare of the other
// labels of that topic (stratified). A family goes out only if it does not
// overshoot a target by more than a quarter of it (or one label), so one
// large family cannot make up a set. Each held-out label is scored in the
// set of its source: agents' in agent, the others in other. The same
// labels and seed give the same split.
func splitLabels(labels []storeLabel, base []Example, seed uint64) (fit []storeLabel, agent, other HeldOut, skipped []SkippedSet) {
	agent.Name, other.Name = SetAgentLabels, SetImportedLabels
	ex := make([]Example, 0, len(base)+len(labels))
	ex = append(ex, base...)
	for _, l := range labels {
		ex = append(ex, l.Example)
	}
	group := Groups(ex)[len(base):]
	nGroups := 0
	for _, g := range group {
		nGroups = max(nGroups, g+1)
	}
	members := make([][]int, nGroups)
	agentsIn := make([]int, nGroups)
	var agents []int
	othersOf := map[string]int{}
	for i, l := range labels {
		members[group[i]] = append(members[group[i]], i)
		if l.Source == SourceAgent {
			agentsIn[group[i]]++
			agents = append(agents, i)
		} else {
			othersOf[l.Label]++
		}
	}
	held := make([]bool, nGroups)
	fits := func(taken, n int, target float64) bool {
		return float64(taken) < target && float64(taken+n) <= target+max(1, target/4)
	}

	// labels come in id order: the newest are the latest starts, then the
	// highest ids.
	slices.Reverse(agents)
	sort.SliceStable(agents, func(a, b int) bool { return labels[agents[a]].At.After(labels[agents[b]].At) })
	target, taken := heldOutShare*float64(len(agents)), 0
	for _, i := range agents {
		if g := group[i]; !held[g] && fits(taken, agentsIn[g], target) {
			held[g] = true
			taken += agentsIn[g]
		}
	}

	// Labels of other sources in the agents' families count towards their
	// topic's share.
	takenOf := map[string]int{}
	for g, h := range held {
		for _, i := range members[g] {
			if h && labels[i].Source != SourceAgent {
				takenOf[labels[i].Label]++
			}
		}
	}
	order := make([]int, nGroups)
	for g := range order {
		order[g] = g
	}
	r := rand.New(rand.NewPCG(seed, 0xbb67ae8584caa73b))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	count := map[string]int{}
	for _, g := range order {
		if held[g] || agentsIn[g] > 0 || len(members[g]) == 0 {
			continue
		}
		clear(count)
		for _, i := range members[g] {
			count[labels[i].Label]++
		}
		ok := true
		for l, n := range count {
			if !fits(takenOf[l], n, heldOutShare*float64(othersOf[l])) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		held[g] = true
		for l, n := range count {
			takenOf[l] += n
		}
	}

	agentFamilies, otherFamilies := map[int]bool{}, map[int]bool{}
	for i, l := range labels {
		g := group[i]
		switch {
		case !held[g]:
			fit = append(fit, l)
		case l.Source == SourceAgent:
			agent.Examples = append(agent.Examples, l.Example)
			agentFamilies[g] = true
		default:
			other.Examples = append(other.Examples, l.Example)
			otherFamilies[g] = true
		}
	}
	agent.Families, other.Families = len(agentFamilies), len(otherFamilies)
	for _, s := range []struct {
		set HeldOut
		n   int
	}{{agent, len(agents)}, {other, len(labels) - len(agents)}} {
		if s.n > 0 && len(s.set.Examples) == 0 {
			skipped = append(skipped, SkippedSet{Name: s.set.Name, N: s.n, Why: "no phrasing family of these labels is small enough to hold out alone: all of them trained"})
		}
	}
	return fit, agent, other, skipped
}

// gateSetsFor is every set a retraining is judged on: the store's held-out
// labels and opt.Sets (sets), then the registered ones. A set labelled onto
// the default taxonomy is left out, and noted in cmp.Skipped, when the
// store's taxonomy is not the default one: its labels would not be the
// topics the store gives.
func gateSetsFor(ctx context.Context, q querier, labels []storeLabel, sets []HeldOut, cmp *Comparison) ([]HeldOut, error) {
	registered, err := registeredGateSets()
	if err != nil {
		return nil, err
	}
	sets = append(sets, registered...)
	var diff []string
	checked := false
	out := make([]HeldOut, 0, len(sets))
	for _, s := range sets {
		if s.DefaultTaxonomy {
			if !checked {
				names := make([]string, len(labels))
				for i, l := range labels {
					names[i] = l.Label
				}
				if diff, err = taxonomyDifference(ctx, q, names); err != nil {
					return nil, err
				}
				checked = true
			}
			if len(diff) > 0 {
				cmp.Skipped = append(cmp.Skipped, SkippedSet{Name: s.Name, N: len(s.Examples), Why: "the store's taxonomy is not the default one (" + listSome(diff, "; ", maxListed) + ")"})
				continue
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// scoreClassifier scores what a contact would get from c.
func scoreClassifier(c *Classifier, examples []Example) Report {
	gold := make([]string, len(examples))
	pred := make([]string, len(examples))
	conf := make([]float64, len(examples))
	for i, e := range examples {
		a := c.Assign("", "", e.Text)
		gold[i], pred[i], conf[i] = e.Label, a.Topic, a.Confidence.Float64
	}
	return Score(gold, pred, conf)
}

// The starter data, shipped so that a store's retraining starts from what
// the starter model learnt (README.md, "The starter model").
//
//go:embed starter/*.csv
var starterData embed.FS

// StarterData returns the starter model's training examples from the
// copies in the binary, as StarterExamplesFrom reads them from a folder.
func StarterData() ([]Example, error) {
	sub, err := fs.Sub(starterData, "starter")
	if err != nil {
		return nil, err
	}
	return readStarter(sub)
}
