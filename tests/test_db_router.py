"""Read replicas (tracker.db_router): anonymous reads go to a replica, everything else to the
primary; a replica that is down or lagging is skipped with no 5xx.

The tests marked ``replica`` run against a real streaming replica, made by
``scripts/with-replica.sh`` (inside ``scripts/with-postgres.sh``: ``make test-replica``);
the replica streams the test database as the primary writes it."""

import os
import subprocess
import time

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from negotiations.domain.records import save_record
from tests import factories
from tracker import db_router

REPLICA = os.environ.get("PARLEY_REPLICA_DATA")


def real_replica(test):
    test = pytest.mark.django_db(transaction=True, databases=["default", "replica1"])(test)
    return pytest.mark.skipif(
        not REPLICA, reason="needs scripts/with-replica.sh (a real streaming replica)"
    )(test)


@pytest.fixture
def one_replica(monkeypatch):
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica1"])
    monkeypatch.setattr(db_router, "usable", lambda alias: True)


def read_by(request):
    seen = []

    def view(request):
        seen.append(db_router._reading_from.get())
        return HttpResponse()

    db_router.ReplicaMiddleware(view)(request)
    return seen[0]


def test_anonymous_reads_go_to_a_replica_and_the_rest_to_the_primary(one_replica, settings):
    factory = RequestFactory()
    assert read_by(factory.get("/negotiations/talks/")) == "replica1"
    assert read_by(factory.head("/api/v1/negotiations/")) == "replica1"
    assert read_by(factory.post("/api/v1/statements/")) is None
    assert read_by(factory.get("/", HTTP_AUTHORIZATION="Token x")) is None
    signed_in = factory.get("/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert read_by(signed_in) is None
    # Outside a request (the worker, commands): the primary.
    assert db_router.ReplicaRouter().db_for_read(None) is None
    assert db_router.ReplicaRouter().db_for_write(None) == "default"


def test_without_replicas_everything_reads_the_primary():
    assert db_router.replica_aliases() == [] or REPLICA
    if not REPLICA:
        assert read_by(RequestFactory().get("/")) is None


# --------------------------------------------------------------------------- #
# A real streaming replica
# --------------------------------------------------------------------------- #


def pg_ctl(*args):
    owner = os.environ.get("PARLEY_PG_OWNER")
    command = [os.path.join(os.environ["PARLEY_PG_BINDIR"], "pg_ctl"), "-D", REPLICA, *args]
    subprocess.run(
        (["runuser", "-u", owner, "--"] if owner else []) + command,
        check=True,
        capture_output=True,
        timeout=60,
    )


def start_replica():
    pg_ctl(
        "-l",
        os.environ["PARLEY_REPLICA_LOG"],
        "-w",
        "-o",
        os.environ["PARLEY_REPLICA_START_OPTIONS"],
        "start",
    )


@pytest.fixture
def replica(settings):
    """The replica1 alias on the real replica's copy of the test database (the test
    settings mirror it on the primary)."""
    wrapper = connections["replica1"]
    wrapper.close()
    host, port = os.environ["REPLICA_URL"].split("@", 1)[1].split("/", 1)[0].split(":")
    original = dict(wrapper.settings_dict)
    wrapper.settings_dict.update(
        HOST=host, PORT=port, NAME=connections["default"].settings_dict["NAME"]
    )
    settings.DATABASE_REPLICA_MAX_LAG = 1
    db_router._health.clear()
    yield wrapper
    wrapper.close()
    wrapper.settings_dict.clear()
    wrapper.settings_dict.update(original)
    db_router._health.clear()


def until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def reads(client, path, *, replica_up=True):
    """The answer, and how many queries the replica and the primary ran for it."""
    if not replica_up:  # capturing would connect to it
        with CaptureQueriesContext(connections["default"]) as on_primary:
            response = client.get(path)
        return response, 0, len(on_primary)
    with (
        CaptureQueriesContext(connections["replica1"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(path)
    return response, len(on_replica), len(on_primary)


@real_replica
def test_readers_read_the_replica_until_it_stops_and_again_once_it_is_back(replica):
    negotiation = factories.NegotiationFactory(slug="replicated")
    path = f"/negotiations/{negotiation.slug}/"
    client = Client(raise_request_exception=False)
    assert until(lambda: client.get(path).status_code == 200)
    db_router._health.clear()
    response, on_replica, on_primary = reads(client, "/?first")
    assert response.status_code == 200 and on_replica > 0 and on_primary == 0

    pg_ctl("-m", "fast", "-w", "stop")
    try:
        for n in range(5):  # the first while the replica's last look said "usable"
            response, on_replica, on_primary = reads(client, f"/?down={n}", replica_up=False)
            assert response.status_code == 200
            assert on_primary > 0
    finally:
        start_replica()
    time.sleep(db_router.CHECK_EVERY_SECONDS)
    assert until(lambda: reads(client, f"/?back={time.monotonic()}")[1] > 0)


@real_replica
def test_a_restarted_replica_of_an_idle_primary_is_not_lagging(replica, settings):
    # A restarted standby resumes streaming at the start of a WAL segment: until the primary
    # writes again it reports having received less than it has replayed. That is no lag,
    # however old its last replayed transaction.
    negotiation = factories.NegotiationFactory(slug="idle")
    client = Client(raise_request_exception=False)
    assert until(lambda: client.get(f"/negotiations/{negotiation.slug}/").status_code == 200)
    pg_ctl("-m", "fast", "-w", "stop")
    start_replica()
    replica.close()

    def streaming():
        with replica.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")
            return cursor.fetchone()[0] == 1

    assert until(streaming)
    time.sleep(settings.DATABASE_REPLICA_MAX_LAG + db_router.CHECK_EVERY_SECONDS + 0.2)
    assert db_router.replica_lag("replica1") == 0
    db_router._health.clear()
    assert reads(client, f"/negotiations/{negotiation.slug}/?idle")[1] > 0


@real_replica
def test_a_lagging_replica_is_skipped_and_writers_read_their_writes(replica, superuser, settings):
    negotiation = factories.NegotiationFactory(slug="lagging")
    journalist = Client()
    journalist.force_login(superuser)
    reader = Client(raise_request_exception=False)
    assert until(lambda: reader.get(f"/negotiations/{negotiation.slug}/").status_code == 200)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        negotiation.title = "Retitled while the replica waits"
        save_record(negotiation, by=superuser)
        # The journalist reads the primary: their write, at once.
        page = journalist.get(f"/negotiations/{negotiation.slug}/")
        assert "Retitled while the replica waits" in page.content.decode()
        time.sleep(settings.DATABASE_REPLICA_MAX_LAG + db_router.CHECK_EVERY_SECONDS + 0.2)
        assert db_router.replica_lag("replica1") > settings.DATABASE_REPLICA_MAX_LAG
        # Readers: the replica is too far behind, so the primary, with the write.
        response, _, on_primary = reads(reader, f"/negotiations/{negotiation.slug}/")
        assert response.status_code == 200
        assert "Retitled while the replica waits" in response.content.decode()
        assert on_primary > 0
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
