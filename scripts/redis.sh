#!/usr/bin/env bash
# A throw-away Redis on a loopback port for the job-queue tests.
#   scripts/redis.sh start → prints the URL;  scripts/redis.sh stop
set -euo pipefail
PORT=${OMNIRETAIL_REDIS_PORT:-63790}
D=${OMNIRETAIL_REDIS_DIR:-/tmp/omniretail-redis-$PORT}
case "${1:-start}" in
  start)
    if ! command -v redis-server >/dev/null 2>&1; then
      echo "installing redis-server from Debian packages …" >&2
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    fi
    mkdir -p "$D"
    if ! redis-cli -p "$PORT" ping >/dev/null 2>&1; then
      redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$D/redis.pid" --dir "$D" --save "" --appendonly no >/dev/null
      for _ in $(seq 1 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    echo "redis://127.0.0.1:$PORT/0"
    ;;
  stop) redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
