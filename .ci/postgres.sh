#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the store's PostgreSQL tests.
#
#   eval "$(bash .ci/postgres.sh)"        # install if needed, start, print the export line
#   bash .ci/postgres.sh stop             # stop it again
#
# Installs Debian's postgresql when it is missing, creates a cluster of its own under
# $RASD_PG_DIR (default /tmp/rasd-postgres) owned by the postgres user, listening on
# 127.0.0.1:$RASD_PG_PORT (default 54329, so a system cluster on 5432 is left alone), and a
# user and database `rasd`. Only the export line goes to stdout; everything else to stderr.
set -euo pipefail

PGDIR="${RASD_PG_DIR:-/tmp/rasd-postgres}"
PORT="${RASD_PG_PORT:-54329}"
DB=rasd_test
USER_=rasd
PASSWORD=rasd

log() { echo "postgres.sh: $*" >&2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; elif command -v runuser >/dev/null; then runuser -u postgres -- "$@";
  else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
}

bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

BIN="$(bindir || true)"
if [ "${1:-start}" = stop ]; then
  if [ -n "$BIN" ] && [ -f "$PGDIR/PG_VERSION" ]; then
    as_postgres "$BIN/pg_ctl" -D "$PGDIR" -m fast stop >&2 || true
  fi
  exit 0
fi

if [ -z "$BIN" ]; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y postgresql >&2
  BIN="$(bindir)"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDIR"
  chown postgres:postgres "$PGDIR"
  chmod 700 "$PGDIR"
fi

if [ ! -f "$PGDIR/PG_VERSION" ]; then
  log "initdb $PGDIR"
  as_postgres "$BIN/initdb" -D "$PGDIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2 \
    || as_postgres "$BIN/initdb" -D "$PGDIR" -U postgres -A trust -E UTF8 --locale=C >&2
fi

if ! as_postgres "$BIN/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
  log "starting on 127.0.0.1:$PORT"
  as_postgres "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR -c fsync=off" start >&2
fi

psql_() { as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ -z "$(psql_ -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$USER_'")" ]; then
  psql_ -d postgres -c "CREATE ROLE $USER_ LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ -z "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  psql_ -d postgres -c "CREATE DATABASE $DB OWNER $USER_" >&2
fi

echo "export RASD_TEST_POSTGRES_URL=postgresql://$USER_:$PASSWORD@127.0.0.1:$PORT/$DB"
