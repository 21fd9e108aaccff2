package commerce

// A store keeps all its money in one currency, the store's (the "currency"
// setting): every metric adds amounts up, and a sum of dollars and euros
// means nothing. An order in another currency is converted into the
// store's at the exchange rate of the day it was placed, or refused when
// the store has no rate for it. docs/import.md#currency.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// CurrencySetting is the store setting holding the store's currency.
const CurrencySetting = "currency"

// ValidCurrency reports whether s is written as an ISO 4217 code is: three
// upper-case letters.
func ValidCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// Rate is an exchange rate: units of the store's currency per one unit of
// another. It keeps the exact decimal it was written in ("18.2345"), so a
// conversion rounds once, to the cent, and the rate stored with an order
// is the one the user gave.
type Rate string

// maxRateDecimals bounds a rate's decimals: more is no real rate.
const maxRateDecimals = 12

// ParseRate reads a positive decimal written with a dot. A comma is
// refused rather than guessed: "1,250" could be 1.25 or 1250, and a rate
// misread by a thousand would silently scale every amount it converts.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	switch {
	case s == "":
		return "", errors.New("is required")
	case strings.Contains(s, ","):
		return "", fmt.Errorf("%q: write the rate with a dot for decimals and no thousands separator, like 18.2345", s)
	case !allDigits(whole) || !allDigits(frac) || whole+frac == "":
		return "", fmt.Errorf("%q is not a rate: write a positive decimal, like 18.2345", s)
	case len(frac) > maxRateDecimals:
		return "", fmt.Errorf("%q has more than %d decimals", s, maxRateDecimals)
	}
	// One spelling per rate, so that 1.10 and 1.1 are the same stored rate.
	whole = strings.TrimLeft(whole, "0")
	frac = strings.TrimRight(frac, "0")
	if whole == "" && frac == "" {
		return "", fmt.Errorf("%q: a rate must be above 0", s)
	}
	if whole == "" {
		whole = "0"
	}
	if frac == "" {
		return Rate(whole), nil
	}
	return Rate(whole + "." + frac), nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Convert returns m × the rate, rounded half away from zero to the cent.
// It is exact: the rate is not turned into a float. The empty rate, of an
// order that came in the store's currency, leaves m as it is.
func (r Rate) Convert(m domain.Money) (domain.Money, error) {
	if r == "" {
		return m, nil
	}
	whole, frac, _ := strings.Cut(string(r), ".")
	num, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return 0, fmt.Errorf("exchange rate %q is not a decimal", string(r))
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	q, rem := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(int64(m)), num), den, new(big.Int))
	// Half away from zero: a remainder of at least half the divisor moves
	// the quotient one further from zero (QuoRem truncates towards it).
	if rem.Abs(rem).Lsh(rem, 1).Cmp(den) >= 0 {
		if m < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("%s at the rate %s is too large an amount", m, string(r))
	}
	return domain.Money(q.Int64()), nil
}

// FXRate is one day's exchange rate of a currency into the store's.
type FXRate struct {
	Currency string
	Date     string // YYYY-MM-DD, the first day the rate holds
	Rate     Rate
}

// Validate checks one rate.
func (x *FXRate) Validate() domain.Problems {
	var p domain.Problems
	if !ValidCurrency(x.Currency) {
		p.Add("currency", "%q is not a currency code: write its ISO 4217 code, like USD", x.Currency)
	}
	p.Require("date", x.Date)
	p.Require("rate", string(x.Rate))
	return p
}

