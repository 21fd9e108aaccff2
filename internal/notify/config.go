package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"quietdesk/internal/clock"
	"strconv"
	"strings"

	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// Store settings that configure delivery (quietdesk settings set KEY VALUE).
const (
	SettingSMTPHost     = "smtp.host"
	SettingSMTPPort     = "smtp.port"
	SettingSMTPUsername = "smtp.username"
	SettingSMTPPassword = "smtp.password"
	SettingSMTPFrom     = "smtp.from"
	SettingSMTPTLS      = "smtp.tls"
	// SettingReviewWebhook is where the weekly review is posted; notify
	// reads it for callers, deliveries carry their own URL.
	SettingReviewWebhook = "review.webhook_url"
)

// TLS modes of smtp.tls.
const (
	TLSNone     = "none"     // plain SMTP; only for a relay on this machine or a trusted network
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, usually port 587 (the default)
	TLSImplicit = "tls"      // TLS from the first byte, usually port 465
)

// Setting describes one store setting for the CLI and the settings page.
type Setting struct {
	Key    string
	Help   string
	Secret bool // never shown back
	Check  func(value string) error
}

// Settings lists the delivery settings.
var Settings = []Setting{
	{Key: SettingSMTPHost, Help: "SMTP relay host name, e.g. smtp.sendgrid.net", Check: checkHost},
	{Key: SettingSMTPPort, Help: "SMTP relay port (default 587 for starttls, 465 for tls, 25 for none)", Check: func(v string) error {
		_, err := parsePort(v)
		return err
	}},
	{Key: SettingSMTPUsername, Help: "user name for SMTP AUTH (empty: no AUTH)", Check: func(string) error { return nil }},
	{Key: SettingSMTPPassword, Help: "password for SMTP AUTH", Secret: true, Check: func(string) error { return nil }},
	{Key: SettingSMTPFrom, Help: `sender of Quietdesk's email, e.g. "Quietdesk <reviews@brand.com>"`, Check: func(v string) error {
		if _, err := mail.ParseAddress(v); err != nil {
			return fmt.Errorf("%q is not an email address (e.g. \"Quietdesk <reviews@brand.com>\"): %v", v, err)
		}
		return nil
	}},
	{Key: SettingSMTPTLS, Help: "starttls (default), tls (port 465) or none (plain, for a relay on this machine)", Check: func(v string) error {
		switch v {
		case TLSNone, TLSStartTLS, TLSImplicit:
			return nil
		}
		return fmt.Errorf("%q is not a TLS mode: use starttls, tls or none", v)
	}},
	{Key: SettingReviewWebhook, Help: "chat webhook URL (Slack-compatible) the weekly review is posted to", Secret: true, Check: func(v string) error {
		if v == "" {
			return nil
		}
		return checkWebhookURL(v)
	}},
}

func checkHost(v string) error {
	if v == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err == nil || strings.ContainsAny(v, "/ ") {
		return fmt.Errorf("%q is not a host name: give the name alone and the port in smtp.port", v)
	}
	return nil
}

func parsePort(v string) (int, error) {
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%q is not a port: use a number from 1 to 65535, such as 587", v)
	}
	return p, nil
}

// Config is the delivery configuration held in the store's settings.
type Config struct {
	SMTP       SMTPConfig
	WebhookURL string // review.webhook_url
	// Twilio is the Twilio channel's settings (SMS and WhatsApp replies);
	// db is where its sender records message sids and opt-outs.
	Twilio twilio.Config
	db     *store.DB
}

// SMTPConfig says how to reach the SMTP relay.
type SMTPConfig struct {
	Host     string
	Port     int // 0: the TLS mode's usual port
	Username string
	Password string
	From     string // the From header and envelope sender
	TLS      string // TLSStartTLS when empty
	// TLSConfig is the base of the TLS settings (nil: the system's roots);
	// ServerName is always Host. Tests use it to trust their own server.
	TLSConfig *tls.Config

	invalid error // a stored setting that did not parse, reported on send
}

func (c SMTPConfig) mode() string {
	if c.TLS == "" {
		return TLSStartTLS
	}
	return c.TLS
}

func (c SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.mode() == TLSImplicit:
		return 465
	case c.mode() == TLSNone:
		return 25
	}
	return 587
}

// check says what is missing or wrong, and how to fix it.
func (c SMTPConfig) check() error {
	if c.invalid != nil {
		return c.invalid
	}
	if c.Host == "" {
		return fmt.Errorf("no SMTP relay configured: quietdesk settings set %s smtp.example.com (and %s, %s)", SettingSMTPHost, SettingSMTPFrom, SettingSMTPUsername)
	}
	if c.From == "" {
		return fmt.Errorf("no sender address: quietdesk settings set %s \"Quietdesk <reviews@brand.com>\"", SettingSMTPFrom)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("%s %q is not an email address: %v", SettingSMTPFrom, c.From, err)
	}
	switch c.mode() {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("%s %q is not a TLS mode: use starttls, tls or none", SettingSMTPTLS, c.TLS)
	}
	return nil
}

// LoadConfig reads the delivery settings. A setting that does not parse
// is reported when an email is sent, so it stops email and not webhooks.
func LoadConfig(ctx context.Context, db *store.DB) (Config, error) {
	v := map[string]string{}
	for _, s := range Settings {
		val, err := db.Setting(ctx, s.Key)
		if err != nil {
			return Config{}, fmt.Errorf("read setting %s: %w", s.Key, err)
		}
		v[s.Key] = strings.TrimSpace(val)
	}
	c := Config{WebhookURL: v[SettingReviewWebhook], SMTP: SMTPConfig{
		Host: v[SettingSMTPHost], Username: v[SettingSMTPUsername], Password: v[SettingSMTPPassword],
		From: v[SettingSMTPFrom], TLS: v[SettingSMTPTLS],
	}}
	tw, err := twilio.LoadConfig(ctx, db, store.SiteURLSetting)
	if err != nil {
		return Config{}, err
	}
	c.Twilio, c.db = tw, db
	if p := v[SettingSMTPPort]; p != "" {
		port, err := parsePort(p)
		if err != nil {
			c.SMTP.invalid = fmt.Errorf("setting %s: %w", SettingSMTPPort, err)
		}
		c.SMTP.Port = port
	}
	return c, nil
}

// Senders returns a sender for each channel, reading the time from now.
func (c Config) Senders(now clock.Clock) map[string]Sender {
	senders := map[string]Sender{
		ChannelEmail:   &SMTPSender{Config: c.SMTP, Now: now},
		ChannelWebhook: &WebhookSender{},
		ChannelTwilio:  &TwilioSender{DB: c.db, Config: c.Twilio, Now: now},
	}
	if c.db != nil {
		for channel, build := range registered {
			senders[channel] = build(c.db, now)
		}
	}
	return senders
}

// registered builds the senders of channels defined by packages that
// enqueue through notify, and so cannot be imported by it (package hooks:
// ChannelHook).
var registered = map[string]func(db *store.DB, now clock.Clock) Sender{}

// RegisterSender adds the sender of a channel another package defines; a
// Config from LoadConfig includes it in Senders. Call it from an init
// function.
func RegisterSender(channel string, build func(db *store.DB, now clock.Clock) Sender) {
	registered[channel] = build
}

// Describe names the relay for messages: host:port (tls mode, as user).
func (c SMTPConfig) Describe() string {
	who := "no login"
	if c.Username != "" {
		who = "as " + c.Username
	}
	return fmt.Sprintf("%s (%s, %s)", net.JoinHostPort(c.Host, strconv.Itoa(c.port())), c.mode(), who)
}
