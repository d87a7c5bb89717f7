#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster, then stop and remove it.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# The cluster lives in a temporary folder, listens on 127.0.0.1 only (port
# $PARLEY_PG_PORT, default 54329; "auto" picks a free one) and is stopped however
# COMMAND ends. COMMAND runs with DATABASE_URL pointing at an empty database
# "parley". PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` user.
#
# COMMAND may stop and start the server itself (the outage drill does) with
# $PARLEY_PG_BINDIR/pg_ctl -D $PARLEY_PG_DATA, as $PARLEY_PG_OWNER when that is
# set, starting it again with -l $PARLEY_PG_LOG -o "$PARLEY_PG_START_OPTIONS".
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if ! command -v pg_config >/dev/null; then
  echo "PostgreSQL is not installed: pg_config was not found (apt-get install postgresql-15)." >&2
  exit 1
fi

bindir=$(pg_config --bindir)
port=${PARLEY_PG_PORT:-54329}
if [ "$port" = auto ]; then
  port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
fi
workdir=$(mktemp -d /tmp/parley-pg.XXXXXX)

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_cluster() {
  as_owner "$bindir/pg_ctl" -D "$workdir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop_cluster EXIT

if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$workdir"
fi
as_owner "$bindir/initdb" -D "$workdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
start_options="-p $port -k $workdir -c listen_addresses=127.0.0.1 ${PARLEY_PG_OPTIONS:--c fsync=off -c synchronous_commit=off}"
as_owner "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -o "$start_options" \
  start >/dev/null
as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres parley

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/parley"
export PARLEY_PG_DATA="$workdir/data" PARLEY_PG_BINDIR="$bindir"
export PARLEY_PG_LOG="$workdir/server.log" PARLEY_PG_START_OPTIONS="$start_options"
export PARLEY_PG_OWNER=$([ "$(id -u)" -eq 0 ] && echo postgres || true)
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway, in $workdir)"
"$@"
