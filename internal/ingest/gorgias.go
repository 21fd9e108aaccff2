package ingest

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
)

// The Gorgias ticket export (from a view or a statistics report): one ticket
// per row, each one imported contact (docs/metrics.md#contacts). Its header is only
// partly known, so every column is looked up under the names seen in the
// wild (docs/formats.md §2.1).

func init() { RegisterFormat(gorgiasFormat) }

// gorgiasColumns are the header's spellings of the columns used; "" when
// the file lacks one.
type gorgiasColumns struct {
	id, url, created, channel, agent, agentEmail, email, customerID, name, subject, tags, team, order string
	// The service the ticket got (docs/formats.md §2.4), and the units
	// its elapsed times are written in.
	firstResponse, resolution, closed, replies, score, comment, surveyed string
	firstResponseUnit, resolutionUnit                                    time.Duration
}

// elapsed finds an elapsed-time column under its spellings: in seconds
// ("… (s)", and the bare name, as Gorgias's statistics count seconds),
// else in minutes ("… (minutes)").
func elapsed(header []string, idx map[string]int, name string) (string, time.Duration) {
	if c := pick(header, idx, name+" (s)", name+" (seconds)", name); c != "" {
		return c, time.Second
	}
	return pick(header, idx, name+" (minutes)", name+" (min)"), time.Minute
}

func gorgiasLookup(header []string) gorgiasColumns {
	idx := headerIndex(header)
	p := func(names ...string) string { return pick(header, idx, names...) }
	c := gorgiasColumns{
		id:         p("Ticket id", "Id"),
		url:        p("Ticket URL"),
		created:    p("Creation date", "Created datetime", "Created at", "Created"),
		channel:    p("Initial channel", "Channel"),
		agent:      p("Assignee name", "Assignee"),
		agentEmail: p("Assignee email"),
		email:      p("Customer email", "Customer"),
		customerID: p("Customer id"),
		name:       p("Customer name"),
		subject:    p("Subject"),
		tags:       p("Tags"),
		team:       p("Team"),
		order:      orderNumberColumn(header),
		closed:     p("Closed date", "Closed datetime"),
		replies:    p("Number of agent messages"),
		score:      p("Survey score", "Satisfaction survey score", "Satisfaction score"),
		comment:    p("Survey comment", "Satisfaction survey comment"),
		surveyed:   p("Survey present (Y/N)"),
	}
	c.firstResponse, c.firstResponseUnit = elapsed(header, idx, "First response time")
	c.resolution, c.resolutionUnit = elapsed(header, idx, "Resolution time")
	return c
}

// missing names what the file needs and lacks: an id, a creation date and
// a channel.
func (g gorgiasColumns) missing() []string {
	var out []string
	if g.id == "" && g.url == "" {
		out = append(out, "Ticket id (or Ticket URL)")
	}
	if g.created == "" {
		out = append(out, "Creation date")
	}
	if g.channel == "" {
		out = append(out, "Initial channel")
	}
	return out
}

var gorgiasFormat = &Format{
	Name: "gorgias",
	Kind: Contacts,
	Detect: func(header []string) bool {
		return len(gorgiasLookup(header).missing()) == 0
	},
	Open: func(c *CSV, tp domain.TimeParser) (Source, error) {
		cols := gorgiasLookup(c.Header())
		if missing := cols.missing(); len(missing) > 0 {
			return nil, fmt.Errorf("line 1: not a Gorgias tickets export: missing column(s) %s", strings.Join(missing, ", "))
		}
		return &gorgiasSource{csv: c, tp: tp, idx: headerIndex(c.Header()), cols: cols, seen: firstSeen{}}, nil
	},
}

type gorgiasSource struct {
	csv  *CSV
	tp   domain.TimeParser
	idx  map[string]int
	cols gorgiasColumns
	seen firstSeen
}

func (s *gorgiasSource) Header() []string { return s.csv.Header() }

// ticketInURL finds the ticket number in ".../app/ticket/91501".
var ticketInURL = regexp.MustCompile(`/tickets?/(\d+)/?$`)

