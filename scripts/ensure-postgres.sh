#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs locally for the test suite and prints the DATABASE_URL to use.
# Installs Debian's postgresql package when missing; works without systemd (CI machines have none).
set -euo pipefail
here="$(dirname "$0")"
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  bash "$here/apt-install.sh" postgresql >&2
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
port="${CRM_TEST_PG_PORT:-5432}"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main -p "$port" >/dev/null
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -p $port" && break
  sleep 1
done
su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname='crm'\"" | grep -q 1 \
  || su postgres -c "psql -q -p $port -c \"CREATE ROLE crm LOGIN CREATEDB PASSWORD 'crm'\"" >&2
echo "postgres://crm:crm@127.0.0.1:$port/crm"
