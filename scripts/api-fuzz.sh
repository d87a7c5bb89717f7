#!/usr/bin/env bash
# Fuzz the REST API v1 against its own OpenAPI schema with schemathesis.
#
#   scripts/api-fuzz.sh [--long] [--postgres]
#
# Serves Parley with gunicorn on 127.0.0.1 (port $PARLEY_FUZZ_PORT, default a free one;
# 2 workers of 4 threads, so that concurrent writes really race) from a fresh SQLite
# database holding the seed story, then runs every operation of
# /api/v1/schema/ twice — anonymously and with an editor's token — with a bounded
# number of examples each ($PARLEY_FUZZ_EXAMPLES, default 10; 100 with --long),
# strings including NUL bytes and all of Unicode. Then scripts/drill-bad-input.py
# sends the inputs a generator rarely reaches: bodies over 1 MB, JSON nested
# 100,000 deep, NUL bytes in keys and query strings, invalid UTF-8, boundary dates
# and amounts, half-valid writes (nothing of them may stay), Unicode read back
# exactly. Fails on any 5xx and on any response that breaks the schema. The
# database and server go away however it ends.
#
#   --long      a longer run: 100 examples per operation (PARLEY_FUZZ_EXAMPLES wins);
#               about ten times the CI run's time
#   --postgres  use the throwaway PostgreSQL of scripts/with-postgres.sh instead of
#               SQLite: scripts/with-postgres.sh scripts/api-fuzz.sh --postgres
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="$root/.venv/bin"
port=${PARLEY_FUZZ_PORT:-$("$bin/python" -c \
  "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
long=0
postgres=0
for arg in "$@"; do
  case "$arg" in
    --long) long=1 ;;
    --postgres) postgres=1 ;;
    *)
      echo "usage: $0 [--long] [--postgres]" >&2
      exit 2
      ;;
  esac
done
examples=${PARLEY_FUZZ_EXAMPLES:-$([ "$long" -eq 1 ] && echo 100 || echo 10)}
workdir=$(mktemp -d /tmp/parley-fuzz.XXXXXX)
server_pid=

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=tracker.settings.development
export DEBUG=0 SECRET_KEY=parley-fuzz-only ALLOWED_HOSTS=127.0.0.1
if [ "$postgres" -eq 1 ]; then
  # Only the throwaway cluster: the fuzzer fills the database with garbage.
  if [ -z "${PARLEY_PG_DATA:-}" ] || [[ "${DATABASE_URL:-}" != postgres* ]]; then
    echo "--postgres runs inside scripts/with-postgres.sh only (it fills the database)." >&2
    exit 2
  fi
else
  export DATABASE_URL="sqlite:///$workdir/db.sqlite3"
fi
echo "-- fuzzing with $examples examples per operation on ${DATABASE_URL%%:*}"
# The fuzzer is one client sending thousands of requests: no rate limits here.
export API_THROTTLE_ANON=100000000/min API_THROTTLE_USER=100000000/min

"$bin/python" manage.py migrate --noinput -v 0
"$bin/python" manage.py load_demo
token=$(PYTHONPATH="$root" "$bin/python" - <<'PY'
import django

django.setup()
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

user = User.objects.create(username="fuzz-editor", is_staff=True)
user.groups.add(Group.objects.get(name="Editors"))
print(Token.objects.create(user=user).key)
PY
)

"$bin/gunicorn" tracker.wsgi --bind "127.0.0.1:$port" --workers 2 --threads 4 \
  --log-level warning --error-logfile "$workdir/server.log" &
server_pid=$!
for _ in $(seq 1 60); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "gunicorn did not start:" >&2
    cat "$workdir/server.log" >&2
    exit 1
  fi
  if "$bin/python" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/api/v1/')" \
    2>/dev/null; then
    break
  fi
  sleep 0.5
done

fuzz() {
  echo "-- schemathesis: $1"
  shift
  (cd "$workdir" && "$bin/schemathesis" run "http://127.0.0.1:$port/api/v1/schema/" \
    --checks not_a_server_error,response_schema_conformance \
    --phases "${PARLEY_FUZZ_PHASES:-examples,coverage,fuzzing}" \
    --max-examples "$examples" \
    --seed 20250225 \
    --generation-database none \
    --suppress-health-check all \
    --generation-allow-x00 true \
    --generation-codec utf-8 \
    --request-timeout 20 \
    --no-color \
    "$@") || {
    echo "Server log:" >&2
    tail -n 80 "$workdir/server.log" >&2 || true
    return 1
  }
}

fuzz anonymous
fuzz "authenticated (editor)" -H "Authorization: Token $token"
echo "-- bad input: huge and deeply nested bodies, NUL bytes, Unicode, boundary values"
"$bin/python" scripts/drill-bad-input.py --base "http://127.0.0.1:$port" || {
  echo "Server log:" >&2
  tail -n 80 "$workdir/server.log" >&2 || true
  exit 1
}
