package topics

import (
	"bytes"
	_ "embed"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"
)

//go:generate go run ./gen-starter

// BitextMapping maps the 27 intents of the Bitext customer-service dataset
// onto the default taxonomy. Where an intent has no topic of its own, the
// choice and its reason are in README.md ("The mapping").
var BitextMapping = map[string]string{
	"track_order":              WhereIsMyOrder,
	"delivery_period":          WhereIsMyOrder, // "how soon can I expect my order"
	"cancel_order":             Cancel,
	"check_cancellation_fee":   Cancel,
	"change_order":             ChangeOrder,
	"change_shipping_address":  ChangeOrder,
	"get_refund":               Refund,
	"track_refund":             Refund,
	"check_refund_policy":      Refund,
	"payment_issue":            Payment,
	"check_payment_methods":    Payment,
	"check_invoice":            Payment, // invoices are billing
	"get_invoice":              Payment,
	"create_account":           Account,
	"delete_account":           Account,
	"edit_account":             Account,
	"switch_account":           Account,
	"recover_password":         Account,
	"registration_problems":    Account,
	"set_up_shipping_address":  Account, // a saved address in the account, not an order's
	"newsletter_subscription":  Subscription,
	"place_order":              ProductQuestion, // asking how to buy: before an order exists
	"delivery_options":         ProductQuestion, // shipping methods, asked before buying
	"complaint":                Other,
	"review":                   Other,
	"contact_customer_service": Other,
	"contact_human_agent":      Other,
}

// Starter data files, in internal/topics/starter/.
const (
	StarterBitext   = "bitext-8k.csv"
	StarterExamples = "quietdesk-examples.csv"
	starterModel    = "starter.model"
)

// StarterSeed is the seed the starter model is trained with.
const StarterSeed = 5

//go:embed starter/starter.model
var starterBytes []byte

var starter struct {
	once  sync.Once
	model *Model
	err   error
}

// Starter returns the model shipped in the binary: Bitext's utterances
// mapped onto the default taxonomy plus our own examples (README.md). A
// store that has trained no model of its own classifies with it.
func Starter() *Model {
	starter.once.Do(func() { starter.model, starter.err = Load(starterBytes) })
	if starter.err != nil {
		// The file is embedded and checked by TestStarterModelIsReproducible.
		panic(fmt.Sprintf("topics: the embedded starter model is unreadable: %v", starter.err))
	}
	return starter.model
}

// starterSources are the starter model's training files, in the order it
// trains on them, each with the mapping of its labels onto the default
// taxonomy (nil: its labels are topics of it already).
var starterSources = []struct {
	file    string
	mapping map[string]string
}{
	{StarterBitext, BitextMapping},
	{StarterExamples, nil},
}

// StarterExamplesFrom reads the starter training data from dir (normally
// internal/topics/starter): every file of starterSources, relabelled by
// its mapping.
func StarterExamplesFrom(dir string) ([]Example, error) {
	return readStarter(os.DirFS(dir))
}

func readStarter(fsys fs.FS) ([]Example, error) {
	var out []Example
	for _, src := range starterSources {
		b, err := fs.ReadFile(fsys, src.file)
		if err != nil {
			return nil, err
		}
		ex, err := ReadExamples(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.file, err)
		}
		if src.mapping != nil {
			if ex, err = MapLabels(ex, src.mapping); err != nil {
				return nil, fmt.Errorf("%s: %w", src.file, err)
			}
		}
		for i, e := range ex {
			if !IsDefault(e.Label) {
				return nil, fmt.Errorf("%s: example %d: %q is not a topic of the default taxonomy", src.file, i+1, e.Label)
			}
		}
		out = append(out, ex...)
	}
	return out, nil
}

// MapLabels relabels examples; a label the mapping lacks is an error.
func MapLabels(examples []Example, mapping map[string]string) ([]Example, error) {
	out := make([]Example, len(examples))
	for i, e := range examples {
		to, ok := mapping[e.Label]
		if !ok {
			known := make([]string, 0, len(mapping))
			for k := range mapping {
				known = append(known, k)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("example %d: label %q has no mapping (known: %v)", i+1, e.Label, known)
		}
		out[i] = Example{Text: e.Text, Label: to}
	}
	return out, nil
}

// TrainStarter trains the starter model from the files in dir.
func TrainStarter(dir string, progress func(done, total int)) (*Model, error) {
	ex, err := StarterExamplesFrom(dir)
	if err != nil {
		return nil, err
	}
	return Train(ex, TrainOptions{Seed: StarterSeed, Progress: progress})
}
