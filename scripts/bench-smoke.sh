#!/usr/bin/env bash
# `make bench-smoke`: runs every bench/*.py on a tiny data set of its own, so that a renamed function or SQL the
# database does not speak fails the build instead of the next person who measures. The figures mean nothing at
# this size; the full runs stay manual (bench/README.md).
#
# SQLite by default, in a scratch data directory (mktemp). With BENCH_DATABASE_URL=postgres://user:pw@host:port/any
# it runs on PostgreSQL instead, in scratch databases created on that server and dropped afterwards (the role
# needs CREATEDB). Each script gets a fresh copy of the data set: some import or move customers around.
#
#   PYTHON=.venv/bin/python            the interpreter (default .venv/bin/python)
#   BENCH_SMOKE_CUSTOMERS=300          customers made by `crm bench-data`
#   BENCH_SMOKE_VERBOSE=1              print every script's output, not only a failing one's
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
customers="${BENCH_SMOKE_CUSTOMERS:-300}"
scratch="$(mktemp -d -t crm-bench-smoke.XXXXXX)"
prefix="crm_bench_smoke_$$_$RANDOM"
databases=()

# SQL on the PostgreSQL server of BENCH_DATABASE_URL, through its maintenance database; or, with --url NAME, the
# URL of database NAME on that server.
pg() {
  "$python" - "$BENCH_DATABASE_URL" "$@" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

url, *args = sys.argv[1:]
def on(name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))
if args[0] == "--url":
    print(on(args[1]))
else:
    with psycopg.connect(on("postgres"), autocommit=True) as connection:
        connection.execute(args[0])
PY
}

cleanup() {
  for name in "${databases[@]}"; do
    pg "DROP DATABASE IF EXISTS \"$name\"" || echo "bench-smoke: could not drop database $name" >&2
  done
  rm -rf "$scratch"
}
trap cleanup EXIT

# The environment of one copy of the data set: a data directory, and a database on PostgreSQL.
use_copy() {
  export CRM_DATA_DIR="$scratch/$1"
  if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    DATABASE_URL="$(pg --url "${prefix}_$1")"
    export DATABASE_URL
  else
    unset DATABASE_URL  # SQLite in the scratch directory, whatever the caller's environment says
  fi
}

database="SQLite"
use_copy base
mkdir -p "$CRM_DATA_DIR"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  database="PostgreSQL"
  databases+=("${prefix}_base")
  pg "CREATE DATABASE \"${prefix}_base\""
fi
started=$SECONDS
echo "bench-smoke on $database: $customers customers, data in $scratch"
# The organisation first, then the customers, then the rest of the demo (dictionaries, pool rules…): the demo
# adds its 500 customers only to an empty table, which is the slow part, and is skipped that way.
"$python" manage.py migrate --noinput -v 0
"$python" manage.py shell -v 0 -c "from django.conf import settings; from crm.accounts.demo import load_organisation; \
load_organisation(settings.CRM_DEMO_PASSWORD)"
"$python" manage.py bench-data --customers "$customers" >/dev/null
"$python" manage.py demo >/dev/null

failed=()
n=0
for script in bench/*.py; do
  n=$((n + 1))
  copy="run$n"
  if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    databases+=("${prefix}_$copy")
    pg "CREATE DATABASE \"${prefix}_$copy\" TEMPLATE \"${prefix}_base\""
  fi
  cp -a "$scratch/base" "$scratch/$copy"
  use_copy "$copy"
  log="$scratch/$copy.log"
  began=$SECONDS
  # Small sizes for every knob a script reads; bench_pool fills BENCH_CUSTOMERS, so a hundred more than there are;
  # bench_load: a few users for a few seconds (still no request may fail).
  if BENCH_RUNS=2 BENCH_EXPORT_RUNS=1 BENCH_ROWS=200 BENCH_CUSTOMERS=$((customers + 100)) \
    BENCH_LOAD_USERS=4 BENCH_LOAD_SPAWN_RATE=4 BENCH_LOAD_SECONDS=10 \
    timeout 300 "$python" "$script" >"$log" 2>&1; then
    echo "  ok    $script ($((SECONDS - began)) s)"
    if [ -n "${BENCH_SMOKE_VERBOSE:-}" ]; then sed 's/^/        /' "$log"; fi
  else
    echo "  FAIL  $script ($((SECONDS - began)) s):"
    sed 's/^/        /' "$log" | tail -n 40
    failed+=("$script")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "bench-smoke on $database: ${#failed[@]} of $n scripts failed: ${failed[*]}" >&2
  exit 1
fi
echo "bench-smoke on $database: all $n scripts ran ($((SECONDS - started)) s)"
