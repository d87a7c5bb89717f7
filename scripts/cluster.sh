#!/usr/bin/env bash
# Parley as a cluster on one machine, every part a real process on 127.0.0.1 (README
# "Scaling out"): a PostgreSQL primary and one streaming replica, Redis, two gunicorn app
# servers, the task worker, and Varnish in front, the demo loaded.
#
#   scripts/cluster.sh start          # all of it (make cluster); prints $CLUSTER_DIR
#   scripts/cluster.sh stop PART      # PART: edge node1 node2 worker redis replica primary
#   scripts/cluster.sh start PART     # that part again, as it was
#   scripts/cluster.sh status         # which parts run
#   scripts/cluster.sh down           # stop everything, remove the folder (make cluster-down)
#
# $CLUSTER_DIR (default: a new temporary folder, remembered in /tmp/parley-cluster.current)
# holds the data, logs and cluster.env: EDGE_URL, NODE_URLS, DATABASE_URL (the primary),
# REPLICA_URL, REDIS_URL. Plain http on loopback: the edge sets X-Forwarded-Proto: https
# (TLS ends in front of it in production), so the app's https redirect stays on as in
# production; a client talking to a node directly sends that header itself.
# Needs Debian's postgresql-15, redis-server, varnish and varnish-modules (installed here if
# missing) and the virtual environment (make install).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
CURRENT=/tmp/parley-cluster.current
PARTS="primary replica redis node1 node2 worker edge"

die() { echo "cluster: $*" >&2; exit 1; }
free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: bounded
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$what did not come up within $seconds s (logs in $DIR)"
}
alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }
stop_pid() {  # stop_pid PART: TERM its own pid, wait (bounded), then KILL
  alive "$1" || return 0
  local pid; pid=$(cat "$DIR/$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$DIR/$1.pid"
}

install_missing() {
  local missing=()
  command -v pg_config >/dev/null || missing+=(postgresql-15)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v varnishd >/dev/null || missing+=(varnish)
  [ -e /usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so ] || \
    ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || missing+=(varnish-modules)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  [ -x "$BIN/gunicorn" ] || die "run make install first"
}

load_dir() {
  DIR=${CLUSTER_DIR:-$(cat "$CURRENT" 2>/dev/null || true)}
  [ -n "$DIR" ] && [ -f "$DIR/ports" ] || die "no cluster here: start one with make cluster"
  # shellcheck disable=SC1091
  . "$DIR/ports"
  PGBIN=$(pg_config --bindir)
}

app_env() {
  export DJANGO_SETTINGS_MODULE=tracker.settings.production
  export SECRET_KEY="parley-cluster-only-$(cat "$DIR/secret")"
  export ALLOWED_HOSTS=127.0.0.1,localhost
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PRIMARY/parley?connect_timeout=2"
  export DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:$PG_REPLICA/parley?connect_timeout=1"
  export REDIS_URL="redis://127.0.0.1:$REDIS/0"
  export EDGE_PURGE_URLS="http://127.0.0.1:$EDGE/"
  export STATIC_ROOT="$DIR/static" CONN_MAX_AGE=60 LOG_LEVEL=WARNING PYTHONUNBUFFERED=1
  # One address (the edge, the drills) sends everything: the API's rate limits raised.
  export API_THROTTLE_ANON=${API_THROTTLE_ANON:-1000000/min}
  export API_THROTTLE_USER=${API_THROTTLE_USER:-1000000/min}
}

pg_options() { echo "-p $1 -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby_feedback=on -c wal_retrieve_retry_interval=1s"; }

start_part() {
  case $1 in
    primary)
      as_pg "$PGBIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w -o "$(pg_options "$PG_PRIMARY")" start >/dev/null ;;
    replica)
      as_pg "$PGBIN/pg_ctl" -D "$DIR/replica" -l "$DIR/replica.log" -w -o "$(pg_options "$PG_REPLICA")" start >/dev/null ;;
    redis)
      redis-server "$DIR/redis.conf"
      wait_for 10 redis redis-cli -p "$REDIS" ping ;;
    node1 | node2)
      local port=$NODE1; [ "$1" = node2 ] && port=$NODE2
      (app_env; exec "$BIN/gunicorn" tracker.wsgi:application --chdir "$ROOT" \
        --bind "127.0.0.1:$port" --workers 2 --threads 1 --timeout 30 --graceful-timeout 5 \
        --daemon --pid "$DIR/$1.pid" --error-logfile "$DIR/$1.log" --log-level warning)
      wait_for 30 "$1" curl -sf "http://127.0.0.1:$port/healthz" ;;
    worker)
      # Restarted a second after it exits (it does when the primary goes away), as the
      # process manager does in production (README: Restart=always).
      (app_env; setsid bash -c 'while true; do "$0" manage.py run_worker --interval 0.2; sleep 1; done' \
        "$BIN/python" >>"$DIR/worker.log" 2>&1 < /dev/null & echo $! >"$DIR/worker.pid") ;;
    edge)
      varnishd -a "127.0.0.1:$EDGE" -T "127.0.0.1:$EDGE_ADMIN" -n "$DIR/varnish" \
        -f "$ROOT/deploy/varnish/parley.vcl" -p "vcl_path=$DIR:$ROOT/deploy/varnish" \
        -s malloc,256m -P "$DIR/edge.pid"
      wait_for 20 edge curl -s -o /dev/null "http://127.0.0.1:$EDGE/healthz" ;;
    *) die "unknown part $1 (one of: $PARTS)" ;;
  esac
}

