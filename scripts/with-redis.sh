#!/usr/bin/env bash
# Run a command against a throwaway Redis, then stop it and remove its folder.
#
#   scripts/with-redis.sh COMMAND [ARGS...]
#
# Installs Debian's redis-server if it is missing. The server lives in a temporary folder,
# listens on 127.0.0.1 only (port $REDIS_PORT, default 63790; "auto" picks a free one),
# saves nothing to disk, and is stopped however COMMAND ends. COMMAND runs with REDIS_URL
# pointing at it. Combine with scripts/with-postgres.sh by nesting the two.
#
# COMMAND may stop and start the server itself (the Redis drill does): stop it with
# `redis-cli -p $PARLEY_REDIS_PORT shutdown nosave`, start it again with
# `redis-server $PARLEY_REDIS_CONF`.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if ! command -v redis-server >/dev/null; then
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi

port=${REDIS_PORT:-63790}
if [ "$port" = auto ]; then
  port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
fi
workdir=$(mktemp -d /tmp/parley-redis.XXXXXX)

stop_redis() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$workdir/redis.pid" ]; then
    kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap stop_redis EXIT

cat >"$workdir/redis.conf" <<CONF
bind 127.0.0.1
port $port
dir $workdir
pidfile $workdir/redis.pid
logfile $workdir/redis.log
daemonize yes
save ""
appendonly no
maxmemory 256mb
maxmemory-policy allkeys-lru
CONF
redis-server "$workdir/redis.conf"
for _ in $(seq 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null

export REDIS_URL="redis://127.0.0.1:$port/0"
export PARLEY_REDIS_PORT="$port" PARLEY_REDIS_CONF="$workdir/redis.conf"
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port (throwaway, in $workdir)"
"$@"
