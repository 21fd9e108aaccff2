package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// The help centre of the demo store (docs/self-service.md): the starter
// knowledge base, published, and the sessions its customers had with it,
// recorded as the help centre and the chat widget record them (kb.Event).
// Two kinds of session:
//
//   - A customer reads an article (the order's article sessions, drawn
//     with the rest of the order): a search, the results, usually the
//     article opened, sometimes a rating, and an escalation when the
//     session did not resolve.
//   - A customer about to write looks first (helpCentreFirst): a few
//     minutes before a chat or e-mail contact about a late or lost parcel
//     (or, rarely, sizing) they search, are shown an answer, and ask for a
//     person: the contact that follows is theirs.
//
// The story: the late-parcel article ("my-order-is-late") is shown mostly
// to customers who then write anyway, and rated unhelpful; it fails. The
// size guides are read by customers who mostly do not write: they deflect.
// Some searches find nothing ("do you ship to brazil").
//
// Everything here is drawn from a stream of its own (kr), so the rest of
// the store is the same with it.

// helpArticles maps the generator's article names (brand.go) to the
// starter knowledge base's slugs, with the results shown beside each and
// the words customers type for it.
var helpArticles = map[string]struct {
	slug    string
	related []string
	queries []string
	helpful float64 // the chance a rating says helpful
}{
	"delivery-times":         {"delivery-times-and-carriers", []string{"where-is-my-order", "shipping-costs"}, []string{"delivery time", "how long does delivery take", "which carrier"}, 0.8},
	"track-your-order":       {"where-is-my-order", []string{"delivery-times-and-carriers", "my-order-is-late"}, []string{"track my order", "tracking", "where is my order", "suivi colis"}, 0.8},
	"return-policy":          {"returns-policy", []string{"how-to-return-an-item", "refund-timing"}, []string{"return policy", "can I return", "retour"}, 0.8},
	"how-to-return":          {"how-to-return-an-item", []string{"returns-policy", "exchange-for-another-size"}, []string{"how to return", "return label", "send back"}, 0.8},
	"refund-timing":          {"refund-timing", []string{"refund-amount", "returns-policy"}, []string{"refund", "when will I get my refund", "remboursement"}, 0.7},
	"size-guide-shoes":       {"shoe-sizing", []string{"size-guide", "exchange-for-another-size"}, []string{"shoe size", "do shoes run small", "sneakers size", "pointure"}, 0.9},
	"size-guide-clothing":    {"size-guide", []string{"shoe-sizing", "exchange-for-another-size"}, []string{"size guide", "size chart", "which size", "taille"}, 0.9},
	"care-instructions":      {"care-and-materials", []string{"size-guide"}, []string{"wash", "care instructions", "material"}, 0.8},
	"payment-methods":        {"payment-methods", []string{"payment-problems", "gift-cards"}, []string{"payment methods", "paypal", "pay"}, 0.8},
	"discount-codes":         {"discount-codes", []string{"gift-cards"}, []string{"discount code", "promo code not working", "code promo"}, 0.6},
	"change-or-cancel-order": {"change-an-order", []string{"cancel-an-order", "change-delivery-address"}, []string{"change my order", "cancel order", "change size"}, 0.7},
	"account-help":           {"account-and-password", []string{"delete-account-and-data"}, []string{"password", "log in", "account"}, 0.7},
}

// Searches the knowledge base does not answer, with their weights.
var unansweredSearches = weighted[[2]string]{
	{[2]string{"do you ship to brazil", "en"}, 5}, {[2]string{"Do you ship to Brazil?", "en"}, 2}, {[2]string{"gift wrapping", "en"}, 4},
	{[2]string{"student discount", "en"}, 3}, {[2]string{"klarna", "en"}, 2}, {[2]string{"kids sizes", "en"}, 2},
	{[2]string{"emballage cadeau", "fr"}, 2}, {[2]string{"livraison en suisse", "fr"}, 1}, {[2]string{"click and collect", "en"}, 2},
}

// Queries of customers about to write, by the topic they write about.
var lateQueries = []string{"my order is late", "parcel delayed", "order not arrived", "still waiting for my order", "colis en retard", "late delivery"}

const (
	helpNoResult    = 0.07 // a session that first searches for something unanswered
	helpOpen        = 0.85 // the article read is opened
	helpRate        = 0.30 // an opened article is rated
	helpFirstLate   = 0.55 // a late-parcel contact by chat or e-mail looked first
	helpFirstWISMO  = 0.20 // a where-is-my-order one
	helpFirstSizing = 0.04 // a sizing one
)

