package proactive

import (
	"context"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// Preview is who a campaign would reach if sent now: what a brand reads
// before pressing Send.
type Preview struct {
	Campaign string `json:"campaign"`
	Scope    Scope  `json:"scope"`
	// Orders is the cohort: the matching orders not cancelled.
	Orders int `json:"orders"`
	// HeldOut of them get no notice, by HeldOut, to measure the rest.
	HeldOut int `json:"held_out"`
	// Customers is the cohort's distinct customers.
	Customers int `json:"customers"`
	// NoAddress are orders not held out whose customer has no address on
	// any of the campaign's channels; OptedOut those whose every address
	// opted out. Neither gets a notice.
	NoAddress int `json:"no_address"`
	OptedOut  int `json:"opted_out"`
	// Already are orders the campaign has decided before: sending again
	// leaves them as they are.
	Already int `json:"already_decided"`
	// Reachable are the orders that would get a notice, before quiet
	// hours and the daily cap delay or skip some.
	Reachable int         `json:"reachable"`
	Sample    []Recipient `json:"sample"`
	At        time.Time   `json:"at"`
}

// Recipient is one order that would get the notice, its customer's address
// masked (the preview is a count, not a mailing list).
type Recipient struct {
	Order   string `json:"order"`
	Address string `json:"address"`
	Channel string `json:"channel"`
}

// SampleSize is how many recipients a preview shows.
const SampleSize = 20

// PreviewCampaign counts who a campaign (saved or not) would reach: the
// cohort, the held-out share, the customers, those with no reachable
// address or opted out, and a sample of recipients. The channel shown is
// the first of the campaign's channels the customer has an address on and
// has not opted out of; chat is left out, since it reaches only a customer
// who has the widget open when the notice goes. It writes nothing.
func PreviewCampaign(ctx context.Context, q Reader, r *Rule, now time.Time) (Preview, error) {
	p := Preview{Campaign: r.Name, Scope: r.Scope, Sample: []Recipient{}, At: now.UTC()}
	if err := ValidateCampaign(r); err != nil {
		return p, err
	}
	loc, err := store.TimeZone(ctx, q)
	if err != nil {
		return p, err
	}
	var channels []string
	for _, c := range Channels {
		for _, t := range r.Templates {
			if t.Channel == c && c != "chat" {
				channels = append(channels, c)
				break
			}
		}
	}
	customers := map[int64]bool{}
	err = eachCohortPage(ctx, q, r.Scope, loc, true, func(page []cohortOrder) error {
		decided, err := decidedIn(ctx, q, r.Name, page)
		if err != nil {
			return err
		}
		var addrs []string
		for _, o := range page {
			addrs = append(addrs, addresses(o)...)
		}
		opted, err := optedOut(ctx, q, addrs)
		if err != nil {
			return err
		}
		for _, o := range page {
			p.Orders++
			if o.customerID.Valid {
				customers[o.customerID.Int64] = true
			}
			switch {
			case decided[o.id]:
				p.Already++
				continue
			case HeldOut(o.externalID, r.Name, r.HoldoutPct):
				p.HeldOut++
				continue
			}
			channel, address, anyAddress := "", "", false
			for _, c := range channels {
				a := channelAddress(o, c)
				if a == "" {
					continue
				}
				anyAddress = true
				if !opted[a] {
					channel, address = c, a
					break
				}
			}
			switch {
			case channel != "":
				p.Reachable++
				if len(p.Sample) < SampleSize {
					p.Sample = append(p.Sample, Recipient{Order: o.externalID, Address: Mask(address), Channel: channel})
				}
			case anyAddress:
				p.OptedOut++
			default:
				p.NoAddress++
			}
		}
		return nil
	})
	p.Customers = len(customers)
	return p, err
}

// channelAddress is the address an order's notice on a channel goes to,
// as opt-outs record it: the email, the phone, whatsapp:+phone.
func channelAddress(o cohortOrder, channel string) string {
	switch {
	case channel == "email":
		return o.email
	case o.phone == "":
		return ""
	case channel == "whatsapp":
		return "whatsapp:" + o.phone
	case channel == "sms":
		return o.phone
	}
	return ""
}

func addresses(o cohortOrder) []string {
	var out []string
	for _, c := range []string{"email", "sms", "whatsapp"} {
		if a := channelAddress(o, c); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// optedOut reports which of the addresses opted out.
func optedOut(ctx context.Context, q Querier, addrs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for len(addrs) > 0 {
		n := min(len(addrs), 500)
		rows, err := q.Query(ctx, `SELECT address FROM opt_outs WHERE address IN (`+store.Placeholders(n)+`)`, store.Args(addrs[:n])...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return nil, err
			}
			out[a] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		addrs = addrs[n:]
	}
	return out, nil
}

// decidedIn reports which of a page's orders the rule has decided.
func decidedIn(ctx context.Context, q Querier, rule string, page []cohortOrder) (map[int64]bool, error) {
	ids := make([]int64, len(page))
	for i, o := range page {
		ids[i] = o.id
	}
	rows, err := q.Query(ctx, `SELECT order_id FROM proactive_decisions WHERE rule = ? AND order_id IN (`+store.Placeholders(len(ids))+`)`,
		append([]any{rule}, store.Args(ids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// Mask hides most of an address and keeps enough to recognise it:
// j***@example.com, whatsapp:+1******4567.
func Mask(address string) string {
	if local, domain, ok := strings.Cut(address, "@"); ok {
		if local == "" {
			return "***@" + domain
		}
		return local[:1] + "***@" + domain
	}
	prefix, number, ok := strings.Cut(address, ":")
	if !ok {
		prefix, number = "", address
	} else {
		prefix += ":"
	}
	keep := 4
	b := []byte(number)
	digits := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] >= '0' && b[i] <= '9' {
			digits++
			if digits > keep && i > 1 {
				b[i] = '*'
			}
		}
	}
	return prefix + string(b)
}