// UpsertFXRates stores rates keyed on currency and date: the same rate
// twice is one rate, and a changed rate replaces the one stored. Orders
// already stored keep the rate they were converted at until they are
// imported again.
func UpsertFXRates(ctx context.Context, tx *store.Tx, rates []FXRate) (store.Counts, error) {
	var counts store.Counts
	for _, x := range rates {
		var have string
		err := tx.QueryRow(ctx, `SELECT rate FROM fx_rates WHERE currency = ? AND rate_date = ?`, x.Currency, x.Date).Scan(&have)
		switch {
		case err == nil && have == string(x.Rate):
			counts.Unchanged++
			continue
		case err == nil:
			counts.Updated++
		case errors.Is(err, sql.ErrNoRows):
			counts.Created++
		default:
			return counts, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO fx_rates (currency, rate_date, rate) VALUES (?, ?, ?)
			ON CONFLICT (currency, rate_date) DO UPDATE SET rate = excluded.rate`, x.Currency, x.Date, string(x.Rate)); err != nil {
			return counts, fmt.Errorf("rate of %s on %s: %w", x.Currency, x.Date, err)
		}
	}
	return counts, nil
}

// querier is what a Book reads with: the database (an import's checking
// pass) or a write transaction.
type querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Book is the store's currency and its exchange rates as one import or
// request sees them. Rates are read the first time a currency needs them.
type Book struct {
	// Currency is the store's, "" until an order or the user sets it.
	Currency string
	// adopted says Currency came from an order and is not stored yet.
	adopted bool
	loc     *time.Location
	q       querier
	rates   map[string][]dayRate // by currency, oldest first
}

type dayRate struct {
	date string
	rate Rate
}

// OpenBook reads the store's currency and time zone (an order's rate is
// the one of its day in that zone).
func OpenBook(ctx context.Context, q querier) (*Book, error) {
	b := &Book{loc: time.UTC, q: q, rates: map[string][]dayRate{}}
	rows, err := q.Query(ctx, `SELECT key, value FROM settings WHERE key IN (?, 'timezone')`, CurrencySetting)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return nil, err
		}
		switch {
		case key == CurrencySetting:
			b.Currency = value
		case value != "":
			if b.loc, err = time.LoadLocation(value); err != nil {
				return nil, fmt.Errorf("store time zone %q: %w (set a valid one: quietdesk settings set timezone Europe/Paris)", value, err)
			}
		}
	}
	return b, rows.Err()
}

// ratesOf returns a currency's rates, oldest first.
func (b *Book) ratesOf(ctx context.Context, currency string) ([]dayRate, error) {
	if r, ok := b.rates[currency]; ok {
		return r, nil
	}
	rows, err := b.q.Query(ctx, `SELECT rate_date, rate FROM fx_rates WHERE currency = ? ORDER BY rate_date`, currency)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dayRate
	for rows.Next() {
		var d dayRate
		if err := rows.Scan(&d.date, &d.rate); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	b.rates[currency] = out
	return out, nil
}

// InStoreCurrency returns the order with its money in the store's
// currency. An order naming no currency, or the store's, is already in it.
// The first order naming a currency gives a store without one its currency
// (Save stores it). An order in another currency is converted at the latest
// rate on or before the day it was placed, in the store's zone; without
// one it is refused, and the problem names the currency field. The given
// order is not changed.
func (b *Book) InStoreCurrency(ctx context.Context, o Order) (Order, domain.Problems, error) {
	var p domain.Problems
	switch {
	case o.Currency == "" || o.Currency == b.Currency:
		return o, nil, nil
	case b.Currency == "":
		b.Currency, b.adopted = o.Currency, true
		return o, nil, nil
	}
	rates, err := b.ratesOf(ctx, o.Currency)
	if err != nil {
		return o, nil, err
	}
	if len(rates) == 0 {
		p.Add("currency", "%s, but the store's currency is %s: import exchange rates first (quietdesk import fx_rates FILE with columns currency,date,rate) or import this shop into a store of its own",
			o.Currency, b.Currency)
		return o, p, nil
	}
	day := o.PlacedAt.In(b.loc).Format(time.DateOnly)
	// The first rate after the day; the one before it holds on the day.
	i := sort.Search(len(rates), func(i int) bool { return rates[i].date > day })
	if i == 0 {
		p.Add("currency", "%s has no exchange rate into %s on or before %s, the day the order was placed (the first %s rate is of %s): import a rate for that day or earlier",
			o.Currency, b.Currency, day, o.Currency, rates[0].date)
		return o, p, nil
	}
	converted, err := o.convert(rates[i-1].rate, b.Currency)
	if err != nil {
		p.Add("currency", "%v", err)
	}
	return converted, p, nil
}

// Save stores the currency an order gave a store that had none, in the
// write's transaction. If another write set a different one meanwhile, it
// fails, and the import can simply be run again.
func (b *Book) Save(ctx context.Context, tx *store.Tx) error {
	if !b.adopted {
		return nil
	}
	// An empty value is a setting cleared by the user: it is unset too.
	if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value = ''`, CurrencySetting, b.Currency); err != nil {
		return err
	}
	var stored string
	if err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, CurrencySetting).Scan(&stored); err != nil {
		return err
	}
	if stored != b.Currency {
		return domain.Errorf(domain.EConflict, "the store's currency was set to %s while these orders in %s were written: nothing of them was stored; import them again", stored, b.Currency)
	}
	b.adopted = false
	return nil
}

// convert returns a copy of the order with every amount, its lines'
// included, multiplied by rate, and the currency it came in and the rate
// kept, so the original amounts can be worked out again.
func (o Order) convert(rate Rate, into string) (Order, error) {
	err := convertAll(rate, &o.ItemRevenue, &o.Discounts, &o.ShippingCharged, &o.COGS, &o.FulfillmentCost, &o.PaymentFees)
	if o.Lines != nil {
		// A new slice: the caller's lines stay in the order's own currency.
		o.Lines = append([]OrderLine(nil), o.Lines...)
		for i := range o.Lines {
			err = errors.Join(err, convertAll(rate, &o.Lines[i].UnitPrice, &o.Lines[i].UnitCost))
		}
	}
	o.OriginalCurrency, o.FXRate, o.Currency = o.Currency, rate, into
	return o, err
}

// orderRef is a stored order's id and the rate its amounts were converted
// at ("" when it came in the store's currency).
type orderRef struct {
	id   int64
	rate Rate
}

// orderRefs maps external order ids to their stored id and rate; unknown
// ids are absent. Lines and returns of an order are in its currency, so
// they are converted at its rate.
func orderRefs(ctx context.Context, tx *store.Tx, externalIDs []string) (map[string]orderRef, error) {
	out := make(map[string]orderRef, len(externalIDs))
	const chunk = 500
	for start := 0; start < len(externalIDs); start += chunk {
		part := externalIDs[start:min(start+chunk, len(externalIDs))]
		args := store.Args(part)
		rows, err := tx.Tx.QueryContext(ctx, tx.DB().Rebind(`SELECT external_id, id, fx_rate FROM orders WHERE external_id IN (`+store.Placeholders(len(part))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ext string
			var ref orderRef
			if err := rows.Scan(&ext, &ref.id, &ref.rate); err != nil {
				rows.Close()
				return nil, err
			}
			out[ext] = ref
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// convertAll converts amounts in place at rate.
func convertAll(rate Rate, amounts ...*domain.Money) error {
	for _, m := range amounts {
		v, err := rate.Convert(*m)
		if err != nil {
			return err
		}
		*m = v
	}
	return nil
}
