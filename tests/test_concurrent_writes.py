"""Writes that race each other (the load drill, scripts/drill-load.py, runs them for real)."""

import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations.domain.records import get_or_create_source
from negotiations.domain.store import _claim_version
from negotiations.models import Source
from tests.factories import SourceFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_claiming_a_version_is_one_compare_and_swap_update(journalist):
    """No SELECT before the UPDATE, and the UPDATE itself checks the version.

    Through a child model (Statement) Django would pre-select the ids and update
    "WHERE id IN (…)" without the version: two concurrent saves would both win.
    """
    statement = StatementFactory()
    with CaptureQueriesContext(connection) as queries:
        _claim_version(statement, statement.version)
    (update,) = [q["sql"] for q in queries.captured_queries]
    assert update.startswith("UPDATE")
    assert '"version" = ' in update.split("WHERE", 1)[1]


def test_citing_a_url_someone_else_just_stored_reuses_their_source(journalist):
    """The lookup missed it (their insert committed meanwhile): reuse, do not fail."""
    theirs = SourceFactory(url="https://example.org/breaking")
    real_filter = Source.objects.filter
    calls = []

    def first_lookup_misses(*args, **kwargs):
        calls.append(kwargs)
        return Source.objects.none() if len(calls) == 1 else real_filter(*args, **kwargs)

    with mock.patch.object(Source.objects, "filter", side_effect=first_lookup_misses):
        source = get_or_create_source(url=theirs.url, by=journalist)
    assert source == theirs
    assert Source.objects.filter(url=theirs.url).count() == 1


# --------------------------------------------------------------------------- #
# Concurrent PATCHes with one If-Match, against a real server (processes, threads)
# --------------------------------------------------------------------------- #

RACE_SETUP = """
import django
django.setup()
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from negotiations.domain.entries import create_statement
from negotiations.domain.records import save_record
from negotiations.models import Actor, Negotiation

editor = User.objects.create(username="racer", is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
negotiation = save_record(Negotiation(title="Race", slug="race"), by=None)
actor = save_record(Actor(name="Speaker", slug="speaker"), by=None)
statement = create_statement(
    negotiation=negotiation, actor=actor, text="Said.", date="2025-02-25", by=None
)
print(Token.objects.create(user=editor).key, statement.pk)
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _postgres_database():
    """A fresh database beside the test database, dropped afterwards."""
    import psycopg2

    database = settings.DATABASES["default"]
    name = f"{database['NAME']}_race_{os.getpid()}"
    admin = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"],
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        user = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
        yield f"postgres://{user}@{database['HOST']}:{database['PORT']}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def _served(database_url, folder):
    """The default settings on ``database_url``: migrated, a statement and an editor's
    token, gunicorn with 2 processes of 8 threads. Yields (base URL, token, statement id,
    the server's log, the environment it runs with)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.development",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "parley-race-test-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "ERROR",
    }
    root = settings.BASE_DIR

    def run(*command):
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run(sys.executable, "manage.py", "migrate", "--noinput", "-v", "0")
    token, pk = run(sys.executable, "-c", RACE_SETUP).split()
    port = _free_port()
    log = folder / "server.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [
                *(gunicorn, "tracker.wsgi", "--bind", f"127.0.0.1:{port}"),
                *("--workers", "2", "--threads", "8", "--log-level", "warning"),
            ],
            cwd=root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base, token, int(pk), log, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def _databases():
    yield "sqlite"
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        yield "postgresql"


@pytest.mark.parametrize("backend", list(_databases()))
def test_concurrent_patches_with_one_if_match_one_wins_the_others_get_412(backend, tmp_path):
    """Twelve editors PATCH one statement at once, all naming the version they read: one
    save wins, every other is refused (412, nothing written), none is a 5xx. On SQLite
    the writers once failed with "database is locked" (a 500/503), as SQLite cannot
    make a transaction that has read wait for another's write."""
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        else:
            url = stack.enter_context(_postgres_database())
        base, token, pk, log, _ = stack.enter_context(_served(url, tmp_path))
        address = f"{base}/api/v1/statements/{pk}/"
        headers = {"Authorization": f"Token {token}"}
        writers, rounds = 12, 3
        for round_ in range(rounds):
            version = requests.get(address, headers=headers, timeout=10).json()["version"]
            start = threading.Barrier(writers)

            def patch(i, version=version, start=start, round_=round_):
                with requests.Session() as client:
                    start.wait()
                    return client.patch(
                        address,
                        json={"context": f"round {round_}, writer {i}"},
                        headers={**headers, "If-Match": f'"{version}"'},
                        timeout=60,
                    )

            with concurrent.futures.ThreadPoolExecutor(writers) as pool:
                answers = list(pool.map(patch, range(writers)))
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses == [200] + [412] * (writers - 1), (statuses, log.read_text()[-3000:])
            (winner,) = [answer for answer in answers if answer.status_code == 200]
            assert winner.json()["version"] == version + 1
            for refused in answers:
                if refused.status_code == 412:
                    assert "Nothing was saved" in refused.json()["detail"]
            stored = requests.get(address, headers=headers, timeout=10).json()
            assert (stored["version"], stored["context"]) == (
                version + 1,
                winner.json()["context"],
            )
