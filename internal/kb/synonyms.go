package kb

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Synonym groups (docs/search.md#synonyms): words a brand says mean the
// same in its customers' searches ("parcel, package, order"). A query word
// of a group also finds the group's other words, counted for less than the
// word itself.

// MaxSynonymTerms bounds a group: a longer list is a topic, not synonyms.
const MaxSynonymTerms = 20

// ParseSynonyms reads a group as people write it: terms separated by
// commas, each a word or a short phrase. Terms are lower-cased, trimmed,
// and kept once, in their order.
func ParseSynonyms(locale, terms string) (SynonymGroup, error) {
	var p domain.Problems
	g := SynonymGroup{Locale: strings.TrimSpace(locale)}
	if !localePattern.MatchString(g.Locale) {
		p.Add("locale", "%q is not a locale: use a language code such as en, fr or pt-BR", g.Locale)
	}
	seen := map[string]bool{}
	for _, t := range strings.Split(terms, ",") {
		t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
		if t == "" || seen[t] {
			continue
		}
		if len([]rune(t)) > 60 {
			p.Add("terms", "%q is too long for a synonym: give a word or a short phrase", t)
			continue
		}
		seen[t] = true
		g.Terms = append(g.Terms, t)
	}
	switch {
	case len(g.Terms) < 2:
		p.Add("terms", "a group needs at least two different terms, separated by commas (e.g. \"parcel, package\")")
	case len(g.Terms) > MaxSynonymTerms:
		p.Add("terms", "%d terms; at most %d: split the group by meaning", len(g.Terms), MaxSynonymTerms)
	}
	if len(p) > 0 {
		return g, &domain.Error{Code: domain.EInvalid, Message: "the synonym group cannot be saved", Fields: p}
	}
	return g, nil
}

// key is a group's identity: the same terms in any order are the same group.
func (g SynonymGroup) key() string {
	t := append([]string(nil), g.Terms...)
	sort.Strings(t)
	return g.Locale + "\x00" + strings.Join(t, ",")
}

// ListSynonyms reads the synonym groups of a locale ("" = every locale),
// by locale then id.
func ListSynonyms(ctx context.Context, q Querier, locale string) ([]SynonymGroup, error) {
	query, args := `SELECT id, locale, terms FROM kb_synonyms`, []any{}
	if locale != "" {
		query, args = query+` WHERE locale = ?`, append(args, locale)
	}
	rows, err := q.Query(ctx, query+` ORDER BY locale, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SynonymGroup
	for rows.Next() {
		var g SynonymGroup
		var terms string
		if err := rows.Scan(&g.ID, &g.Locale, &terms); err != nil {
			return nil, err
		}
		g.Terms = splitList(terms)
		out = append(out, g)
	}
	return out, rows.Err()
}

// AddSynonyms stores a group. The same terms again, in any order, change
// nothing and return the stored group as Unchanged.
func AddSynonyms(ctx context.Context, tx *store.Tx, g SynonymGroup) (SynonymGroup, store.Outcome, error) {
	g, err := ParseSynonyms(g.Locale, strings.Join(g.Terms, ","))
	if err != nil {
		return g, store.Unchanged, err
	}
	have, err := ListSynonyms(ctx, tx, g.Locale)
	if err != nil {
		return g, store.Unchanged, err
	}
	for _, h := range have {
		if h.key() == g.key() {
			return h, store.Unchanged, nil
		}
	}
	if err := tx.QueryRow(ctx, `INSERT INTO kb_synonyms (locale, terms) VALUES (?, ?) RETURNING id`, g.Locale, strings.Join(g.Terms, ",")).Scan(&g.ID); err != nil {
		return g, store.Unchanged, err
	}
	return g, store.Created, BumpRevision(ctx, tx)
}

// RemoveSynonyms deletes a group by id and returns it.
func RemoveSynonyms(ctx context.Context, tx *store.Tx, id int64) (SynonymGroup, error) {
	var g SynonymGroup
	var terms string
	err := tx.QueryRow(ctx, `SELECT id, locale, terms FROM kb_synonyms WHERE id = ?`, id).Scan(&g.ID, &g.Locale, &terms)
	if errors.Is(err, sql.ErrNoRows) {
		return g, domain.Errorf(domain.ENotFound, "no synonym group %d: quietdesk kb synonyms list shows their ids", id)
	}
	if err != nil {
		return g, err
	}
	g.Terms = splitList(terms)
	if _, err := tx.Exec(ctx, `DELETE FROM kb_synonyms WHERE id = ?`, id); err != nil {
		return g, err
	}
	return g, BumpRevision(ctx, tx)
}

// ImportSynonyms stores groups, each only once (StarterSynonyms, a
// brand's list).
func ImportSynonyms(ctx context.Context, tx *store.Tx, groups []SynonymGroup) (store.Counts, error) {
	var c store.Counts
	for _, g := range groups {
		_, o, err := AddSynonyms(ctx, tx, g)
		if err != nil {
			return c, err
		}
		c.Count(o)
	}
	return c, nil
}

// StarterSynonyms is the demo brand's synonym groups, for the starter
// knowledge base (kb.Starter): the words its customers use for what the
// articles call otherwise. Load them with ImportSynonyms.
func StarterSynonyms() []SynonymGroup {
	groups := map[string][]string{
		"en": {
			"parcel, package, shipment, box",
			"tracking, track, tracking number",
			"courier, carrier, delivery company",
			"late, delayed, delay, overdue",
			"shipping cost, postage, delivery fee, delivery charge",
			"refund, money back, reimburse, reimbursement",
			"return, send back",
			"exchange, swap",
			"cancel, cancellation",
			"damaged, broken, faulty, defective, torn, ripped",
			"wrong, incorrect",
			"discount code, promo code, voucher, coupon",
			"declined, refused, rejected",
			"charged twice, double charge, duplicate charge",
			"password, log in, login, sign in",
			"unsubscribe, opt out",
			"sneakers, trainers",
			"jumper, sweater, pullover",
			"size chart, size guide, measurements",
			"gift card, gift voucher, e-gift card",
			"store, shop, boutique",
		},
		"fr": {
			"colis, paquet, envoi",
			"suivi, suivre, tracking",
			"retard, retardé",
			"remboursement, rembourser, remboursé",
			"retour, renvoyer, retourner",
			"annuler, annulation",
			"abîmé, cassé, défectueux, endommagé, déchiré, troué",
			"code promo, code de réduction, bon de réduction, coupon",
			"mot de passe, identifiant, connexion",
			"baskets, sneakers, tennis",
			"pull, chandail, tricot",
			"refusé, rejeté, échoué",
		},
	}
	var out []SynonymGroup
	for _, locale := range []string{"en", "fr"} {
		for _, g := range groups[locale] {
			out = append(out, SynonymGroup{Locale: locale, Terms: strings.Split(g, ", ")})
		}
	}
	return out
}
