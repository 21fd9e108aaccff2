package web

// The connections tests' own connector kind gets a form on the page, as
// shopify, zendesk and gorgias have: an endpoint (its pages are served by
// an httptest server), a shop, and a token.
func init() {
	connectionForms = append(connectionForms, connectionForm{Kind: "pagetest", Label: "Test pages", About: "pages of records from a test server",
		Config: []connectionField{{"endpoint", "Endpoint", "", "url"}, {"shop", "Shop", "", "text"}},
		Creds:  []connectionField{{"token", "Token", "", "password"}}})
}
