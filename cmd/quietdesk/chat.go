package main

import (
	"context"
	"fmt"
	"time"

	"quietdesk/internal/chat"
)

func init() {
	register(&command{name: "chat", summary: "chat widget helpers: sign a visitor's identity token", usage: "token …", run: runChat})
	chatActions = map[string]*command{
		"token": {name: "chat token", usage: "--email ADDR [--name NAME] [--external-id ID] [--ttl 1h] [--db DSN]", run: runChatToken},
	}
}

var chatActions map[string]*command

const chatHelp = `Helpers for the chat widget (docs/chat.md).

  quietdesk chat token --email ann@example.com --ttl 1h   prints an identity token signed with chat.secret`

func runChat(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "chat", chatActions, chatHelp, args)
}

func runChatToken(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(chatActions["token"], `Prints an identity token for the chat widget's data-token attribute, signed
with the setting chat.secret: the visitor is then the customer with this
email or external id and sees their earlier conversations. Brands sign
tokens on their own server the same way; this is for trying it out.`)
	email := fs.String("email", "", "the customer's email `ADDR`")
	name := fs.String("name", "", "the customer's name, shown to agents")
	external := fs.String("external-id", "", "the customer's id in the brand's system")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *ttl <= 0 {
		return fmt.Errorf("--ttl must be above 0, like 1h")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, err := db.Setting(ctx, chat.SettingSecret)
	if err != nil {
		return err
	}
	tok, err := chat.Sign(secret, chat.Identity{Email: *email, Name: *name, ExternalID: *external, Exp: a.now().Add(*ttl).Unix()})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, tok)
	return nil
}
