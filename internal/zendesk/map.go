package zendesk

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest"
)

// page is one page of the cursor-based incremental ticket export with the
// users, groups and metric_sets sideloads.
type page struct {
	Tickets     *[]ticket   `json:"tickets"`
	Users       []user      `json:"users"`
	Groups      []group     `json:"groups"`
	MetricSets  []metricSet `json:"metric_sets"`
	AfterCursor *string     `json:"after_cursor"`
	EndOfStream bool        `json:"end_of_stream"`
}

type ticket struct {
	ID          int64    `json:"id"`
	Status      string   `json:"status"`
	Subject     string   `json:"subject"`
	CreatedAt   string   `json:"created_at"`
	RequesterID *int64   `json:"requester_id"`
	AssigneeID  *int64   `json:"assignee_id"`
	GroupID     *int64   `json:"group_id"`
	Tags        []string `json:"tags"`
	Via         struct {
		Channel any `json:"channel"`
	} `json:"via"`
	CustomFields []struct {
		ID    int64 `json:"id"`
		Value any   `json:"value"`
	} `json:"custom_fields"`
	SatisfactionRating *struct {
		Score   string  `json:"score"`
		Comment *string `json:"comment"`
	} `json:"satisfaction_rating"`
}

type user struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Email *string `json:"email"`
}

type group struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type minutes struct {
	Calendar *float64 `json:"calendar"`
}

type metricSet struct {
	TicketID           int64   `json:"ticket_id"`
	Replies            int64   `json:"replies"`
	SolvedAt           *string `json:"solved_at"`
	ReplyTime          minutes `json:"reply_time_in_minutes"`
	FullResolutionTime minutes `json:"full_resolution_time_in_minutes"`
}

// apiVia turns the API's via.channel into the label the export's Via
// column shows, so both are mapped by one table (docs/formats.md §1.3).
// The others are the same words with underscores ("twitter", "sms").
var apiVia = map[string]string{
	"web": "web form", "voice": "phone call (inbound)", "facebook": "facebook post",
	"native_messaging": "native messaging", "mobile_sdk": "mobile sdk", "web_widget": "web widget",
	"instagram_dm": "instagram dm", "closed_ticket": "closed ticket",
}

func channelOf(v any) string {
	s, _ := v.(string)
	s = strings.ToLower(strings.TrimSpace(s))
	if label, ok := apiVia[s]; ok {
		s = label
	}
	return ingest.ZendeskChannel(strings.ReplaceAll(s, "_", " "))
}

// externalID is the contact id of a Zendesk ticket, the same as the
// ticket export's import gives it, so a ticket imported from a file and
// then synced is one contact.
func externalID(id int64) string { return "zendesk-" + strconv.FormatInt(id, 10) }

// contacts maps a page's tickets: the contacts to store and the ids of
// deleted tickets whose contacts go. An error names the first ticket that
// cannot be read; the page is then refused whole.
func (p *page) contacts(orderField int64) (keep []*desk.ImportedContact, deleted []string, err error) {
	users := map[int64]user{}
	for _, u := range p.Users {
		users[u.ID] = u
	}
	groups := map[int64]string{}
	for _, g := range p.Groups {
		groups[g.ID] = g.Name
	}
	metrics := map[int64]metricSet{}
	for _, m := range p.MetricSets {
		metrics[m.TicketID] = m
	}
	for _, t := range *p.Tickets {
		if t.ID <= 0 {
			return nil, nil, fmt.Errorf("a ticket has no id")
		}
		if t.Status == "deleted" {
			deleted = append(deleted, externalID(t.ID))
			continue
		}
		c, err := t.contact(users, groups, metrics, orderField)
		if err != nil {
			return nil, nil, fmt.Errorf("ticket %d: %w", t.ID, err)
		}
		keep = append(keep, c)
	}
	return keep, deleted, nil
}

func (t *ticket) contact(users map[int64]user, groups map[int64]string, metrics map[int64]metricSet, orderField int64) (*desk.ImportedContact, error) {
	start, err := time.Parse(time.RFC3339, t.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("created_at %q is not a time", t.CreatedAt)
	}
	c := &desk.ImportedContact{
		ExternalID: externalID(t.ID),
		StartedAt:  start.UTC(),
		Channel:    channelOf(t.Via.Channel),
		Subject:    strings.TrimSpace(t.Subject),
		Tags:       ingest.JoinTags(t.Tags),
	}
	if t.RequesterID != nil {
		u := users[*t.RequesterID]
		c.Customer = commerce.CustomerRef{ExternalID: strconv.FormatInt(*t.RequesterID, 10), System: "zendesk", Name: strings.TrimSpace(u.Name)}
		if u.Email != nil {
			c.Customer.Email = strings.ToLower(strings.TrimSpace(*u.Email))
		}
	}
	if t.AssigneeID != nil {
		c.Agent = strings.TrimSpace(users[*t.AssigneeID].Name)
	}
	if t.GroupID != nil {
		c.Team = strings.TrimSpace(groups[*t.GroupID])
	}
	if orderField != 0 {
		for _, f := range t.CustomFields {
			if f.ID == orderField {
				c.OrderExternalID = fieldValue(f.Value)
			}
		}
	}
	if m, ok := metrics[t.ID]; ok {
		// Elapsed calendar minutes from the creation, as the export's
		// "First reply time in minutes" and "Full resolution time in minutes".
		c.FirstResponseAt = after(c.StartedAt, m.ReplyTime)
		c.EndedAt = after(c.StartedAt, m.FullResolutionTime)
		if c.EndedAt == nil && m.SolvedAt != nil {
			if at, err := time.Parse(time.RFC3339, *m.SolvedAt); err == nil {
				at = at.UTC()
				c.EndedAt = &at
			}
		}
		c.Replies = m.Replies
	}
	if r := t.SatisfactionRating; r != nil {
		comment := ""
		if r.Comment != nil {
			comment = *r.Comment
		}
		if c.Satisfaction, err = ingest.ZendeskRating(r.Score, comment, ingest.RatedAt(c.StartedAt, c.EndedAt)); err != nil {
			return nil, err
		}
	}
	if problems := c.Validate(); len(problems) > 0 {
		return nil, problems[0]
	}
	return c, nil
}

func after(start time.Time, m minutes) *time.Time {
	if m.Calendar == nil || *m.Calendar < 0 {
		return nil
	}
	t := start.Add(time.Duration(*m.Calendar * float64(time.Minute)))
	return &t
}

// fieldValue reads a custom field's value as text; "-" and empty are none.
func fieldValue(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	}
	if s = strings.TrimSpace(s); s == "-" {
		return ""
	}
	return s
}
