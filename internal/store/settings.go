package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Setting returns a store setting, "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	return readSetting(ctx, db.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key))
}

// Setting returns a store setting as this transaction sees it.
func (tx *Tx) Setting(ctx context.Context, key string) (string, error) {
	return readSetting(ctx, tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key))
}

func readSetting(_ context.Context, row *sql.Row) (string, error) {
	var v string
	err := row.Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a store setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// SiteURLSetting is the web UI's address as people open it
// (https://desk.brand.com): links in mail (the weekly review, satisfaction
// surveys) point there.
const SiteURLSetting = "site.url"

// SettingReader reads store settings: a *DB, or a *Tx inside a transaction.
type SettingReader interface {
	Setting(ctx context.Context, key string) (string, error)
}

// TimeZone is the store's time zone: weeks and days are cut in it, and times
// written without an offset are read in it. UTC until set.
func TimeZone(ctx context.Context, db SettingReader) (*time.Location, error) {
	name, err := db.Setting(ctx, "timezone")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("store time zone %q: %w (set a valid one: quietdesk settings set timezone Europe/Paris)", name, err)
	}
	return loc, nil
}
