// Package settings defines the store settings people change — with
// `quietdesk settings set KEY VALUE` or on the admins' settings pages — once:
// each key's help, its check, whether it is a secret, and what changing it
// does to what is already stored. Setting a value checks it and records
// the change in the audit log in the same transaction.
package settings

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"quietdesk/internal/audit"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Def is one setting.
type Def struct {
	Key  string
	Help string
	// Check says why a value is wrong; nil accepts any. An empty value
	// clears a setting and is not checked.
	Check func(value string) error
	// Secret settings are never shown back, logged or audited: "(set)"
	// stands for them.
	Secret bool
	// Affects says what a change does to what is already stored, for
	// whoever changes it.
	Affects string
}

var registry = struct {
	sync.RWMutex
	defs map[string]Def
}{defs: map[string]Def{}}

// Register adds a setting; call it from an init function. A key registered
// twice is a programming error.
func Register(d Def) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.defs[d.Key]; dup {
		panic("settings: " + d.Key + " is registered twice")
	}
	registry.defs[d.Key] = d
}

// Lookup returns a setting's definition.
func Lookup(key string) (Def, bool) {
	registry.RLock()
	defer registry.RUnlock()
	d, ok := registry.defs[key]
	return d, ok
}

// Keys lists the registered settings in order.
func Keys() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.defs))
	for k := range registry.defs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Check reports why value cannot be stored in key: an unknown key, or the
// setting's own check. The error names the key.
func Check(key, value string) error {
	d, ok := Lookup(key)
	if !ok {
		return domain.Errorf(domain.EInvalid, "unknown setting %q: quietdesk settings lists them", key)
	}
	if value == "" || d.Check == nil {
		return nil
	}
	if err := d.Check(value); err != nil {
		var p domain.Problems
		p.Add(key, "%v", err)
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("cannot set %s", key), Fields: p}
	}
	return nil
}

// Change is what Set did.
type Change struct {
	Key, Old, New string
	Changed       bool // false: the setting already had the value
}

// Set checks and stores a setting inside tx and records who changed it
// (actor: a user's email, or "cli") with audit.Record. Storing the value a
// setting has changes nothing and records nothing.
func Set(ctx context.Context, tx *store.Tx, now time.Time, actor, key, value string) (Change, error) {
	if err := Check(key, value); err != nil {
		return Change{}, err
	}
	old, err := tx.Setting(ctx, key)
	if err != nil {
		return Change{}, err
	}
	c := Change{Key: key, Old: old, New: value, Changed: old != value}
	if !c.Changed {
		return c, nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return c, err
	}
	return c, audit.Record(ctx, tx, now, actor, "setting.set", key, Describe(key, old, value))
}

// Describe writes a change for the audit log and the pages: the old and
// new values, or for a secret only whether it is set.
func Describe(key, old, value string) string {
	d, _ := Lookup(key)
	switch {
	case d.Secret && value == "":
		return "(cleared)"
	case d.Secret:
		return "(set)"
	case value == "":
		return fmt.Sprintf("%q cleared", old)
	case old == "":
		return fmt.Sprintf("set to %q", value)
	}
	return fmt.Sprintf("%q → %q", old, value)
}
