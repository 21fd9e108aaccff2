package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/settings"
	"quietdesk/internal/store"
)

// cliActor is who the audit log says made a change from the command line.
const cliActor = "cli"

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

// settingNames lists every setting (package settings holds their
// definitions, registered by the init functions of this package's
// *_settings.go files and of the packages that own them).
func settingNames() []string { return settings.Keys() }

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
		d, _ := settings.Lookup(k)
		fmt.Fprintf(&b, "  %-20s %s\n", k, d.Help)
	}
	return b.String()
}

func runSettings(ctx context.Context, a *app, args []string) error {
	settingNames() // every setting registered before the help is drawn
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
			if d, _ := settings.Lookup(k); d.Secret && v != "" {
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
		def, ok := settings.Lookup(key)
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
		var change settings.Change
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var err error
			change, err = settings.Set(ctx, tx, a.now(), cliActor, key, value)
			return err
		})
		if err == nil && change.Changed && def.Affects != "" {
			fmt.Fprintf(a.stderr, "%s changed: %s\n", key, def.Affects)
		}
		return err
	}
	fs.Usage()
	return errUsage
}
