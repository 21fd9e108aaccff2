#!/usr/bin/env bash
# make demo: a store built from the sample files in testdata/, served locally.
# Every import is idempotent, so running it again on the same database only
# adds a new API token.
set -euo pipefail
bin=${1:?usage: demo.sh BIN DB ADDR}
db=${2:?}
addr=${3:?}
cd "$(dirname "$0")/.."

echo "==> Creating $db with the sample store"
for kind in orders order_lines fulfillment_events returns contacts self_service costs actions; do
  "$bin" import "$kind" "testdata/generic/$kind.csv" --db "$db"
done
"$bin" import orders testdata/exports/shopify_orders_resaved.csv --db "$db"
"$bin" import contacts testdata/exports/zendesk_tickets.csv --db "$db"
"$bin" import contacts testdata/exports/gorgias_tickets.csv --db "$db"

token=$("$bin" token create --name "demo $(date +%F)" --scope ingest,read --db "$db" | grep -o 'qd_[A-Za-z0-9_-]*' | head -1)
cat <<MSG

==> Quietdesk is starting on http://$addr
    login (API token, scopes ingest and read):
      $token
    try:
      curl -s http://$addr/healthz
      curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
        -d '{"order_id":"D-1","placed_at":"2026-03-09 10:00:00","item_revenue":"42.00","customer_email":"new@example.com"}' \\
        http://$addr/api/v1/orders
    Stop with Ctrl-C.

MSG
exec "$bin" serve --db "$db" --addr "$addr"
