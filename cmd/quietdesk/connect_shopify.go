package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"quietdesk/internal/shopifysync"
)

// `quietdesk connections add shopify`: connects a shop through its Admin
// GraphQL API (docs/shopify.md#connecting-through-the-admin-api).
func init() {
	connectActions[shopifysync.Kind] = &command{name: "connections add shopify",
		usage: "--shop x.myshopify.com --token-file FILE|- [--name shopify] [--db DSN]", run: runConnectShopify}
}

const connectShopifyHelp = `Connects a Shopify shop through its Admin API: a backfill of every order
(with line items, fulfilments and tracking, refunds and customers) through a
bulk operation, then a sync of the orders that changed every 5 minutes.
The webhooks (/webhooks/shopify) keep working beside it.

In the Shopify admin, Settings > Apps and sales channels > Develop apps,
create an app with the Admin API scopes read_orders, read_customers and
read_fulfillments (read_all_orders too, for orders older than 60 days),
install it and copy its Admin API access token into a file:

  quietdesk connections add shopify --shop my-shop.myshopify.com --token-file token.txt
  quietdesk connections sync shopify

The token is read from the file (or from stdin with --token-file -), never
from the command line, and stored encrypted with the key in
$QUIETDESK_SECRET_KEY_FILE. Connecting a name again replaces its token and
goes on where the sync stopped.`

func runConnectShopify(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(connectActions[shopifysync.Kind], connectShopifyHelp)
	shop := fs.String("shop", "", "the shop's x.myshopify.com domain")
	tokenFile := fs.String("token-file", "", "file holding the Admin API access token; - reads it from stdin")
	name := fs.String("name", "shopify", "the connection's name")
	endpoint := fs.String("endpoint", "", "the Admin API's base URL instead of https://SHOP (a proxy in front of Shopify)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *tokenFile == "" {
		return fmt.Errorf("--token-file: required: a file holding the Admin API access token, or - to read it from stdin")
	}
	token, err := readToken(a, *tokenFile)
	if err != nil {
		return err
	}
	config := map[string]string{"shop": strings.ToLower(strings.TrimSpace(*shop))}
	if *endpoint != "" {
		config["endpoint"] = *endpoint
	}
	return a.saveConnection(ctx, *dsn, *name, shopifysync.Kind, config, map[string]string{"access_token": token})
}

// readToken reads the token's first line from path, or from stdin for "-".
func readToken(a *app, path string) (string, error) {
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return "", fmt.Errorf("--token-file %s: empty: it must hold the Admin API access token (shpat_…)", path)
	}
	return token, nil
}
