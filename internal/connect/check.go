package connect

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"quietdesk/internal/domain"
)

// What a hosted helpdesk's connection config holds, checked one way for
// every connector: the account's name in its address, the email of the
// user its API key belongs to, and an optional endpoint that replaces the
// account's address (a test server, a proxy).

var accountRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// CheckAccount checks that config[field] is an account name as it stands
// in the address https://NAME.host.
func CheckAccount(config map[string]string, field, host string) error {
	if !accountRe.MatchString(config[field]) {
		return domain.Errorf(domain.EInvalid, "%s %q: give the x of x.%s (lower-case letters, digits and -)", field, config[field], host)
	}
	return nil
}

// CheckEmail checks that config["email"] is one bare email address; whose
// says whose address it is, for the error.
func CheckEmail(config map[string]string, whose string) error {
	e := config["email"]
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
		return domain.Errorf(domain.EInvalid, "email %q: give the email address of %s", e, whose)
	}
	return nil
}

// CheckEndpoint checks that config["endpoint"], when given, is an http(s)
// base URL; example is one, for the error.
func CheckEndpoint(config map[string]string, example string) error {
	e := config["endpoint"]
	if e == "" {
		return nil
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return domain.Errorf(domain.EInvalid, "endpoint %q: give a base URL like %s, or leave it out", e, example)
	}
	return nil
}

// BaseURL is config["endpoint"] without its trailing slash, or else
// https://NAME.host with NAME config[field].
func BaseURL(config map[string]string, field, host string) string {
	if e := config["endpoint"]; e != "" {
		return strings.TrimRight(e, "/")
	}
	return "https://" + config[field] + "." + host
}
