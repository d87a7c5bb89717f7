# The verbs people type. `make run` and `make test` set up what they need on first use.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker serve test test-postgres test-replica cluster cluster-down drills fuzz-long bench bench-extract lint format migrations check ci clean

$(INSTALLED): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

## Set up SQLite with the demo data and serve Parley at http://127.0.0.1:8000/, with the
## task worker that lifts embargoes at their time (one command; Ctrl-C stops both)
run: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py demo_accounts
	scripts/run-with-worker.sh $(BIN)/python manage.py runserver $(HOST):$(PORT)

## The task worker in the foreground (README: The task worker)
worker: $(INSTALLED)
	$(BIN)/python manage.py run_worker

## Serve in production: gunicorn with tracker.settings.production, configured from the
## environment (README: Running in production); binds $(HOST):$(PORT), 127.0.0.1:8000 by default
serve: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=tracker.settings.production $(BIN)/python manage.py check --deploy
	DJANGO_SETTINGS_MODULE=tracker.settings.production $(BIN)/python manage.py collectstatic --noinput
	DJANGO_SETTINGS_MODULE=tracker.settings.production $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=tracker.settings.production exec $(BIN)/gunicorn tracker.wsgi:application \
		--bind $(HOST):$(PORT) --access-logfile - --graceful-timeout 20

## The whole suite on SQLite (or on DATABASE_URL when set), browser tests included
test: $(INSTALLED)
	scripts/ensure-chromium.sh
	$(BIN)/pytest

## The whole suite on a throwaway PostgreSQL 15 cluster
test-postgres: $(INSTALLED)
	scripts/with-postgres.sh $(BIN)/pytest

## The read replica tests on a throwaway primary and a real streaming replica (pg_basebackup)
test-replica: $(INSTALLED)
	PARLEY_PG_PORT=auto scripts/with-postgres.sh scripts/with-replica.sh \
		$(BIN)/pytest -q -p no:cacheprovider tests/test_db_router.py

## The whole cluster on loopback (README "Scaling out"): PostgreSQL primary and streaming
## replica, Redis, two gunicorn app servers, the task worker, Varnish in front, the demo loaded.
## Prints the folder with cluster.env; scripts/cluster.sh stop|start PART; make cluster-down.
cluster: $(INSTALLED)
	scripts/cluster.sh start

cluster-down:
	scripts/cluster.sh down

## The drills (docs/operations.md), each on its own throwaway PostgreSQL (and Redis): database
## outage, concurrency and load, backup and restore, embargo lifting by the task worker, two
## app servers, Redis outage, the whole cluster (edge, replica, two nodes; CI: --short), alerts
## and webhooks (following). Longer:
## DRILL_OUTAGE_ARGS="--outage 60 --cycles 5" DRILL_REDIS_ARGS="--outage 60 --readers 32"
## DRILL_LOAD_ARGS="--duration 300 --readers 64 --journalists 8 --workers 8"
## DRILL_CLUSTER_ARGS=--short (as CI)
drills: $(INSTALLED)
	PARLEY_PG_PORT=auto scripts/with-postgres.sh $(BIN)/python scripts/drill-outage.py $(DRILL_OUTAGE_ARGS)
	PARLEY_PG_PORT=auto scripts/with-postgres.sh $(BIN)/python scripts/drill-load.py $(DRILL_LOAD_ARGS)
	PARLEY_PG_PORT=auto scripts/with-postgres.sh $(BIN)/python scripts/drill-backup.py
	PARLEY_PG_PORT=auto scripts/with-postgres.sh $(BIN)/python scripts/drill-embargo.py
	PARLEY_PG_PORT=auto REDIS_PORT=auto scripts/with-postgres.sh scripts/with-redis.sh \
		$(BIN)/python scripts/drill-nodes.py $(DRILL_NODES_ARGS)
	PARLEY_PG_PORT=auto REDIS_PORT=auto scripts/with-postgres.sh scripts/with-redis.sh \
		$(BIN)/python scripts/drill-redis.py $(DRILL_REDIS_ARGS)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python scripts/drill-cluster.py $(DRILL_CLUSTER_ARGS)
	PARLEY_PG_PORT=auto scripts/with-postgres.sh $(BIN)/python scripts/drill-follow.py $(DRILL_FOLLOW_ARGS)

## The API fuzzing at length (100 examples per operation, PostgreSQL; PARLEY_FUZZ_EXAMPLES=…)
fuzz-long: $(INSTALLED)
	PARLEY_PG_PORT=auto scripts/with-postgres.sh scripts/api-fuzz.sh --postgres --long

## The benchmark under gunicorn, PostgreSQL and Redis (bench/README.md); BENCH_ARGS="--duration 5"
bench: $(INSTALLED)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	scripts/with-postgres.sh scripts/with-redis.sh $(BIN)/python -m bench.run $(BENCH_ARGS)

## How long the article extraction takes on a 2,000-word article (bench/README.md)
bench-extract: $(INSTALLED)
	$(BIN)/python -m bench.extract --record

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: $(INSTALLED)
	$(BIN)/python manage.py makemigrations negotiations following

check: lint
	$(BIN)/python manage.py makemigrations --check --dry-run

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
