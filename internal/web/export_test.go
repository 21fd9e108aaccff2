package web

import "time"

// Hooks for the external tests (package web_test), compiled only with them.

func init() { trackTemplates = true }

// TemplatesNeverExecuted lists the templates no page drawn in this test
// run reached.
func TemplatesNeverExecuted() ([]string, error) {
	funcs := (&Server{}).templateFuncs()
	ts, err := parseTemplates(funcs)
	if err != nil {
		return nil, err
	}
	help, err := parseHelpTemplates(funcs)
	if err != nil {
		return nil, err
	}
	return append(ts.neverExecuted(), help.neverExecuted()...), nil
}

// AddressFailures is how many failed logins from one address block it.
const AddressFailures = addressFailures

// WebhookBurst is how many provider webhooks one address may send at once.
const WebhookBurst = webhookBurst

// SetLivePoll makes the server's live streams poll every d.
func SetLivePoll(s *Server, d time.Duration) { s.livePoll = d }
