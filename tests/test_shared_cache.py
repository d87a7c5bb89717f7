"""The shared cache on a real Redis (tracker.cache): a page stored once serves every
process; Redis lost means pages served uncached (but for what a process kept a few seconds)
and rate limits let through, never a 5xx; Redis back means pages cached again."""

import socket
import time

import pytest
import redis
import time_machine
from django.core.cache import caches
from django.test import Client, override_settings

from tests.api.conftest import client_for
from tests.api.test_http import rates
from tests.queries import at_most_the_stamp, no_query
from tests.test_http_cache import sql_of
from tracker import cache as resilient
from tracker.cache import caches_on

pytestmark = pytest.mark.django_db
PAGE = "/negotiations/talks/"


def read(url, *, elsewhere=False):
    """A new anonymous reader; ``elsewhere``: in a process that kept no copy of its own (another
    worker or app server), so that only Redis can spare it the rendering."""
    if elsewhere:
        caches["default"]._local.clear()
    return sql_of(lambda: Client().get(url))


def test_a_page_stored_in_redis_serves_every_process(redis_server, talks):
    with override_settings(CACHES=caches_on(redis_server.url)):
        first, sql = read(PAGE)
        assert first.status_code == 200 and not at_most_the_stamp(sql)
        assert redis_server.keys() > 0
        again, sql = read(PAGE, elsewhere=True)
        assert again.content == first.content and at_most_the_stamp(sql)  # the version, once
        again, sql = read(PAGE, elsewhere=True)
        assert again.content == first.content and no_query(sql)  # both from Redis
        redis_server.flush()
        _, sql = read(PAGE)
        # This process still has its copy, for a few seconds; the reader version was in
        # Redis only: read again from the database.
        assert at_most_the_stamp(sql) and sql
        _, sql = read(PAGE, elsewhere=True)
        assert not at_most_the_stamp(sql)  # the copy the other process got was in Redis


def test_without_redis_pages_are_served_uncached_then_cached_again(
    redis_server, talks, monkeypatch, caplog
):
    monkeypatch.setattr(resilient, "BACKOFF_SECONDS", 0)  # ask Redis again at once
    api = f"/api/v1/negotiations/{talks.pk}/timeline/"
    with override_settings(CACHES=caches_on(redis_server.url)):
        assert read(PAGE)[0].status_code == 200
        redis_server.stop()
        kept, sql = read(PAGE)
        # This process's own copy, under the reader version read from the database.
        assert kept.status_code == 200 and at_most_the_stamp(sql) and sql
        caches["default"]._local.clear()
        for _ in range(3):
            # Rendered each time, in this process too: what Redis did not take is not kept.
            response, sql = read(PAGE)
            assert response.status_code == 200 and not at_most_the_stamp(sql)
            assert "First meeting" in response.content.decode()
            assert read(api)[0].status_code == 200
        warnings = [r for r in caplog.records if r.name == "tracker.cache"]
        assert len(warnings) == 1 and "serving uncached" in warnings[0].getMessage()

        redis_server.start()
        # The same process: its first page once Redis answers is stored there.
        assert read(PAGE)[0].status_code == 200
        assert redis_server.keys() > 1  # more than the reader version
        again, sql = read(PAGE, elsewhere=True)
        assert again.status_code == 200 and at_most_the_stamp(sql)
        again, sql = read(PAGE, elsewhere=True)
        assert again.status_code == 200 and no_query(sql)
        assert "answers again" in caplog.text


def test_rate_limits_count_in_redis_and_let_requests_through_without_it(redis_server, db):
    with override_settings(CACHES=caches_on(redis_server.url)), rates("2/min", "100/min"):
        assert [Client().get("/api/v1/actors/").status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        redis_server.stop()
        assert [Client().get("/api/v1/actors/").status_code for _ in range(3)] == [
            200,
            200,
            200,
        ]


def round_trips(monkeypatch):
    """The list that gets one item for each round trip to Redis (what a connection sends
    at once: one command, or a pipeline)."""
    sent = []
    send = redis.connection.Connection.send_packed_command

    def counted(connection, *args, **kwargs):
        sent.append(args[0])
        return send(connection, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    return sent


def test_a_rate_limit_costs_one_round_trip_to_redis(redis_server, journalist, monkeypatch):
    with override_settings(CACHES=caches_on(redis_server.url)), rates("100/min", "2/min"):
        client = client_for(journalist)
        assert client.get("/api/v1/actors/").status_code == 200  # connects
        sent = round_trips(monkeypatch)
        assert client.get("/api/v1/actors/").status_code == 200
        assert len(sent) == 1  # counted, and the window before read: the user's rate
        assert client.get("/api/v1/actors/").status_code == 429  # its count taken back
    with override_settings(CACHES=caches_on(redis_server.url)), rates("100/min", "3/min"):
        assert client.get("/api/v1/actors/").status_code == 200  # the refused one not counted


def test_a_redis_that_does_not_answer_costs_one_short_timeout_then_nothing():
    """Connected but silent (a hung server): the read times out after the socket timeout,
    and for the back-off after it the cache is not asked at all."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        with override_settings(CACHES=caches_on(url)):
            counters = caches["throttle"]
            started = time.monotonic()
            assert counters.get("count", "missing") == "missing"
            first = time.monotonic() - started
            started = time.monotonic()
            counters.set("count", 5)
            assert counters.get("count") is None and counters.add("lock", 1) is True
            assert counters.get_many(["a", "b"]) == {} and counters.incr("count") == 1
            assert caches["default"].get("page", "missing") == "missing"
            rest = time.monotonic() - started
    assert resilient.SOCKET_TIMEOUT_SECONDS <= first < 1.0
    assert rest < 0.05


def test_a_process_keeps_its_copy_of_a_page_for_a_few_seconds_only(redis_server):
    with override_settings(CACHES=caches_on(redis_server.url)), time_machine.travel(0) as clock:
        pages = caches["default"]
        pages.set("parley:reader:page", b"<html>")
        redis_server.flush()
        assert pages.get("parley:reader:page") == b"<html>"
        clock.shift(resilient.LOCAL_SECONDS + 1)
        assert pages.get("parley:reader:page") is None
        pages.set("parley:route:page", 1)
        pages.delete("parley:route:page")  # any other write drops it at once
        assert pages.get("parley:route:page") is None
