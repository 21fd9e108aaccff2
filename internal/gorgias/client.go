package gorgias

import (
	"context"
	"fmt"

	"quietdesk/internal/connect"
)

// get reads one JSON document from Gorgias into v (connect.JSONSource.GetJSON
// says what each answer does to the sync).
func get(ctx context.Context, s *connect.Session, url string, v any) error {
	// Basic authentication with the account's email and REST API key.
	src := connect.JSONSource{Tool: "Gorgias", Username: s.Conn.Config["email"], Password: s.Creds["api_key"],
		Refused:  fmt.Sprintf("check that %s is the email of the user whose REST API key this is (Settings > REST API in %s.gorgias.com) and that the key was not regenerated, then connect again with `quietdesk connections add gorgias`", s.Conn.Config["email"], s.Conn.Config["domain"]),
		NotFound: "check the domain and connect again"}
	return src.GetJSON(ctx, s, url, v)
}
