package selfserve

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The return policy's settings (docs/order-help.md#return-policy).
const (
	SettingWindowDays     = "returns.window_days"            // days a return may be asked, from delivery
	SettingCondition      = "returns.condition"              // the condition items must be in, in the brand's words
	SettingExcluded       = "returns.excluded"               // categories, and sku:PREFIX entries, that cannot be returned
	SettingShippingPaidBy = "returns.shipping_paid_by"       // customer or brand
	SettingCancelAllowed  = "returns.cancel_before_shipping" // true or false
)

// Defaults of the policy while a setting is unset.
const (
	DefaultWindowDays = 30
	DefaultCondition  = "Items must be unused, in their original packaging, with their tags."
)

// Who pays the return shipping.
const (
	PaidByCustomer = "customer"
	PaidByBrand    = "brand"
)

// Policy is the brand's return policy.
type Policy struct {
	WindowDays     int
	Condition      string
	Excluded       []string // category names, and "sku:PREFIX" entries
	ShippingPaidBy string
	CancelAllowed  bool
}

// Setting describes one setting for the CLI and the admin page.
type Setting struct {
	Key   string
	Label string
	Help  string
	Check func(string) error
}

// Settings lists the policy's settings with their checks.
var Settings = []Setting{
	{Key: SettingWindowDays, Label: "Return window (days after delivery)", Help: "days after delivery a return may be asked, 0 to 365 (30 until set; 0: no returns without a person)", Check: checkWindow},
	{Key: SettingCondition, Label: "Condition", Help: "the condition returned items must be in, shown to customers (at most 1,000 characters)", Check: func(v string) error {
		if n := len([]rune(v)); n > 1000 {
			return fmt.Errorf("is %d characters; keep it under 1,000", n)
		}
		return nil
	}},
	{Key: SettingExcluded, Label: "Not returnable", Help: "product categories that cannot be returned, and sku:PREFIX for SKUs, comma-separated: Underwear, Gift cards, sku:GC-", Check: func(v string) error {
		_, err := parseExcluded(v)
		return err
	}},
	{Key: SettingShippingPaidBy, Label: "Return shipping paid by", Help: "who pays the return shipping: customer (until set) or brand", Check: func(v string) error {
		if v != PaidByCustomer && v != PaidByBrand {
			return fmt.Errorf("%q is neither customer nor brand", v)
		}
		return nil
	}},
	{Key: SettingCancelAllowed, Label: "Cancel before shipping", Help: "whether customers may cancel an order that has not shipped: true (until set) or false", Check: func(v string) error {
		_, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is neither true nor false", v)
		}
		return nil
	}},
}

func checkWindow(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > 365 {
		return fmt.Errorf("%q is not a number of days from 0 to 365", v)
	}
	return nil
}

func parseExcluded(v string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(v, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if p, ok := cutSKU(e); ok && p == "" {
			return nil, fmt.Errorf("%q names no SKU prefix: write sku:GC-", e)
		}
		if len(e) > 100 {
			return nil, fmt.Errorf("%q is longer than 100 characters", e)
		}
		out = append(out, e)
	}
	return out, nil
}

func cutSKU(entry string) (string, bool) {
	if len(entry) >= 4 && strings.EqualFold(entry[:4], "sku:") {
		return strings.TrimSpace(entry[4:]), true
	}
	return "", false
}

// LoadPolicy reads the policy; unset settings take their defaults, and a
// stored value that does not read is an error naming the setting.
func LoadPolicy(ctx context.Context, g Getter) (Policy, error) {
	p := Policy{WindowDays: DefaultWindowDays, Condition: DefaultCondition, ShippingPaidBy: PaidByCustomer, CancelAllowed: true}
	get := func(key string) (string, error) {
		v, err := g.Setting(ctx, key)
		return strings.TrimSpace(v), err
	}
	for _, s := range Settings {
		v, err := get(s.Key)
		if err != nil {
			return p, err
		}
		if v == "" {
			continue
		}
		if err := s.Check(v); err != nil {
			return p, fmt.Errorf("setting %s: %v (fix it: quietdesk returns policy --set %s=…)", s.Key, err, s.Key)
		}
		switch s.Key {
		case SettingWindowDays:
			p.WindowDays, _ = strconv.Atoi(v)
		case SettingCondition:
			p.Condition = v
		case SettingExcluded:
			p.Excluded, _ = parseExcluded(v)
		case SettingShippingPaidBy:
			p.ShippingPaidBy = v
		case SettingCancelAllowed:
			p.CancelAllowed, _ = strconv.ParseBool(v)
		}
	}
	return p, nil
}

// SavePolicy checks and stores settings of the policy (key → value; ""
// returns a setting to its default) in one transaction: one bad value
// stores nothing, and the error names every bad field.
func SavePolicy(ctx context.Context, db *store.DB, values map[string]string) error {
	var probs domain.Problems
	known := map[string]Setting{}
	for _, s := range Settings {
		known[s.Key] = s
	}
	for k, v := range values {
		s, ok := known[k]
		if !ok {
			probs.Add(k, "is not a setting of the return policy")
			continue
		}
		if v = strings.TrimSpace(v); v != "" {
			if err := s.Check(v); err != nil {
				probs.Add(k, "%v", err)
			}
		}
	}
	if len(probs) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "the return policy was not changed", Fields: probs}
	}
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		for k, v := range values {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, strings.TrimSpace(v)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Excludes reports whether the policy keeps item from being returned, and
// the entry that does.
func (p Policy) Excludes(it Item) (string, bool) {
	for _, e := range p.Excluded {
		if prefix, ok := cutSKU(e); ok {
			if it.SKU != "" && strings.HasPrefix(strings.ToUpper(it.SKU), strings.ToUpper(prefix)) {
				return e, true
			}
			continue
		}
		if it.Category != "" && strings.EqualFold(strings.TrimSpace(it.Category), e) {
			return e, true
		}
	}
	return "", false
}

// ExcludedText is the excluded entries as customers read them.
func (p Policy) ExcludedText() string {
	var parts []string
	for _, e := range p.Excluded {
		if prefix, ok := cutSKU(e); ok {
			parts = append(parts, "items whose SKU starts with "+prefix)
		} else {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, ", ")
}
