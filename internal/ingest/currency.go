package ingest

// A store's money is in one currency (commerce/currency.go). Orders are
// put in it as they are checked and written, and exchange rates come in
// as their own kind. docs/import.md#currency.

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// orderOf returns the order of a record of the orders kind or of a Shopify
// export, and the export's names for the order's fields (nil for ours).
func orderOf(rec any) (*commerce.Order, map[string]string) {
	if so, ok := rec.(*shopifyOrder); ok {
		return &so.Order, shopifyFields
	}
	return rec.(*commerce.Order), nil
}

// checkOrderCurrency is the orders' check against the store in a file's
// checking pass: the same as their writer's (inStoreCurrency), so a file
// with an order the store cannot take is refused before anything of it is
// written.
func checkOrderCurrency(ctx context.Context, db *store.DB) (func(rec any) (domain.Problems, error), error) {
	book, err := commerce.OpenBook(ctx, db)
	if err != nil {
		return nil, err
	}
	return func(rec any) (domain.Problems, error) {
		o, columns := orderOf(rec)
		_, p, err := book.InStoreCurrency(ctx, *o)
		return renameProblems(p, columns), err
	}, nil
}

// writeOrders is the orders kind's writer: the orders in the store's
// currency, stored.
func writeOrders(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
	orders, err := inStoreCurrency(ctx, tx, recs)
	if err != nil {
		return store.Counts{}, err
	}
	return WriteOrders(ctx, tx, env, orders)
}

// inStoreCurrency returns the orders of recs in the store's currency, as
// records for WriteOrders, and stores the currency the first of them gives
// a store that has none, in the same transaction. A file import refused
// the orders the store cannot take in its checking pass; an API request
// meets them here, and fails whole, naming each.
func inStoreCurrency(ctx context.Context, tx *store.Tx, recs []any) ([]any, error) {
	book, err := commerce.OpenBook(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(recs))
	var problems []domain.FieldError
	for i, rec := range recs {
		o, columns := orderOf(rec)
		converted, p, err := book.InStoreCurrency(ctx, *o)
		if err != nil {
			return nil, err
		}
		for _, f := range renameProblems(p, columns) {
			f.Item = i
			problems = append(problems, f)
		}
		out[i] = &converted
	}
	if len(problems) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Fields: problems,
			Message: fmt.Sprintf("%d of %d orders are in a currency the store cannot take; nothing was stored", len(problems), len(recs))}
	}
	return out, book.Save(ctx, tx)
}

var FXRates = register(&Kind{
	Name:     "fx_rates",
	Required: []string{"currency", "date", "rate"},
	KeyOf: func(rec any) string {
		x := rec.(*commerce.FXRate)
		return x.Currency + "\x00" + x.Date
	},
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		r := &reader{row: row, tp: tp}
		x := &commerce.FXRate{Currency: strings.ToUpper(r.str("currency")), Date: r.date("date")}
		rate, err := commerce.ParseRate(r.str("rate"))
		if err != nil {
			r.problems.Add("rate", "%v", err)
		}
		x.Rate = rate
		return finish(x, r)
	},
	AgainstStore: checkRateCurrency,
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		return commerce.UpsertFXRates(ctx, tx, derefs[commerce.FXRate](recs))
	},
})

// checkRateCurrency holds rates to the store's currency: a rate is a price
// in it, so there must be one, and the store's own currency needs none.
func checkRateCurrency(ctx context.Context, db *store.DB) (func(rec any) (domain.Problems, error), error) {
	book, err := commerce.OpenBook(ctx, db)
	if err != nil {
		return nil, err
	}
	if book.Currency == "" {
		return nil, domain.Errorf(domain.EInvalid, "the store has no currency yet, and a rate says how much of it one unit of another currency is worth: set it first (quietdesk settings set currency EUR), or import orders in the store's currency first")
	}
	return func(rec any) (domain.Problems, error) {
		var p domain.Problems
		if x := rec.(*commerce.FXRate); x.Currency == book.Currency {
			p.Add("currency", "%s is the store's currency: its amounts need no rate", x.Currency)
		}
		return p, nil
	}, nil
}
