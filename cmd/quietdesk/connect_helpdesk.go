package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"quietdesk/internal/gorgias"
	"quietdesk/internal/zendesk"
)

// `connections add zendesk|gorgias`: connect the brand's helpdesk
// (docs/helpdesk.md). Secrets come from a file or stdin, never a flag's
// value, so they stay out of shell history and process lists.
func init() {
	connectActions[zendesk.Kind] = &command{name: "connections add zendesk", usage: "--subdomain X --email ADDRESS --token-file FILE|- [--since YYYY-MM-DD] [--name NAME] [--db DSN]", run: runConnectZendesk}
	connectActions[gorgias.Kind] = &command{name: "connections add gorgias", usage: "--domain X --email ADDRESS --api-key-file FILE|- [--name NAME] [--db DSN]", run: runConnectGorgias}
}

// readSecret reads a credential from the file named, or from stdin for "-".
func (a *app) readSecret(flagName, path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("--%s is required: a file holding it, or - to read it from stdin", flagName)
	}
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(a.stdin, 1<<16))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("--%s: %v", flagName, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("--%s: %s is empty", flagName, map[bool]string{true: "stdin", false: path}[path == "-"])
	}
	return s, nil
}

func runConnectZendesk(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(connectActions[zendesk.Kind], `Connects the brand's Zendesk: every ticket becomes a contact on its channel with
its requester, times, tags, group, assignee, order number and first-reply and
resolution times, read from --since on and then kept current every 5 minutes
(docs/helpdesk.md). Tickets already imported from Zendesk's CSV export are
updated in place, never counted twice.

The API token is made in Zendesk Admin Center > Apps and integrations >
Zendesk API (turn on token access); --email is the agent or admin it
belongs to. Give the token in a file, or - to read it from stdin:

  quietdesk connections add zendesk --subdomain brand --email ops@brand.com --token-file zendesk.token`)
	subdomain := fs.String("subdomain", "", "the x of x.zendesk.com")
	mail := fs.String("email", "", "email address of the agent or admin the API token belongs to")
	tokenFile := fs.String("token-file", "", "file holding the API token, or - for stdin")
	since := fs.String("since", "", "first day of the history to read, YYYY-MM-DD (default: two years ago)")
	name := fs.String("name", zendesk.Kind, "the connection's name")
	endpoint := fs.String("endpoint", "", "base URL to reach Zendesk at instead of https://SUBDOMAIN.zendesk.com (a proxy)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *since == "" {
		*since = a.now().UTC().AddDate(-2, 0, 0).Format(zendesk.SinceLayout)
	}
	config := map[string]string{"subdomain": strings.ToLower(strings.TrimSpace(*subdomain)), "email": strings.TrimSpace(*mail), "since": *since}
	if *endpoint != "" {
		config["endpoint"] = *endpoint
	}
	// Check the flags before reading stdin, so a mistyped flag fails at once.
	if err := (zendesk.Connector{}).Check(config, map[string]string{"api_token": "-"}); err != nil {
		return err
	}
	token, err := a.readSecret("token-file", *tokenFile)
	if err != nil {
		return err
	}
	return a.saveConnection(ctx, *dsn, *name, zendesk.Kind, config, map[string]string{"api_token": token})
}

func runConnectGorgias(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(connectActions[gorgias.Kind], `Connects the brand's Gorgias: every ticket becomes a contact on its channel with
its customer, times, tags, team, assignee, first reply and satisfaction survey,
backfilled and then kept current every 5 minutes (docs/helpdesk.md). Tickets
already imported from a Gorgias CSV export are updated in place, never
counted twice.

The REST API key is under Settings > REST API in Gorgias, with the email of
the user it belongs to. Give the key in a file, or - to read it from stdin:

  quietdesk connections add gorgias --domain brand --email ops@brand.com --api-key-file gorgias.key`)
	dom := fs.String("domain", "", "the x of x.gorgias.com")
	mail := fs.String("email", "", "email address of the Gorgias user the API key belongs to")
	keyFile := fs.String("api-key-file", "", "file holding the REST API key, or - for stdin")
	name := fs.String("name", gorgias.Kind, "the connection's name")
	endpoint := fs.String("endpoint", "", "base URL to reach Gorgias at instead of https://DOMAIN.gorgias.com (a proxy)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	config := map[string]string{"domain": strings.ToLower(strings.TrimSpace(*dom)), "email": strings.TrimSpace(*mail)}
	if *endpoint != "" {
		config["endpoint"] = *endpoint
	}
	if err := (gorgias.Connector{}).Check(config, map[string]string{"api_key": "-"}); err != nil {
		return err
	}
	key, err := a.readSecret("api-key-file", *keyFile)
	if err != nil {
		return err
	}
	return a.saveConnection(ctx, *dsn, *name, gorgias.Kind, config, map[string]string{"api_key": key})
}
