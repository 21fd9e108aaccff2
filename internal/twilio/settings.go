package twilio

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Store settings of the Twilio channel (quietdesk settings set KEY VALUE).
const (
	SettingAuthToken           = "twilio.auth_token"
	SettingAccountSID          = "twilio.account_sid"
	SettingFrom                = "twilio.from"
	SettingWhatsAppFrom        = "twilio.whatsapp_from"
	SettingMessagingServiceSID = "twilio.messaging_service_sid"
	SettingVoiceForward        = "twilio.voice_forward"
	SettingAPIURL              = "twilio.api_url"
)

// WebhookPath is the one route every Twilio callback goes to.
const WebhookPath = "/webhooks/twilio"

// Setting describes one setting for the CLI.
type Setting struct {
	Key    string
	Help   string
	Secret bool
	Check  func(string) error
}

var (
	e164       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// E164 reports whether s is a phone number as Twilio writes them.
func E164(s string) bool { return e164.MatchString(s) }

func optional(check func(string) error) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		return check(v)
	}
}

func checkPhone(v string) error {
	if !E164(v) {
		return fmt.Errorf("%q is not a phone number in E.164 form, such as +15551234567", v)
	}
	return nil
}

// Settings lists the channel's settings with their checks.
var Settings = []Setting{
	{Key: SettingAuthToken, Secret: true, Help: "Twilio auth token: signs the webhooks Twilio sends and authenticates replies (Console → Account info)", Check: optional(func(v string) error {
		if len(v) < 16 || strings.ContainsAny(v, " \t") {
			return fmt.Errorf("this does not look like a Twilio auth token (32 characters, no spaces): copy it from the Twilio Console")
		}
		return nil
	})},
	{Key: SettingAccountSID, Help: "Twilio account SID, AC followed by 32 hex digits", Check: optional(func(v string) error {
		if !accountSID.MatchString(v) {
			return fmt.Errorf("%q is not an account SID (AC followed by 32 hex digits)", v)
		}
		return nil
	})},
	{Key: SettingFrom, Help: "the Twilio number SMS replies are sent from, e.g. +15551234567", Check: optional(checkPhone)},
	{Key: SettingWhatsAppFrom, Help: "the WhatsApp sender replies go out from, e.g. whatsapp:+15551234567", Check: optional(func(v string) error {
		return checkPhone(Phone(v))
	})},
	{Key: SettingMessagingServiceSID, Help: "a Messaging Service (MG…) to send replies through instead of twilio.from", Check: optional(func(v string) error {
		if !serviceSID.MatchString(v) {
			return fmt.Errorf("%q is not a Messaging Service SID (MG followed by 32 hex digits)", v)
		}
		return nil
	})},
	{Key: SettingVoiceForward, Help: "the number inbound calls are forwarded to; empty: callers leave a voicemail", Check: optional(checkPhone)},
	{Key: SettingAPIURL, Help: "Twilio's REST API address (default " + DefaultAPIURL + ")", Check: optional(func(v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%q is not an http(s) URL", v)
		}
		return nil
	})},
}

// Getter reads a setting: *store.DB and *store.Tx are.
type Getter interface {
	Setting(ctx context.Context, key string) (string, error)
}

// Config is the channel's settings.
type Config struct {
	AuthToken, AccountSID, From, WhatsAppFrom, MessagingServiceSID, VoiceForward, APIURL string
	SiteURL                                                                              string
}

// LoadConfig reads the settings.
func LoadConfig(ctx context.Context, g Getter, siteURLKey string) (Config, error) {
	var c Config
	for key, dst := range map[string]*string{SettingAuthToken: &c.AuthToken, SettingAccountSID: &c.AccountSID, SettingFrom: &c.From,
		SettingWhatsAppFrom: &c.WhatsAppFrom, SettingMessagingServiceSID: &c.MessagingServiceSID, SettingVoiceForward: &c.VoiceForward,
		SettingAPIURL: &c.APIURL, siteURLKey: &c.SiteURL} {
		v, err := g.Setting(ctx, key)
		if err != nil {
			return c, fmt.Errorf("read setting %s: %w", key, err)
		}
		*dst = strings.TrimSpace(v)
	}
	return c, nil
}

// WebhookURL is where Twilio posts: the site's address and WebhookPath.
func (c Config) WebhookURL() string {
	if c.SiteURL == "" {
		return ""
	}
	return strings.TrimRight(c.SiteURL, "/") + WebhookPath
}
