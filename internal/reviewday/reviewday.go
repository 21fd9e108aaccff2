// Package reviewday delivers the weekly review on the review day: it
// writes the review of the week just ended and puts one email per owner and
// one chat-webhook post in the outbox (package notify), which sends them,
// retries failures and records every one. Outbox keys name the week and the
// recipient, so several servers on one database that all run it still
// deliver each message once.
package reviewday

import (
	"context"
	"fmt"
	"log/slog"
	"quietdesk/internal/clock"
	"regexp"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// DaySetting is the store setting naming the review day (monday by
// default); SentSetting records the last week whose review was put in the
// outbox.
// SiteURLSetting is the address people reach the web UI at, for the link
// to the review page in the messages (none without it: the address the
// server listens on is seldom the one readers can open).
const (
	DaySetting     = "review.day"
	SentSetting    = "review.sent_week"
	SiteURLSetting = store.SiteURLSetting
)

// SendHour is the local hour from which the review goes out on its day:
// the week's late data has come in overnight, and it is there for the
// morning meeting.
const SendHour = 7

// Scheduler puts the weekly review in the outbox once its day has come;
// its RunOnce is the "review" background task (package schedule).
type Scheduler struct {
	DB      *store.DB
	Decider *decide.Decider
	Log     *slog.Logger
	// Now is the clock. Required.
	Now clock.Clock
	// BaseURL, when set, links the review page from the messages.
	BaseURL string
}

func (s *Scheduler) now() time.Time { return s.Now() }

// RunOnce enqueues the review of the last complete week if today is the
// review day, it is past SendHour and it has not been enqueued yet. It
// returns the deliveries it created.
func (s *Scheduler) RunOnce(ctx context.Context) ([]notify.Delivery, error) {
	loc, err := store.TimeZone(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	now := s.now().In(loc)
	day, err := s.DB.Setting(ctx, DaySetting)
	if err != nil {
		return nil, err
	}
	if day == "" {
		day = "monday"
	}
	if !strings.EqualFold(now.Weekday().String(), day) || now.Hour() < SendHour {
		return nil, nil
	}
	week := decide.LastCompleteWeek(now, loc)
	if sent, err := s.DB.Setting(ctx, SentSetting); err != nil || sent == week.String() {
		return nil, err
	}
	return s.Deliver(ctx, week)
}

// Deliver writes a week's review and enqueues it to every owner with an
// address and to the chat webhook, whichever are configured.
func (s *Scheduler) Deliver(ctx context.Context, week decide.Week) ([]notify.Delivery, error) {
	review, err := s.Decider.Review(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("write the review of %s: %w", week, err)
	}
	md := review.Markdown()
	page, err := review.HTML()
	if err != nil {
		return nil, err
	}
	cfg, err := notify.LoadConfig(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	subject := fmt.Sprintf("Weekly review %s: %s", week, headline(review))
	now := s.now()
	var out []notify.Delivery
	enqueue := func(d notify.Delivery) error {
		d, created, err := notify.Enqueue(ctx, s.DB, d, now)
		if created {
			out = append(out, d)
		}
		return err
	}
	if cfg.SMTP.Host == "" {
		s.Log.Warn("the weekly review is not emailed: no SMTP relay", "fix", "quietdesk settings set smtp.host HOST (quietdesk notify --help)")
	} else {
		owners, err := recipients(ctx, s.DB)
		if err != nil {
			return nil, err
		}
		if len(owners) == 0 {
			s.Log.Warn("the weekly review is emailed to nobody: no owner has an address", "fix", "add addresses to the owners (quietdesk owners set NAME --email ADDRESS)")
		}
		for _, addr := range owners {
			if err := enqueue(notify.Delivery{Key: fmt.Sprintf("review:%s:email:%s", week, addr), Channel: notify.ChannelEmail, Target: addr,
				Subject: subject, Text: md + s.link(week), HTML: page}); err != nil {
				return out, err
			}
		}
	}
	if cfg.WebhookURL != "" {
		if err := enqueue(notify.Delivery{Key: fmt.Sprintf("review:%s:webhook", week), Channel: notify.ChannelWebhook, Target: cfg.WebhookURL,
			Subject: subject, Text: Slack(md) + s.link(week)}); err != nil {
			return out, err
		}
	}
	if err := s.DB.SetSetting(ctx, SentSetting, week.String()); err != nil {
		return out, err
	}
	s.Log.Info("weekly review enqueued", "week", week.String(), "deliveries", len(out))
	return out, nil
}

func (s *Scheduler) link(week decide.Week) string {
	if s.BaseURL == "" {
		return ""
	}
	return fmt.Sprintf("\n\nThe review with its charts: %s/review?week=%s\n", strings.TrimRight(s.BaseURL, "/"), week)
}

// headline sums the review up for a subject line.
func headline(r decide.WeeklyReview) string {
	alerts := len(r.Decisions.Alerts)
	parts := []string{fmt.Sprintf("%d alert%s", alerts, plural(alerts))}
	if n := len(r.Decisions.Verdicts); n > 0 {
		parts = append(parts, fmt.Sprintf("%d verdict%s due", n, plural(n)))
	}
	if n := len(r.Moved); n > 0 {
		parts = append(parts, fmt.Sprintf("%d metric%s moved", n, plural(n)))
	}
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// recipients are the owners' addresses, each once.
func recipients(ctx context.Context, db *store.DB) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT email FROM owners WHERE email <> '' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, rows.Err()
}

var (
	mdHeading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	mdBold    = regexp.MustCompile(`\*\*(.+?)\*\*`)
)

// Slack turns the review's Markdown into Slack's own markup, which bolds
// with single asterisks and has no headings.
func Slack(md string) string {
	md = mdBold.ReplaceAllString(md, "*$1*")
	return mdHeading.ReplaceAllString(md, "*$1*")
}
