package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// A writer stores the generated chunks. Two do it: bulkWriter, which the
// demo uses, and normalWriter, which goes through the import paths record
// by record and is the reference the bulk one is tested against
// (TestBulkMatchesNormalWrites): both must leave the same rows.
type writer interface {
	// chunk writes one chunk inside tx.
	chunk(ctx context.Context, tx *store.Tx, c *chunk) error
	// finish runs after the last chunk: what the import paths do as they
	// go but a bulk load does once at the end.
	finish(ctx context.Context, db *store.DB, progress func(done, total int64)) error
	resolver() *commerce.Customers
}

// normalWriter writes through the import paths (ingest's kinds).
type normalWriter struct{ env *ingest.Env }

func (w *normalWriter) resolver() *commerce.Customers { return w.env.Customers }

func (w *normalWriter) chunk(ctx context.Context, tx *store.Tx, c *chunk) error {
	steps := []struct {
		write func(context.Context, *store.Tx, *ingest.Env, []any) (store.Counts, error)
		recs  []any
	}{
		{ingest.WriteOrders, ptrs(c.orders)},
		{ingest.FulfillmentEvents.Write, ptrs(c.events)},
		{ingest.Returns.Write, ptrs(c.returns)},
		{ingest.WriteContacts, ptrs(c.contacts)},
		{ingest.SelfService.Write, ptrs(c.sessions)},
	}
	for _, s := range steps {
		if len(s.recs) == 0 {
			continue
		}
		if _, err := s.write(ctx, tx, w.env, s.recs); err != nil {
			return err
		}
	}
	return w.writeWebSessions(ctx, tx, c)
}

func (w *normalWriter) finish(context.Context, *store.DB, func(done, total int64)) error { return nil }

