package gorgias

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest"
)

// page is one page of GET /api/tickets.
type page struct {
	Data *[]ticket `json:"data"`
	Meta *struct {
		NextCursor *string `json:"next_cursor"`
	} `json:"meta"`
}

type person struct {
	ID        int64   `json:"id"`
	Email     *string `json:"email"`
	Name      *string `json:"name"`
	Firstname *string `json:"firstname"`
	Lastname  *string `json:"lastname"`
}

// name is the person's name, else first and last names.
func (p *person) name() string {
	if p == nil {
		return ""
	}
	if p.Name != nil && strings.TrimSpace(*p.Name) != "" {
		return strings.TrimSpace(*p.Name)
	}
	return strings.TrimSpace(str(p.Firstname) + " " + str(p.Lastname))
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

type ticket struct {
	ID              int64   `json:"id"`
	Channel         string  `json:"channel"`
	Subject         *string `json:"subject"`
	FromAgent       bool    `json:"from_agent"`
	Spam            bool    `json:"spam"`
	CreatedDatetime string  `json:"created_datetime"`
	ClosedDatetime  *string `json:"closed_datetime"`
	TrashedDatetime *string `json:"trashed_datetime"`
	Customer        *person `json:"customer"`
	AssigneeUser    *person `json:"assignee_user"`
	AssigneeTeam    *struct {
		Name string `json:"name"`
	} `json:"assignee_team"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Messages []struct {
		FromAgent       bool   `json:"from_agent"`
		Public          *bool  `json:"public"`
		CreatedDatetime string `json:"created_datetime"`
	} `json:"messages"`
	SatisfactionSurvey *struct {
		Score          *int    `json:"score"`
		BodyText       *string `json:"body_text"`
		ScoredDatetime *string `json:"scored_datetime"`
		SentDatetime   *string `json:"sent_datetime"`
	} `json:"satisfaction_survey"`
}

// externalID is the contact id of a Gorgias ticket, the same as the
// ticket export's import gives it.
func externalID(id int64) string { return "gorgias-" + strconv.FormatInt(id, 10) }

// parseTime reads Gorgias's datetimes: ISO 8601 with microseconds and
// an offset written +00:00 or +0000.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}

func optTime(s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := parseTime(*s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// contacts maps a page's tickets: the contacts to store, and the ids of
// tickets trashed or marked spam, whose contacts go. An error names the
// first ticket that cannot be read; the page is then refused whole.
func (p *page) contacts() (keep []*desk.ImportedContact, gone []string, err error) {
	for _, t := range *p.Data {
		if t.ID <= 0 {
			return nil, nil, fmt.Errorf("a ticket has no id")
		}
		if t.TrashedDatetime != nil || t.Spam {
			gone = append(gone, externalID(t.ID))
			continue
		}
		c, err := t.contact()
		if err != nil {
			return nil, nil, fmt.Errorf("ticket %d: %w", t.ID, err)
		}
		keep = append(keep, c)
	}
	return keep, gone, nil
}

func (t *ticket) contact() (*desk.ImportedContact, error) {
	start, err := parseTime(t.CreatedDatetime)
	if err != nil {
		return nil, fmt.Errorf("created_datetime %w", err)
	}
	tags := make([]string, len(t.Tags))
	for i, tag := range t.Tags {
		tags[i] = tag.Name
	}
	c := &desk.ImportedContact{
		ExternalID: externalID(t.ID),
		StartedAt:  start,
		Channel:    ingest.GorgiasChannel(t.Channel),
		Subject:    str(t.Subject),
		Tags:       ingest.JoinTags(tags),
	}
	if cu := t.Customer; cu != nil {
		c.Customer = commerce.CustomerRef{ExternalID: strconv.FormatInt(cu.ID, 10), System: "gorgias", Email: strings.ToLower(str(cu.Email)), Name: cu.name()}
		if cu.ID == 0 {
			c.Customer.ExternalID = ""
		}
	}
	if a := t.AssigneeUser; a != nil {
		// The export's agent is the assignee's name, else their email.
		if c.Agent = a.name(); c.Agent == "" {
			c.Agent = str(a.Email)
		}
	}
	if t.AssigneeTeam != nil {
		c.Team = strings.TrimSpace(t.AssigneeTeam.Name)
	}
	if c.EndedAt, err = optTime(t.ClosedDatetime); err != nil {
		return nil, fmt.Errorf("closed_datetime %w", err)
	}
	// The brand's public messages (the export's "Number of agent
	// messages") and the first of them, from the messages the ticket
	// comes with. A ticket an agent opened (from_agent) was not
	// answered: its first message is the brand's own.
	for _, m := range t.Messages {
		if !m.FromAgent || (m.Public != nil && !*m.Public) {
			continue
		}
		c.Replies++
		at, err := parseTime(m.CreatedDatetime)
		if err != nil {
			return nil, fmt.Errorf("message created_datetime %w", err)
		}
		if !t.FromAgent && !at.Before(start) && (c.FirstResponseAt == nil || at.Before(*c.FirstResponseAt)) {
			c.FirstResponseAt = &at
		}
	}
	if sv := t.SatisfactionSurvey; sv != nil {
		at := ingest.RatedAt(c.StartedAt, c.EndedAt)
		if scored, err := optTime(sv.ScoredDatetime); err == nil && scored != nil {
			at = *scored
		}
		switch {
		case sv.Score != nil && (*sv.Score < 1 || *sv.Score > 5):
			return nil, fmt.Errorf("satisfaction_survey score %d is not from 1 to 5", *sv.Score)
		case sv.Score != nil:
			c.Satisfaction = &desk.ImportedSatisfaction{Score: *sv.Score, Comment: str(sv.BodyText), At: at}
		case sv.SentDatetime != nil:
			c.Satisfaction = &desk.ImportedSatisfaction{At: at} // asked, not answered
		}
	}
	if problems := c.Validate(); len(problems) > 0 {
		return nil, problems[0]
	}
	return c, nil
}
