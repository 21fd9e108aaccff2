package topics

import (
	"context"
	"fmt"
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
}

// Comparison is the record of one retraining: both models scored on the
// same held-out slice of the store's own labels, and the decision.
type Comparison struct {
	At         time.Time `json:"at"`
	Labelled   int       `json:"labelled"`   // labelled contacts with text
	TrainedOn  int       `json:"trained_on"` // the challenger's training part
	HeldOut    int       `json:"held_out"`
	Dropped    []string  `json:"dropped_labels,omitempty"`
	Current    Scored    `json:"current"`
	Challenger Scored    `json:"challenger"`
	Replaced   bool      `json:"replaced"`
	Reason     string    `json:"reason"`
	ModelID    int64     `json:"model_id"` // the challenger's row in topic_models
}

// Scored is one model's figures on the held-out slice. ModelID 0 is the
// starter model.
type Scored struct {
	ModelID  int64   `json:"model_id"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
}

// heldOutShare of each label is kept out of training to compare models.
const heldOutShare = 0.2

// Retrain trains a challenger on 80% of the store's labelled contacts
// (imported, agents' and promoted labels; merges applied), scores it and the
// current model on the other 20%, and makes it the current model only when
// its macro-F1 is at least the current one's. The challenger is stored
// either way, with the comparison, so every decision can be checked later.
func Retrain(ctx context.Context, db *store.DB, opt RetrainOptions) (Comparison, error) {
	if opt.MinPerLabel == 0 {
		opt.MinPerLabel = 5
	}
	if opt.MinExamples == 0 {
		opt.MinExamples = 50
	}
	cmp := Comparison{At: opt.Now.UTC()}
	current, err := Current(ctx, db)
	if err != nil {
		return cmp, err
	}
	examples, err := labelledContacts(ctx, db, current.redirects)
	if err != nil {
		return cmp, err
	}
	cmp.Labelled = len(examples)
	examples, cmp.Dropped = dropRareLabels(examples, opt.MinPerLabel)
	if len(examples) < opt.MinExamples || len(labelsOf(examples)) < 2 {
		return cmp, domain.Errorf(domain.EInvalid, "the store has %d labelled contacts with text in %d topics with %d or more each (need %d, in at least two topics): import contacts with a topic column, or correct contacts' topics, then retrain",
			len(examples), len(labelsOf(examples)), opt.MinPerLabel, opt.MinExamples)
	}
	train, held := SplitStratified(examples, heldOutShare, opt.Seed)
	cmp.TrainedOn, cmp.HeldOut = len(train), len(held)
	m, err := Train(train, TrainOptions{Seed: opt.Seed, Progress: opt.Progress})
	if err != nil {
		return cmp, err
	}
	challenger := &Classifier{Model: m, redirects: current.redirects}
	cur, chal := scoreClassifier(current, held), scoreClassifier(challenger, held)
	cmp.Current = Scored{ModelID: current.ModelID, Accuracy: cur.Accuracy, MacroF1: cur.MacroF1}
	cmp.Challenger = Scored{Accuracy: chal.Accuracy, MacroF1: chal.MacroF1}
	cmp.Replaced = chal.MacroF1 >= cur.MacroF1
	if cmp.Replaced {
		cmp.Reason = fmt.Sprintf("held-out macro-F1 %.4f ≥ %.4f of the current model", chal.MacroF1, cur.MacroF1)
	} else {
		cmp.Reason = fmt.Sprintf("held-out macro-F1 %.4f < %.4f of the current model, which stays", chal.MacroF1, cur.MacroF1)
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		cmp.ModelID, err = SaveModel(ctx, tx, m, chal, cmp, cmp.Replaced, opt.Now)
		if err != nil {
			return err
		}
		// The stored comparison names its own row too.
		c := cmp
		c.Challenger.ModelID = cmp.ModelID
		_, err = tx.Exec(ctx, `UPDATE topic_models SET comparison = ? WHERE id = ?`, mustJSON(c), cmp.ModelID)
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

// labelledContacts reads the most recent maxRetrainExamples contacts whose
// topic a person or an import gave, oldest first, with merged topics
// followed.
func labelledContacts(ctx context.Context, q querier, redirects map[string]string) ([]Example, error) {
	rows, err := q.Query(ctx, `SELECT topic, subject, body FROM (
			SELECT id, topic, subject, body FROM contacts WHERE topic_source IN (?, ?, ?) AND topic <> '' ORDER BY id DESC LIMIT ?) recent
		ORDER BY id`,
		SourceImported, SourceAgent, SourcePromoted, maxRetrainExamples)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Example
	for rows.Next() {
		var topic, subject, body string
		if err := rows.Scan(&topic, &subject, &body); err != nil {
			return nil, err
		}
		text := contactText(subject, body)
		if strings.TrimSpace(text) == "" {
			continue
		}
		if to, ok := redirects[topic]; ok {
			topic = to
		}
		out = append(out, Example{Text: text, Label: topic})
	}
	return out, rows.Err()
}

func dropRareLabels(examples []Example, min int) ([]Example, []string) {
	count := map[string]int{}
	for _, e := range examples {
		count[e.Label]++
	}
	var dropped []string
	for l, n := range count {
		if n < min {
			dropped = append(dropped, l)
		}
	}
	sort.Strings(dropped)
	if len(dropped) == 0 {
		return examples, nil
	}
	kept := examples[:0:0]
	for _, e := range examples {
		if count[e.Label] >= min {
			kept = append(kept, e)
		}
	}
	return kept, dropped
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