// webSession is a self-service session told as its events, with who its
// customer is (see whoQA) for the bulk writer.
type webSession struct {
	events []kb.Event
	who    int64
}

func (g *gen) helpRand() *rand.Rand {
	if g.kr == nil {
		g.kr = rand.New(rand.NewPCG(g.opt.Seed, 0x4e1bce47))
	}
	return g.kr
}

// helpCentreSession records an article session of the order's customer
// (ref, who; known says whether the visitor is known to the store).
func (g *gen) helpCentreSession(c *chunk, at int64, article, outcome string, known bool, ref commerce.CustomerRef, who int64) {
	if at >= g.end || at < g.days[0].start {
		return
	}
	r := g.helpRand()
	h := helpArticles[article]
	channel := kb.ChannelHelpCentre
	if r.Float64() < 0.3 {
		channel = kb.ChannelChat
	}
	s := g.newWebSession(channel, known, ref, who)
	t := at
	if r.Float64() < helpNoResult {
		q := pickW(r, unansweredSearches)
		s.add(kb.Event{Type: kb.EventSearch, Query: q[0], Locale: q[1]}, t)
		t += 30 + r.Int64N(90)
	}
	query := pick(r, h.queries)
	shown := append([]string{h.slug}, h.related...)
	if r.Float64() < 0.3 {
		shown[0], shown[1] = shown[1], shown[0]
	}
	s.add(kb.Event{Type: kb.EventSearch, Query: query, Shown: shown}, t)
	if r.Float64() < helpOpen {
		t += 10 + r.Int64N(60)
		s.add(kb.Event{Type: kb.EventView, Slug: h.slug}, t)
		if r.Float64() < helpRate {
			t += 60 + r.Int64N(240)
			helpful := r.Float64() < h.helpful
			s.add(kb.Event{Type: kb.EventFeedback, Slug: h.slug, Helpful: &helpful}, t)
		}
	}
	if outcome == "escalated" {
		t += 60 + r.Int64N(10*60)
		s.add(kb.Event{Type: kb.EventEscalate}, t)
	}
	g.keepWebSession(c, s)
}

// helpCentreFirst records, for the contacts of one order from index from
// of the chunk, the sessions of customers who looked in the help centre
// minutes before writing.
func (g *gen) helpCentreFirst(c *chunk, from int) {
	r := g.helpRand()
	for i := from; i < len(c.contacts); i++ {
		k := &c.contacts[i]
		who := c.contactWho[i]
		if (k.Channel != "chat" && k.Channel != "email") || who < 0 || who >= prospectBit {
			continue
		}
		var p float64
		var queries, shown []string
		switch k.Topic {
		case TopicDeliveryDelay:
			p, queries, shown = helpFirstLate, lateQueries, []string{"my-order-is-late", "delivery-times-and-carriers"}
		case TopicWhereIsMyOrder:
			p, queries, shown = helpFirstWISMO, lateQueries, []string{"my-order-is-late", "delivered-but-not-received"}
		case TopicSizing:
			p, queries, shown = helpFirstSizing, helpArticles["size-guide-clothing"].queries, []string{"size-guide", "shoe-sizing"}
		}
		if p == 0 || r.Float64() >= p {
			continue
		}
		start := k.StartedAt.Unix() - 5*60 - r.Int64N(15*60)
		if start < g.days[0].start {
			continue
		}
		s := g.newWebSession(kb.ChannelHelpCentre, true, k.Customer, who)
		t := start
		if r.Float64() < helpNoResult {
			q := pickW(r, unansweredSearches)
			s.add(kb.Event{Type: kb.EventSearch, Query: q[0], Locale: q[1]}, t)
			t += 20 + r.Int64N(40)
		}
		s.add(kb.Event{Type: kb.EventSearch, Query: pick(r, queries), Shown: shown}, t)
		if r.Float64() < 0.7 {
			t += 10 + r.Int64N(40)
			s.add(kb.Event{Type: kb.EventView, Slug: shown[0]}, t)
			if r.Float64() < 0.4 {
				t += 30 + r.Int64N(60)
				helpful := r.Float64() < 0.15
				s.add(kb.Event{Type: kb.EventFeedback, Slug: shown[0], Helpful: &helpful}, t)
			}
		}
		s.add(kb.Event{Type: kb.EventEscalate}, min(t+60, k.StartedAt.Unix()-60))
		g.keepWebSession(c, s)
	}
}

