#!/usr/bin/env bash
# A throw-away PostgreSQL 15 on a loopback port for tests and benchmarks.
#   scripts/pg.sh start   → prints the database URL
#   scripts/pg.sh stop
set -euo pipefail
PORT=${OMNIRETAIL_PG_PORT:-54329}
D=${OMNIRETAIL_PG_DIR:-/tmp/omniretail-pg-$PORT}
find_bin() {
  for v in 17 16 15 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then echo "/usr/lib/postgresql/$v/bin"; return; fi
  done
}
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
case "${1:-start}" in
  start)
    B=$(find_bin)
    if [ -z "$B" ]; then
      echo "installing PostgreSQL from Debian packages …" >&2
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      B=$(find_bin)
    fi
    if [ ! -f "$D/PG_VERSION" ]; then
      mkdir -p "$D"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$D"
      chmod 700 "$D"
      as_pg "$B/initdb -D $D -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    if ! as_pg "$B/pg_ctl -D $D status" >/dev/null 2>&1; then
      as_pg "$B/pg_ctl -D $D -l $D/server.log -o '-p $PORT -c listen_addresses=127.0.0.1 -k $D -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' -w start" >/dev/null
    fi
    psql -h 127.0.0.1 -p "$PORT" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='omniretail'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE omniretail" >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/omniretail"
    ;;
  stop)
    B=$(find_bin)
    [ -n "$B" ] && [ -f "$D/PG_VERSION" ] && as_pg "$B/pg_ctl -D $D -m fast -w stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
