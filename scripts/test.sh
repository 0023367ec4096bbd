#!/usr/bin/env bash
# The test suite, stage by stage, each timed: lint → SQLite → PostgreSQL → API fuzzing → smoke.
#   scripts/test.sh all | sqlite | postgres
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MODE=${1:-all}
export HYPOTHESIS_PROFILE=ci
export OMNIRETAIL_DATA_DIR=${OMNIRETAIL_DATA_DIR:-$PWD/var/test}
WORKERS=${OMNIRETAIL_TEST_WORKERS:-2}
failed=()
summary=()

stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== stage: $name"
  "$@"
  local rc=$?
  local took=$((SECONDS - start))
  echo "=== stage: $name finished in ${took}s (exit $rc)"
  summary+=("$(printf '%-28s %5ss  %s' "$name" "$took" "$([ $rc = 0 ] && echo ok || echo FAILED)")")
  [ $rc = 0 ] || failed+=("$name")
}

pytest_run() {
  # pytest exits 5 when it collects nothing: that is a failure of the suite, not a pass.
  "$BIN/pytest" "$@"
}

lint() { "$BIN/ruff" check omniretail conftest.py && "$BIN/ruff" format --check omniretail conftest.py >/dev/null || { "$BIN/ruff" format --check omniretail conftest.py | tail -5; return 1; }; }

migrations_check() { "$BIN/omniretail" makemigrations --check --dry-run >/dev/null; }

sqlite_suite() { pytest_run -q -n "$WORKERS" -m "not serial and not browser and not fuzz" omniretail; }
sqlite_serial() {
  local f; f=$(mktemp -d)/serial.sqlite3
  OMNIRETAIL_TEST_DB_FILE=$f pytest_run -q -p no:xdist -m serial omniretail || [ $? = 5 ]
}

pg_url=""
pg_start() { pg_url=$(bash scripts/pg.sh start) && echo "PostgreSQL at $pg_url"; }
pg_suite() { OMNIRETAIL_DATABASE_URL=$pg_url pytest_run -q -n "$WORKERS" -m "not serial and not browser and not fuzz" omniretail; }
pg_serial() { OMNIRETAIL_DATABASE_URL=$pg_url pytest_run -q -p no:xdist -m serial omniretail || [ $? = 5 ]; }

redis_jobs() {
  local url f
  url=$(bash scripts/redis.sh start) || return 1
  f=$(mktemp -d)/redis-jobs.sqlite3
  OMNIRETAIL_REDIS_URL=$url OMNIRETAIL_TEST_DB_FILE=$f pytest_run -q -p no:xdist omniretail/core/tests/test_worker.py
  local rc=$?
  bash scripts/redis.sh stop
  return $rc
}

fuzz() { pytest_run -q -n "$WORKERS" -m fuzz omniretail; }

smoke() {
  local d; d=$(mktemp -d)
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" migrate -v0 &&
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" seed --seed 42 --quiet &&
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" check-invariants &&
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" bench noop --json --quick &&
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" bench http-read --json --quick &&
  for b in checkout order-place pos-scan pos-search catalog-list esl-feed routing promo-engine basket \
    http-checkout http-order mixed-day; do
    OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" bench "$b" --json --quick || { echo "bench $b failed" >&2; return 1; }
  done &&
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" check-invariants
}

# The large-catalog seed path (#12) end to end at a small size: demo steps, the scale steps,
# then check-invariants — failing the stage when an invariant does not hold.
large_seed() {
  local d out; d=$(mktemp -d); out="$d/seed-large.json"
  OMNIRETAIL_DATA_DIR=$d "$BIN/omniretail" bench seed-large --json --quick ${1:+--database-url "$1"} >"$out" &&
  cat "$out" &&
  # The seed's own "Seeded in …" line shares stdout: the JSON is the last line.
  tail -n 1 "$out" | "$BIN/python" -c "import json, sys; sys.exit(0 if json.load(sys.stdin)['invariants_ok'] else 1)"
}

browser() {
  if [ -f scripts/browser-tests.sh ]; then bash scripts/browser-tests.sh; else echo "no browser tests yet"; fi
}

if [ "$MODE" = all ] || [ "$MODE" = sqlite ]; then
  stage lint lint
  stage migrations-check migrations_check
  stage "pytest sqlite" sqlite_suite
  stage "pytest sqlite serial" sqlite_serial
  stage "jobs on redis" redis_jobs
  stage "api fuzzing" fuzz
  stage "seed+invariants+bench" smoke
  stage "large seed sqlite" large_seed
fi
if [ "$MODE" = all ] || [ "$MODE" = postgres ]; then
  stage "postgres start" pg_start
  if [ -n "$pg_url" ]; then
    stage "pytest postgres" pg_suite
    stage "pytest postgres serial" pg_serial
    stage "large seed postgres" large_seed "$pg_url"
  fi
  bash scripts/pg.sh stop
fi
if [ "$MODE" = all ]; then
  stage browser browser
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
echo "all stages passed"