// sessionBuilder gathers one session's events.
type sessionBuilder struct {
	webSession
	id, channel string
	customer    commerce.CustomerRef
}

func (g *gen) newWebSession(channel string, known bool, ref commerce.CustomerRef, who int64) *sessionBuilder {
	g.webSeq++
	s := &sessionBuilder{id: fmt.Sprintf("demo-%012d", g.webSeq), channel: channel}
	s.who = whoNobody
	if known {
		s.customer, s.who = ref, who
	}
	return s
}

func (s *sessionBuilder) add(e kb.Event, at int64) {
	e.Session, e.Channel, e.Customer, e.At = s.id, s.channel, s.customer, time.Unix(at, 0)
	if e.Locale == "" {
		e.Locale = "en"
	}
	s.events = append(s.events, e)
}

// keepWebSession adds a session whose every event happened before the end.
func (g *gen) keepWebSession(c *chunk, s *sessionBuilder) {
	if s.events[len(s.events)-1].At.Unix() >= g.end {
		return
	}
	c.web = append(c.web, s.webSession)
	g.stats.Sessions++
}

// loadHelpCentre stores the starter knowledge base, published, and its
// synonyms, and returns each article's first topic by slug and locale (what
// a view event reads of the stored article).
func loadHelpCentre(ctx context.Context, db *store.DB, now time.Time) (map[[2]string]string, error) {
	articles, err := kb.ReadDir(kb.Starter, "starter")
	if err != nil {
		return nil, err
	}
	topics := map[[2]string]string{}
	for _, a := range articles {
		a.Status = kb.Published
		if len(a.Topics) > 0 {
			topics[[2]string{a.Slug, a.Locale}] = a.Topics[0]
		}
	}
	if _, err := kb.Import(ctx, db, articles, "demo", now); err != nil {
		return nil, err
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := kb.ImportSynonyms(ctx, tx, kb.StarterSynonyms())
		return err
	})
	return topics, err
}

// writeWebSessions is the bulk writer's part for the chunk's web sessions:
// the rows kb.RecordEvent would leave, many per statement.
func (w *bulkWriter) writeWebSessions(ctx context.Context, tx *store.Tx, c *chunk) error {
	if len(c.web) == 0 {
		return nil
	}
	cids, err := w.resolve(ctx, tx, c.webWho(), func(i int) commerce.CustomerRef { return c.web[i].events[0].Customer })
	if err != nil {
		return err
	}
	ids, err := store.ReserveIDs(ctx, tx, "self_service_sessions", len(c.web))
	if err != nil {
		return err
	}
	topicOf := func(slug, locale string) string { return w.topics[[2]string{slug, locale}] }
	var sessions, shown, searches, feedback [][]any
	for i := range c.web {
		rows := kb.WebSessionRows(ids[i], c.web[i].events, cids[i], topicOf)
		sessions = append(sessions, rows.Session)
		shown = append(shown, rows.Shown...)
		searches = append(searches, rows.Searches...)
		feedback = append(feedback, rows.Feedback...)
	}
	sids, err := store.ReserveIDs(ctx, tx, "kb_searches", len(searches))
	if err != nil {
		return err
	}
	for i := range searches {
		searches[i][0] = sids[i]
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"self_service_sessions", kb.WebSessionColumns(), sessions}, {"self_service_shown", kb.ShownColumns, shown},
		{"kb_searches", kb.SearchColumns, searches}, {"kb_feedback", kb.FeedbackColumns, feedback},
	} {
		if err := store.InsertRows(ctx, tx, t.table, t.cols, t.rows, ""); err != nil {
			return err
		}
	}
	return nil
}

func (c *chunk) webWho() []int64 {
	out := make([]int64, len(c.web))
	for i := range c.web {
		out[i] = c.web[i].who
	}
	return out
}

// writeWebSessions is the import paths' way: each event through
// kb.RecordEvent, as the help centre records it.
func (w *normalWriter) writeWebSessions(ctx context.Context, tx *store.Tx, c *chunk) error {
	for _, s := range c.web {
		for _, e := range s.events {
			if _, err := kb.RecordEvent(ctx, tx, w.env.Customers, e); err != nil {
				return err
			}
		}
	}
	return nil
}
