#!/usr/bin/env bash
# Run a server command together with the task worker (`manage.py run_worker`), as
# `make run` does: one command for both, and Ctrl-C (or either one ending) stops both.
#   scripts/run-with-worker.sh .venv/bin/python manage.py runserver 127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
python=".venv/bin/python"

"$python" manage.py run_worker &
worker=$!
"$@" &
server=$!

stop() {
    trap - INT TERM EXIT
    kill "$server" "$worker" 2>/dev/null || true
    wait "$server" "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT

# Whichever ends first (or Ctrl-C) ends the other.
wait -n "$server" "$worker" || true