stop_part() {
  case $1 in
    primary) as_pg "$PGBIN/pg_ctl" -D "$DIR/primary" -m fast -w stop >/dev/null 2>&1 || true ;;
    replica) as_pg "$PGBIN/pg_ctl" -D "$DIR/replica" -m fast -w stop >/dev/null 2>&1 || true ;;
    redis) redis-cli -p "$REDIS" shutdown nosave >/dev/null 2>&1 || true; stop_pid redis ;;
    worker)  # the loop and the worker it runs: their own process group (setsid)
      if alive worker; then kill -- "-$(cat "$DIR/worker.pid")" 2>/dev/null || true; fi
      stop_pid worker ;;
    node1 | node2 | edge) stop_pid "$1" ;;
    *) die "unknown part $1 (one of: $PARTS)" ;;
  esac
}

create() {
  install_missing
  DIR=${CLUSTER_DIR:-$(mktemp -d /tmp/parley-cluster.XXXXXX)}
  mkdir -p "$DIR"
  chmod 755 "$DIR"  # Varnish's and PostgreSQL's users reach their folders in it
  [ -n "${CLUSTER_DIR:-}" ] || echo "$DIR" >"$CURRENT"
  python3 -c "import secrets; print(secrets.token_urlsafe(32))" >"$DIR/secret"
  cat >"$DIR/ports" <<PORTS
PG_PRIMARY=$(free_port)
PG_REPLICA=$(free_port)
REDIS=$(free_port)
NODE1=$(free_port)
NODE2=$(free_port)
EDGE=$(free_port)
EDGE_ADMIN=$(free_port)
PORTS
  load_dir
  # PostgreSQL runs as postgres (as root: runuser): its data, logs and sockets are here.
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DIR"; fi
  as_pg "$PGBIN/initdb" -D "$DIR/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  start_part primary
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PRIMARY" -U postgres parley
  (app_env
   "$BIN/python" manage.py migrate --noinput -v 0
   # No edge yet: nothing to purge.
   EDGE_PURGE_URLS= "$BIN/python" manage.py load_demo >/dev/null
   "$BIN/python" manage.py collectstatic --noinput -v 0)
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY" -U postgres -D "$DIR/replica" \
    -R -X stream --checkpoint=fast
  start_part replica
  cat >"$DIR/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS
dir $DIR
pidfile $DIR/redis.pid
logfile $DIR/redis.log
daemonize yes
save ""
appendonly no
maxmemory 256mb
maxmemory-policy allkeys-lru
CONF
  start_part redis
  cat >"$DIR/backends.vcl" <<VCL
# The cluster's two app servers (scripts/cluster.sh; the example: deploy/varnish/backends.vcl).
import directors;
probe ready {
    .request = "GET /readyz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";
    .interval = 1s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}
backend node1 { .host = "127.0.0.1"; .port = "$NODE1"; .probe = ready; .connect_timeout = 1s; }
backend node2 { .host = "127.0.0.1"; .port = "$NODE2"; .probe = ready; .connect_timeout = 1s; }
sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(node1);
    app.add_backend(node2);
}
VCL
  start_part node1
  start_part node2
  start_part worker
  start_part edge
  cat >"$DIR/cluster.env" <<ENV
EDGE_URL=http://127.0.0.1:$EDGE
NODE_URLS=http://127.0.0.1:$NODE1,http://127.0.0.1:$NODE2
DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PRIMARY/parley
REPLICA_URL=postgres://postgres@127.0.0.1:$PG_REPLICA/parley
REDIS_URL=redis://127.0.0.1:$REDIS/0
CLUSTER_DIR=$DIR
ENV
  echo "Parley cluster up in $DIR (scripts/cluster.sh stop|start PART; make cluster-down):"
  cat "$DIR/cluster.env"
}

status() {
  load_dir
  for part in $PARTS; do
    case $part in
      primary) as_pg "$PGBIN/pg_ctl" -D "$DIR/primary" status >/dev/null 2>&1 && s=up || s=down ;;
      replica) as_pg "$PGBIN/pg_ctl" -D "$DIR/replica" status >/dev/null 2>&1 && s=up || s=down ;;
      redis) redis-cli -p "$REDIS" ping >/dev/null 2>&1 && s=up || s=down ;;
      *) alive "$part" && s=up || s=down ;;
    esac
    echo "$part $s"
  done
}

down() {
  DIR=${CLUSTER_DIR:-$(cat "$CURRENT" 2>/dev/null || true)}
  [ -n "$DIR" ] && [ -f "$DIR/ports" ] || { echo "cluster: nothing to stop"; return 0; }
  load_dir
  for part in edge worker node2 node1 redis replica primary; do stop_part "$part"; done
  rm -rf "$DIR"
  if [ "$(cat "$CURRENT" 2>/dev/null)" = "$DIR" ]; then rm -f "$CURRENT"; fi
  echo "Parley cluster in $DIR stopped and removed."
}

case ${1:-} in
  start) if [ -n "${2:-}" ]; then load_dir; start_part "$2"; else create; fi ;;
  stop) [ -n "${2:-}" ] || die "stop which part? ($PARTS)"; load_dir; stop_part "$2" ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 start [PART] | stop PART | status | down   (PART: $PARTS)" >&2; exit 2 ;;
esac
