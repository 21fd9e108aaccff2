package zendesk

import (
	"context"
	"fmt"

	"quietdesk/internal/connect"
)

// get reads one JSON document from Zendesk into v (connect.JSONSource.GetJSON
// says what each answer does to the sync).
func get(ctx context.Context, s *connect.Session, url string, v any) error {
	// API token authentication: "{email}/token" and the token.
	src := connect.JSONSource{Tool: "Zendesk", Username: s.Conn.Config["email"] + "/token", Password: s.Creds["api_token"],
		Refused:  fmt.Sprintf("check that %s is an agent or admin of %s, that token access is on (Admin Center > Apps and integrations > Zendesk API) and the API token is active, then connect again with `quietdesk connections add zendesk`", s.Conn.Config["email"], s.Conn.Config["subdomain"]),
		NotFound: "check the subdomain and connect again"}
	return src.GetJSON(ctx, s, url, v)
}