func (s *gorgiasSource) Next() (Item, error) {
	rec, err := nextRow(s.csv)
	if err != nil {
		return Item{}, err
	}
	if len(rec.Problems) > 0 {
		return Item{Line: rec.Line, Problems: rec.Problems, Raw: [][]string{rec.Fields}}, nil
	}
	row := exportRow{idx: s.idx, fields: rec.Fields}
	g := s.cols
	if err := checkDateOrder(s.tp, rec.Line, g.created, row.Get(g.created)); err != nil {
		return Item{}, err
	}
	r := &reader{row: row, tp: s.tp}
	idCol, id := g.id, r.str(g.id)
	if id == "" && g.url != "" {
		idCol = g.url
		if m := ticketInURL.FindStringSubmatch(r.str(g.url)); m != nil {
			id = m[1]
		}
	}
	agent := r.str(g.agent)
	if agent == "" {
		agent = r.str(g.agentEmail)
	}
	c := &desk.ImportedContact{
		StartedAt: r.when(g.created),
		Channel:   gorgiasChannel(r.str(g.channel)),
		// The export has no customer id column that we know of; when one
		// appears it is Gorgias's own.
		Customer: commerce.CustomerRef{ExternalID: digits(r.str(g.customerID)), System: "gorgias",
			Email: strings.ToLower(r.email(g.email)), Name: r.str(g.name)},
		OrderExternalID: customValue(row, g.order),
		Agent:           agent,
		Team:            r.str(g.team),
		Subject:         r.str(g.subject),
		Tags:            joinTags(strings.Split(r.str(g.tags), ",")),
	}
	if !c.StartedAt.IsZero() {
		c.FirstResponseAt = r.after(c.StartedAt, g.firstResponse, g.firstResponseUnit)
		if c.EndedAt = r.after(c.StartedAt, g.resolution, g.resolutionUnit); c.EndedAt == nil && g.closed != "" {
			c.EndedAt = r.optWhen(g.closed)
		}
		c.Replies = r.count(g.replies)
		surveyed := strings.EqualFold(r.str(g.surveyed), "y") || strings.EqualFold(r.str(g.surveyed), "yes")
		c.Satisfaction = scaleSatisfaction(r, g.score, g.comment, surveyed, ratedAt(c.StartedAt, c.EndedAt))
	}
	if id == "" {
		r.problems.Add(idCol, "is empty")
	} else {
		// Prefixed so that Zendesk and Gorgias ticket numbers never collide.
		c.ExternalID = "gorgias-" + id
		s.seen.check(&r.problems, idCol, id, rec.Line)
	}
	problems := r.problems
	if len(problems) == 0 {
		names := contactColumns(idCol, g.created, g.channel)
		names["resolved_at"] = g.closed // the only end that can come before the start
		problems = renameProblems(c.Validate(), names)
	}
	return Item{Line: rec.Line, Record: c, Problems: problems, Raw: [][]string{rec.Fields}}, nil
}

// gorgiasChannels maps Gorgias's channel slugs to our channels. Forms and
// help-center requests are written and asynchronous, so they are email;
// reviews, notes and API tickets are "other". docs/formats.md §2.2.
var gorgiasChannels = map[string]string{
	"email": "email", "contact_form": "email", "help-center": "email",
	"chat": "chat", "custom-chat": "chat", "google-business-messages": "chat",
	"phone": "voice", "aircall": "voice",
	"sms":      "sms",
	"facebook": "social", "facebook-mention": "social", "facebook-messenger": "social", "facebook-recommendations": "social",
	"instagram-comment": "social", "instagram-ad-comment": "social", "instagram-direct-message": "social", "instagram-mention": "social",
	"twitter": "social", "twitter-direct-message": "social", "whatsapp": "social",
}

// gorgiasChannel accepts the API slug or the display label ("Instagram
// direct message", "Contact form") the export may show instead.
func gorgiasChannel(v string) string {
	v = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(v)), " ", "-")
	if v == "contact-form" {
		v = "contact_form"
	}
	if ch, ok := gorgiasChannels[v]; ok {
		return ch
	}
	return "other"
}

// GorgiasChannel maps a Gorgias channel (API slug or export label) to our
// channel (docs/formats.md §2.2), for the Gorgias connection.
func GorgiasChannel(v string) string { return gorgiasChannel(v) }