func ptrs[T any](list []T) []any {
	out := make([]any, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}

// bulkWriter inserts new rows many per statement with reserved ids, using
// the packages' row builders so that every column, fingerprint included, is
// what the import paths would store. It links contacts to orders as
// desk.Attribute would — the order given, else the order named in the
// text, both known here — and leaves the rest, linked by the customer's
// most recent order, and the repeat flags to finish, which runs the desk's
// own refreshes once for the customers concerned.
type bulkWriter struct {
	customers *commerce.Customers // for what comes after the load (native conversations)
	now       time.Time
	// The ids of the customers made so far: buyers by index, the QA test
	// customer. Prospects write once and are not kept.
	buyers []int32
	qa     int64
	// flags, by customer id: contacts written (saturating at 2) in the low
	// bits, and flagUnlinked when one of them waits for recency linking.
	flags []uint8
	// topics is each starter article's first topic, by slug and locale.
	topics map[[2]string]string
}

const (
	flagCount    = 3
	flagUnlinked = 4
)

func (w *bulkWriter) resolver() *commerce.Customers { return w.customers }

func (w *bulkWriter) chunk(ctx context.Context, tx *store.Tx, c *chunk) error {
	cids, err := w.resolve(ctx, tx, c.orderWho, func(i int) commerce.CustomerRef { return c.orders[i].Customer })
	if err != nil {
		return err
	}
	ids, err := store.ReserveIDs(ctx, tx, "orders", len(c.orders))
	if err != nil {
		return err
	}
	rows := make([][]any, len(c.orders))
	var lines [][]any
	for i := range c.orders {
		o := &c.orders[i]
		rows[i] = commerce.OrderRow(ids[i], o, cids[i])
		for j := range o.Lines {
			lines = append(lines, commerce.LineRow(ids[i], &o.Lines[j]))
		}
	}
	if err := store.InsertRows(ctx, tx, "orders", commerce.OrderRowColumns(), rows, ""); err != nil {
		return err
	}
	if err := store.InsertRows(ctx, tx, "order_lines", commerce.LineRowColumns(), lines, ""); err != nil {
		return err
	}

	rows = rows[:0]
	for i := range c.events {
		rows = append(rows, commerce.EventRow(ids[c.eventOrder[i]], &c.events[i]))
	}
	if err := store.InsertRows(ctx, tx, "fulfillment_events", commerce.EventRowColumns(), rows, ""); err != nil {
		return err
	}

	rids, err := store.ReserveIDs(ctx, tx, "returns", len(c.returns))
	if err != nil {
		return err
	}
	rows = rows[:0]
	for i := range c.returns {
		rows = append(rows, commerce.ReturnRow(rids[i], &c.returns[i], ids[c.returnOrder[i]]))
	}
	if err := store.InsertRows(ctx, tx, "returns", commerce.ReturnRowColumns(), rows, ""); err != nil {
		return err
	}

	if cids, err = w.resolve(ctx, tx, c.contactWho, func(i int) commerce.CustomerRef { return c.contacts[i].Customer }); err != nil {
		return err
	}
	if err := desk.RecordAgents(ctx, tx, c.contacts); err != nil {
		return err
	}
	kids, err := store.ReserveIDs(ctx, tx, "contacts", len(c.contacts))
	if err != nil {
		return err
	}
	rows = rows[:0]
	for i := range c.contacts {
		att := desk.Attribution{How: c.contactHow[i]}
		if att.How != desk.AttrNone {
			att.OrderID = ids[c.contactOrder[i]]
		}
		rows = append(rows, desk.ImportedContactRow(kids[i], &c.contacts[i], cids[i], att))
		w.mark(cids[i], att.How == desk.AttrNone)
	}
	if err := store.InsertRows(ctx, tx, "contacts", desk.ImportedContactColumns(), rows, ""); err != nil {
		return err
	}
	// The ratings imported contacts carry, as UpsertContacts stores them.
	rows = rows[:0]
	for i := range c.contacts {
		if c.contacts[i].Satisfaction != nil {
			rows = append(rows, []any{kids[i], i})
		}
	}
	surveyIDs, err := store.ReserveIDs(ctx, tx, "csat", len(rows))
	if err != nil {
		return err
	}
	for k, r := range rows {
		rows[k] = desk.ImportedSatisfactionRow(surveyIDs[k], r[0].(int64), &c.contacts[r[1].(int)])
	}
	if err := store.InsertRows(ctx, tx, "csat", desk.ImportedSatisfactionColumns(), rows, ""); err != nil {
		return err
	}

	if cids, err = w.resolve(ctx, tx, c.sessionWho, func(i int) commerce.CustomerRef { return c.sessions[i].Customer }); err != nil {
		return err
	}
	sids, err := store.ReserveIDs(ctx, tx, "self_service_sessions", len(c.sessions))
	if err != nil {
		return err
	}
	rows = rows[:0]
	for i := range c.sessions {
		var oid int64
		if c.sessionOrder[i] >= 0 {
			oid = ids[c.sessionOrder[i]]
		}
		rows = append(rows, kb.SessionRow(sids[i], &c.sessions[i], cids[i], oid))
	}
	if err := store.InsertRows(ctx, tx, "self_service_sessions", kb.SessionColumns(), rows, ""); err != nil {
		return err
	}
	return w.writeWebSessions(ctx, tx, c)
}

// resolve returns the customer id of each record, as commerce's
// ResolveAll would for their references (ref(i) is record i's): known
// customers by the ids kept, new ones created in the order they first
// appear, with the rows ResolveAll would insert. The generator says who is
// who, so nothing is looked up.
func (w *bulkWriter) resolve(ctx context.Context, tx *store.Tx, who []int64, ref func(int) commerce.CustomerRef) ([]int64, error) {
	out := make([]int64, len(who))
	var fresh []int // the first record of each new customer
	temp := map[int64]int64{}
	for i, x := range who {
		if x == whoNobody {
			continue
		}
		if id := w.known(x); id != 0 {
			out[i] = id
			continue
		}
		t, ok := temp[x]
		if !ok {
			fresh = append(fresh, i)
			t = -int64(len(fresh))
			temp[x] = t
		}
		out[i] = t
	}
	if len(fresh) == 0 {
		return out, nil
	}
	ids, err := store.ReserveIDs(ctx, tx, "customers", len(fresh))
	if err != nil {
		return nil, err
	}
	customers := make([][]any, len(fresh))
	var identities [][]any
	for k, i := range fresh {
		row, idents := commerce.NewCustomerRows(ids[k], ref(i), w.now)
		customers[k] = row
		identities = append(identities, idents...)
		w.remember(who[i], ids[k])
	}
	for i := range out {
		if out[i] < 0 {
			out[i] = ids[-out[i]-1]
		}
	}
	if err := store.InsertRows(ctx, tx, "customers", commerce.CustomerRowColumns(), customers, ""); err != nil {
		return nil, err
	}
	return out, store.InsertRows(ctx, tx, "customer_identities", commerce.IdentityRowColumns(), identities, commerce.IdentityConflict)
}

func (w *bulkWriter) known(who int64) int64 {
	switch {
	case who == whoQA:
		return w.qa
	case who&prospectBit != 0:
		return 0
	case who < int64(len(w.buyers)):
		return int64(w.buyers[who])
	}
	return 0
}

func (w *bulkWriter) remember(who, id int64) {
	switch {
	case who == whoQA:
		w.qa = id
	case who&prospectBit != 0:
	default:
		if who >= int64(len(w.buyers)) {
			n := max(who+1, 2*int64(len(w.buyers)))
			w.buyers = append(w.buyers, make([]int32, n-int64(len(w.buyers)))...)
		}
		w.buyers[who] = int32(id)
	}
}

func (w *bulkWriter) mark(customer int64, unlinked bool) {
	if customer <= 0 {
		return
	}
	if int(customer) >= len(w.flags) {
		n := max(int(customer)+1, 2*len(w.flags))
		w.flags = append(w.flags, make([]uint8, n-len(w.flags))...)
	}
	f := w.flags[customer]
	if f&flagCount < 2 {
		f++
	}
	if unlinked {
		f |= flagUnlinked
	}
	w.flags[customer] = f
}

// finish links the contacts that name no order to their customer's most
// recent order and sets the repeat flags, through the desk's own
// refreshes, for the customers who need it: the same result as the import
// paths, which run them batch by batch.
func (w *bulkWriter) finish(ctx context.Context, db *store.DB, progress func(done, total int64)) error {
	var unlinked, repeats []int64
	for id, f := range w.flags {
		if f&flagUnlinked != 0 {
			unlinked = append(unlinked, int64(id))
		}
		if f&flagCount >= 2 {
			repeats = append(repeats, int64(id))
		}
	}
	total := int64(len(unlinked) + len(repeats))
	const batch = 20_000
	var done int64
	for _, job := range []struct {
		ids []int64
		fn  func(context.Context, *store.Tx, []int64) error
	}{
		{unlinked, func(ctx context.Context, tx *store.Tx, ids []int64) error {
			return desk.RefreshAttribution(ctx, tx, nil, ids)
		}},
		{repeats, desk.RefreshRepeats},
	} {
		for start := 0; start < len(job.ids); start += batch {
			part := job.ids[start:min(start+batch, len(job.ids))]
			if err := db.WriteTx(ctx, func(tx *store.Tx) error { return job.fn(ctx, tx, part) }); err != nil {
				return err
			}
			done += int64(len(part))
			if progress != nil {
				progress(done, total)
			}
		}
	}
	return nil
}

// writeNatives records the native conversations through the desk's
// contact rules, in time order, then gives each contact the topic, handle
// time and team an agent's tagging and the desk's time tracking would.
func writeNatives(ctx context.Context, db *store.DB, customers *commerce.Customers, natives []native, seq *int64) error {
	slices.SortStableFunc(natives, func(a, b native) int { return int(a.messages[0].at - b.messages[0].at) })
	var touched []int64
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		for i := range natives {
			n := &natives[i]
			var conversation, contact, customer int64
			for j, m := range n.messages {
				*seq++
				msg := desk.Message{ExternalID: fmt.Sprintf("M%07d", *seq), Customer: n.customer, Channel: n.channel, Via: viaOf(n.channel, int64(i+1)),
					At: time.Unix(m.at, 0), Body: m.body, ConversationID: conversation}
				if m.inbound {
					msg.Author = "customer"
				} else {
					msg.Author, msg.Agent = "agent", n.agent
				}
				if j == 0 {
					msg.Subject, msg.OrderExternalID = n.subject, n.orderExt
				}
				if n.channel == "chat" {
					msg.SessionID = fmt.Sprintf("chat-%d", i+1)
				}
				rec, err := desk.RecordMessage(ctx, tx, customers, msg)
				if err != nil {
					return fmt.Errorf("native conversation %d: %w", i+1, err)
				}
				if j == 0 {
					if !rec.NewContact {
						return fmt.Errorf("native conversation %d: its first message did not start a contact (%s)", i+1, rec.Reason)
					}
					conversation, contact = rec.ConversationID, rec.ContactID
				} else if rec.NewContact {
					return fmt.Errorf("native conversation %d: message %d started a second contact (%s)", i+1, j+1, rec.Reason)
				}
			}
			if n.closeAt != 0 {
				if err := desk.SetConversationState(ctx, tx, conversation, "closed", time.Unix(n.closeAt, 0)); err != nil {
					return err
				}
			}
			if err := labelNativeContact(ctx, tx, contact, n); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT customer_id FROM contacts WHERE id = ?`, contact).Scan(&customer); err != nil {
				return err
			}
			touched = append(touched, customer)
		}
		// A conversation recorded after later contacts of the same customer
		// makes those repeats.
		return desk.RefreshRepeats(ctx, tx, touched)
	})
	return err
}

// labelNativeContact stands in for what the desk does not record yet: the
// topic an agent tags (the classifier of issue "topics" will do it on
// arrival), the handle time the agent spent and the agent's team.
func labelNativeContact(ctx context.Context, tx *store.Tx, contact int64, n *native) error {
	_, err := tx.Exec(ctx, `UPDATE contacts SET topic = ?, topic_source = 'agent', handle_seconds = ?, team = ?, agent = ? WHERE id = ?`,
		n.topic.String(), n.handle, n.team, n.agent, contact)
	return err
}
