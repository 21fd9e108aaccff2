package main

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/decide"
	"quietdesk/internal/reviewday"
)

func init() {
	register(&command{name: "migrate", summary: "create or upgrade the database schema", usage: "[--db DSN]", run: runMigrate})
	register(&command{name: "backup", summary: "write a consistent copy of a live SQLite database", usage: "FILE [--db DSN]", run: runBackup})
	register(&command{name: "settings", summary: "show or change store settings (time zone, program start, email relay, chat webhook)", usage: "[get KEY | set KEY VALUE]", run: runSettings})
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["migrate"], "Applies every pending schema migration. Every command does this on open; this one only migrates and reports the version.")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s database at schema version %d\n", db.Dialect, v)
	return nil
}

func runBackup(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["backup"], `Writes a consistent copy of the SQLite database to FILE while it stays in use
(writers are not stopped). For PostgreSQL use pg_dump; the README shows how.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "backup written to %s\n", pos[0])
	return nil
}

// settingKeys are the settings a user may change, with a check of the
// value. Other files add theirs (notify.go: smtp.*, review.webhook_url).
var settingKeys = map[string]settingKey{
	"timezone": {help: "IANA time zone; weeks and days are cut in it (UTC until set)", check: func(v string) error {
		if _, err := time.LoadLocation(v); err != nil {
			return fmt.Errorf("%q is not a time zone: use an IANA name like Europe/Paris or America/New_York", v)
		}
		return nil
	}},
	// All of a store's money is in its currency; orders in another are
	// converted at imported exchange rates or refused (docs/import.md#currency).
	commerce.CurrencySetting: {help: "ISO 4217 code of the store's currency, like EUR (the first imported order's until set)", check: func(v string) error {
		if !commerce.ValidCurrency(v) {
			return fmt.Errorf("%q is not a currency code: write its ISO 4217 code in capitals, like EUR or USD", v)
		}
		return nil
	}},
	// Day 0 of the 30-60-90 program: thresholds are proposed from the 30
	// days that follow it.
	"program_start": {help: "YYYY-MM-DD, day 0 of the 30-60-90 program (the day of the first order until set)", check: func(v string) error {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fmt.Errorf("%q is not a date: write YYYY-MM-DD", v)
		}
		return nil
	}},
	reviewday.SiteURLSetting: {help: "the web UI's address as people open it (https://desk.brand.com), for links in the weekly review's messages", check: func(v string) error {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%q is not an http:// or https:// address", v)
		}
		return nil
	}},
	reviewday.DaySetting: {help: "the weekday the weekly review is emailed and posted (monday until set)", check: func(v string) error {
		if !slices.Contains(decide.Weekdays, strings.ToLower(v)) {
			return fmt.Errorf("%q is not a weekday: write monday, tuesday, …", v)
		}
		return nil
	}},
}

type settingKey struct {
	help   string
	check  func(string) error
	secret bool // listed as (set), never printed unless asked for by name
}

func settingNames() []string {
	names := make([]string, 0, len(settingKeys))
	for k := range settingKeys {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func settingsHelp() string {
	var b strings.Builder
	b.WriteString(`Shows all settings, gets one, or sets one:

  quietdesk settings
  quietdesk settings get KEY
  quietdesk settings set KEY VALUE      (VALUE "" clears it; "-" reads it from stdin,
                                         so a password stays out of the shell history)

Settings:
`)
	for _, k := range settingNames() {
		fmt.Fprintf(&b, "  %-20s %s\n", k, settingKeys[k].help)
	}
	return b.String()
}

func runSettings(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["settings"], settingsHelp())
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case len(pos) == 0:
		for _, k := range settingNames() {
			v, err := db.Setting(ctx, k)
			if err != nil {
				return err
			}
			if settingKeys[k].secret && v != "" {
				v = "(set)"
			}
			fmt.Fprintf(a.stdout, "%s=%s\n", k, v)
		}
		return nil
	case len(pos) == 2 && pos[0] == "get":
		v, err := db.Setting(ctx, pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, v)
		return nil
	case len(pos) == 3 && pos[0] == "set":
		key, value := pos[1], pos[2]
		s, ok := settingKeys[key]
		if !ok {
			return fmt.Errorf("unknown setting %q: settings are %s", key, strings.Join(settingNames(), ", "))
		}
		if value == "-" {
			line, err := bufio.NewReader(a.stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("reading %s from stdin: %v", key, err)
			}
			value = strings.TrimRight(line, "\r\n")
		}
		if value != "" || key == "timezone" {
			if err := s.check(value); err != nil {
				return err
			}
		}
		return db.SetSetting(ctx, key, value)
	}
	fs.Usage()
	return errUsage
}
