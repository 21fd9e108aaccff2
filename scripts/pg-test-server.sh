#!/usr/bin/env bash
# Throwaway PostgreSQL 15 server for tests.
#
#   eval "$(scripts/pg-test-server.sh start)"   # exports QUIETDESK_TEST_PG, QUIETDESK_PG_DATA
#   scripts/pg-test-server.sh stop "$QUIETDESK_PG_DATA"
#
# stdout carries only the export lines (so eval is safe); everything else goes to stderr.
# Env overrides: PG_BIN (binary dir), QUIETDESK_PG_PORT (first port to try).
set -euo pipefail

# Use the versioned dir, not PATH: /usr/local/bin/pg_ctl may be a different build/version.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PATH="$PATH:/usr/sbin:/sbin"   # runuser lives in sbin, which minimal CI PATHs omit
MARKER=.quietdesk-pg-test   # stop refuses to rm -rf a dir without this

die() { echo "pg-test-server: $*" >&2; exit 1; }
log() { echo "pg-test-server: $*" >&2; }

# PostgreSQL refuses to run as root, so as root we drop to the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

check_bins() {
  local b
  for b in initdb pg_ctl postgres; do
    [ -x "$PG_BIN/$b" ] || die "$PG_BIN/$b not found; install it with: apt-get install -y postgresql-15 (or set PG_BIN)"
  done
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root but there is no 'postgres' user to run the server as"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  check_bins
  # Global (not local) so the EXIT trap can still see it.
  dir=$(mktemp -d "${TMPDIR:-/tmp}/quietdesk-pg.XXXXXX")
  # Don't leak a half-built cluster if anything below fails.
  trap 'as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
  touch "$dir/$MARKER"
  mkdir "$dir/sock"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres: "$dir"
    as_pg test -w "$dir" || die "postgres user cannot write $dir (set TMPDIR to a world-traversable dir)"
  fi
  cd "$dir"   # initdb/postgres warn if cwd (e.g. /root) is unreadable for the postgres user

  # -U postgres: the superuser must be "postgres" even when run as another user.
  # --no-sync: durability of a throwaway cluster is irrelevant.
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  # Durability off for speed; 200 connections because tests run packages in parallel.
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

  # Probe for a free port, and retry on bind failure since another run may race us for it.
  port=${QUIETDESK_PG_PORT:-54329}
  for _ in $(seq 1 20); do
    while port_in_use "$port"; do port=$((port + 1)); done
    rm -f "$dir/server.log"   # so the grep below only sees this attempt
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "-p $port" start >/dev/null 2>&1; then
      trap - EXIT
      log "PostgreSQL running on 127.0.0.1:$port (data in $dir)"
      printf 'export QUIETDESK_TEST_PG=%q\n' "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
      printf 'export QUIETDESK_PG_DATA=%q\n' "$dir"
      return 0
    fi
    grep -q 'could not bind\|could not create any TCP/IP sockets' "$dir/server.log" 2>/dev/null || break
    port=$((port + 1))
  done
  cat "$dir/server.log" >&2 2>/dev/null || true
  die "pg_ctl start failed (log above)"
}

stop() {
  local dir=${1:-${QUIETDESK_PG_DATA:-}}
  [ -n "$dir" ] || die "usage: $0 stop DIR (or set QUIETDESK_PG_DATA)"
  if [ ! -e "$dir" ]; then log "$dir already gone"; return 0; fi
  [ -f "$dir/$MARKER" ] || die "$dir was not created by this script; refusing to delete it"
  if [ -f "$dir/data/postmaster.pid" ]; then
    # Immediate mode: nothing in a throwaway cluster is worth a clean checkpoint.
    (cd "$dir" && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null) \
      || log "pg_ctl stop failed; removing $dir anyway"
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 start | stop DIR" ;;
esac
