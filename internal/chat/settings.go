package chat

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/store"
)

// The widget's settings (quietdesk settings set KEY VALUE; docs/chat.md#settings).
const (
	// SettingSecret signs identity tokens; the brand's server keeps a copy.
	SettingSecret = "chat.secret"
	// SettingOrigins are the sites the widget may run on, like
	// "https://shop.example https://www.shop.example".
	SettingOrigins = "chat.origins"
	// SettingHours are the hours the team chats, in the format of
	// desk.business_hours, which applies while this is unset.
	SettingHours = "chat.hours"
	// SettingAway is what the widget says outside those hours.
	SettingAway = "chat.away_message"
	// SettingGreeting is the panel's first line.
	SettingGreeting = "chat.greeting"
)

// Defaults of the texts.
const (
	DefaultAway     = "We're away right now. Leave a message and your email, and we'll answer by email."
	DefaultGreeting = "Hi! How can we help?"
)

// Setting describes one setting for the CLI.
type Setting struct {
	Key    string
	Help   string
	Secret bool
	Check  func(string) error
}

// Settings lists the widget's settings with a check of their values.
var Settings = []Setting{
	{Key: SettingSecret, Secret: true, Help: "the secret the brand's server signs chat identity tokens with (at least 32 characters)", Check: func(v string) error {
		if len(v) < 32 {
			return fmt.Errorf("a chat secret needs at least 32 characters; make one with: openssl rand -hex 32")
		}
		return nil
	}},
	{Key: SettingOrigins, Help: "the sites the chat widget runs on, space- or comma-separated: https://shop.example https://www.shop.example", Check: func(v string) error {
		_, err := ParseOrigins(v)
		return err
	}},
	{Key: SettingHours, Help: `hours the team chats, like "Mon-Fri 09:00-17:00" in the store's time zone (desk.business_hours until set; always until either is)`, Check: func(v string) error {
		_, err := desk.ParseBusinessHours(v, time.UTC)
		return err
	}},
	{Key: SettingAway, Help: "what the chat widget says outside chat.hours (" + DefaultAway + ")", Check: checkText},
	{Key: SettingGreeting, Help: "the chat widget's first line (" + DefaultGreeting + ")", Check: checkText},
}

func checkText(v string) error {
	if strings.TrimSpace(v) == "" || len(v) > 500 {
		return fmt.Errorf("write 1 to 500 characters")
	}
	return nil
}

// ParseOrigins reads a list of origins: scheme://host[:port], no path.
func ParseOrigins(v string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("%q is not an origin like https://shop.example (scheme and host, no path)", f)
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return out, nil
}

// Config is the widget's settings, read at once.
type Config struct {
	Secret   string
	Origins  []string
	Hours    desk.BusinessHours
	Away     string
	Greeting string
}

// LoadConfig reads the settings. A value that no longer parses (set
// before a check existed) is ignored rather than breaking the widget.
func LoadConfig(ctx context.Context, db *store.DB) (Config, error) {
	v := map[string]string{}
	for _, key := range []string{SettingSecret, SettingOrigins, SettingHours, SettingAway, SettingGreeting, desk.SettingBusinessHours} {
		s, err := db.Setting(ctx, key)
		if err != nil {
			return Config{}, err
		}
		v[key] = strings.TrimSpace(s)
	}
	c := Config{Secret: v[SettingSecret], Away: v[SettingAway], Greeting: v[SettingGreeting]}
	c.Origins, _ = ParseOrigins(v[SettingOrigins])
	hours := v[SettingHours]
	if hours == "" {
		hours = v[desk.SettingBusinessHours]
	}
	if hours != "" {
		loc, err := store.TimeZone(ctx, db)
		if err != nil {
			return Config{}, err
		}
		c.Hours, _ = desk.ParseBusinessHours(hours, loc)
	}
	if c.Away == "" {
		c.Away = DefaultAway
	}
	if c.Greeting == "" {
		c.Greeting = DefaultGreeting
	}
	return c, nil
}

// Open reports whether the team chats at now: always without hours.
func (c Config) Open(now time.Time) bool { return Open(c.Hours, now) }

// Open reports whether now falls in the business hours (always when
// they are not set).
func Open(h desk.BusinessHours, now time.Time) bool {
	if !h.IsSet() {
		return true
	}
	return h.Elapsed(now, now.Add(time.Second)) > 0
}

// AllowsOrigin reports whether a page of origin may use the widget.
func (c Config) AllowsOrigin(origin string) bool {
	origin = strings.ToLower(strings.TrimSuffix(origin, "/"))
	for _, o := range c.Origins {
		if o == origin {
			return true
		}
	}
	return false
}
