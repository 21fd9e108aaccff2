package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"quietdesk/internal/connect"
	"quietdesk/internal/shopifysync/fakeshop"
)

func TestConnectShopifyAddsAConnectionWithTheTokenSealed(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		t.Setenv(connect.KeyEnv, connect.NewKey())
		help := mustRun(t, "connections", "add", "shopify", "--help")
		if !strings.Contains(help.stdout, "--token-file") || !strings.Contains(help.stdout, "read_orders") {
			t.Fatalf("help: %s", help.stdout)
		}
		if r := run(t, "connections", "add", "shopify", "--shop", "x.myshopify.com", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "--token-file: required") {
			t.Fatalf("no token: %+v", r)
		}
		if r := runWithStdin(t, "shpat_secret\n", "connections", "add", "shopify", "--shop", "not a shop", "--token-file", "-", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "shop:") {
			t.Fatalf("bad shop: %+v", r)
		}
		file := filepath.Join(t.TempDir(), "token.txt")
		os.WriteFile(file, []byte("shpat_secret\n"), 0o600)
		r := mustRun(t, "connections", "add", "shopify", "--shop", "quietdesk-test.myshopify.com", "--token-file", file, "--db", dsn)
		if !strings.Contains(r.stdout, "connection shopify (shopify) saved, backfilling") {
			t.Fatalf("add: %s", r.stdout)
		}
		list := mustRun(t, "connections", "list", "--json", "--db", dsn)
		if !strings.Contains(list.stdout, `"shop":"quietdesk-test.myshopify.com"`) || strings.Contains(list.stdout, "shpat_secret") {
			t.Fatalf("list: %s", list.stdout)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM connections WHERE secret LIKE '%shpat_secret%'`); n != 0 {
			t.Fatal("the token is stored in the clear")
		}
	})
}

// A backfill killed with SIGKILL midway resumes after its last stored
// chunk and ends with exactly the shop's orders, none twice.
func TestConnectShopifyBackfillSurvivesKill9(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		key := connect.NewKey()
		t.Setenv(connect.KeyEnv, key)
		orders, want := fakeshop.Generate(3000, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
		shop := fakeshop.New("shpat_good", orders)
		defer shop.Close()
		shop.FileDelay = 400 * time.Millisecond // each chunk's download: slow enough to kill midway
		runWithStdin(t, "shpat_good", "connections", "add", "shopify", "--shop", "quietdesk-test.myshopify.com",
			"--token-file", "-", "--endpoint", shop.URL(), "--db", dsn)

		cmd := binaryCommand("connections", "sync", "shopify", "--db", dsn)
		cmd.Env = append(cmd.Env, connect.KeyEnv+"="+key)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stored := 0
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
			if stored = count(t, dsn, `SELECT COUNT(*) FROM orders`); stored >= 1000 {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		stored = count(t, dsn, `SELECT COUNT(*) FROM orders`)
		if stored < 1000 || stored >= 3000 || stored%500 != 0 {
			t.Fatalf("killed with %d orders stored: want whole chunks of 500, short of 3000", stored)
		}
		if done := count(t, dsn, `SELECT done FROM connections WHERE name = 'shopify'`); done != stored {
			t.Fatalf("the connection counts %d, the store holds %d", done, stored)
		}

		again := binaryCommand("connections", "sync", "shopify", "--db", dsn)
		again.Env = append(again.Env, connect.KeyEnv+"="+key)
		if out, err := again.CombinedOutput(); err != nil || !strings.Contains(string(out), "shopify: current, 3000 records stored") {
			t.Fatalf("sync again: %v\n%s", err, out)
		}
		got := [5]int{
			count(t, dsn, `SELECT COUNT(*) FROM orders`),
			count(t, dsn, `SELECT COUNT(DISTINCT external_id) FROM orders`),
			count(t, dsn, `SELECT COUNT(*) FROM order_lines`),
			count(t, dsn, `SELECT COUNT(*) FROM fulfillment_events`),
			count(t, dsn, `SELECT COUNT(*) FROM returns`),
		}
		if got != [5]int{want.Orders, want.Orders, want.Lines, want.Events, want.Returns} {
			t.Fatalf("stored orders, distinct ids, lines, events, returns = %v; the shop has %+v", got, want)
		}
	})
}
