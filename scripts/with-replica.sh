#!/usr/bin/env bash
# Run a command with a streaming read replica of the throwaway PostgreSQL of
# scripts/with-postgres.sh (nest it inside), then stop and remove the replica.
#
#   scripts/with-postgres.sh scripts/with-replica.sh COMMAND [ARGS...]
#
# The replica is made with pg_basebackup -R (a hot standby streaming from the primary),
# listens on 127.0.0.1 only (port $PARLEY_REPLICA_PORT, default "auto": a free one) and is
# stopped however COMMAND ends. COMMAND runs with DATABASE_REPLICA_URLS (and REPLICA_URL)
# pointing at its database "parley". COMMAND may stop and start it with
# $PARLEY_PG_BINDIR/pg_ctl -D $PARLEY_REPLICA_DATA (as $PARLEY_PG_OWNER when set), starting it
# again with -l $PARLEY_REPLICA_LOG -o "$PARLEY_REPLICA_START_OPTIONS".
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -z "${PARLEY_PG_DATA:-}" ] || [ -z "${DATABASE_URL:-}" ]; then
  echo "Run inside scripts/with-postgres.sh: it starts the primary." >&2
  exit 2
fi

bindir=$PARLEY_PG_BINDIR
primary_port=$(echo "${DATABASE_URL%%\?*}" | sed -E 's|.*:([0-9]+)/[^/]*$|\1|')
port=${PARLEY_REPLICA_PORT:-auto}
if [ "$port" = auto ]; then
  port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
fi
workdir=$(mktemp -d /tmp/parley-replica.XXXXXX)

as_owner() {
  if [ -n "${PARLEY_PG_OWNER:-}" ]; then
    runuser -u "$PARLEY_PG_OWNER" -- "$@"
  else
    "$@"
  fi
}

stop_replica() {
  as_owner "$bindir/pg_ctl" -D "$workdir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop_replica EXIT

if [ -n "${PARLEY_PG_OWNER:-}" ]; then
  chown "$PARLEY_PG_OWNER:$PARLEY_PG_OWNER" "$workdir"
fi
# -R writes primary_conninfo and standby.signal: the copy starts as a streaming standby.
as_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
  -D "$workdir/data" -R -X stream --checkpoint=fast >/dev/null
chmod 700 "$workdir/data"
start_options="-p $port -k $workdir -c listen_addresses=127.0.0.1 -c hot_standby=on -c hot_standby_feedback=on"
as_owner "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -o "$start_options" \
  start >/dev/null

export REPLICA_URL="postgres://postgres@127.0.0.1:$port/parley"
export DATABASE_REPLICA_URLS="$REPLICA_URL?connect_timeout=1"
export PARLEY_REPLICA_DATA="$workdir/data" PARLEY_REPLICA_LOG="$workdir/server.log"
export PARLEY_REPLICA_START_OPTIONS="$start_options" PARLEY_REPLICA_PORT="$port"
echo "PostgreSQL streaming replica on 127.0.0.1:$port of 127.0.0.1:$primary_port (throwaway, in $workdir)"
"$@"
