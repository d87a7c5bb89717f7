"""The shared cache on a real Redis (tracker.cache): a page stored once serves every
client; Redis lost means pages served uncached and rate limits let through, never a 5xx;
Redis back means pages cached again."""

import socket
import time

import pytest
from django.test import Client, override_settings

from tests import factories
from tests.api.test_http import rates
from tests.queries import at_most_the_stamp
from tests.test_http_cache import sql_of
from tracker import cache as resilient
from tracker.cache import caches_on

pytestmark = pytest.mark.django_db
PAGE = "/negotiations/talks/"


@pytest.fixture
def talks(negotiation):
    factories.EventFactory(negotiation=negotiation, title="First meeting")
    return negotiation


def read(url):
    """A new anonymous reader, as another worker or app server would see them."""
    return sql_of(lambda: Client().get(url))


def test_a_page_stored_in_redis_serves_every_client(redis_server, talks):
    with override_settings(CACHES=caches_on(redis_server.url)):
        first, sql = read(PAGE)
        assert first.status_code == 200 and not at_most_the_stamp(sql)
        assert redis_server.keys() > 0
        again, sql = read(PAGE)
        assert again.content == first.content and at_most_the_stamp(sql)
        redis_server.flush()
        _, sql = read(PAGE)
        assert not at_most_the_stamp(sql)  # the copy the second client got was in Redis


def test_without_redis_pages_are_served_uncached_then_cached_again(
    redis_server, talks, monkeypatch, caplog
):
    monkeypatch.setattr(resilient, "BACKOFF_SECONDS", 0)  # ask Redis again at once
    api = f"/api/v1/negotiations/{talks.pk}/timeline/"
    with override_settings(CACHES=caches_on(redis_server.url)):
        assert read(PAGE)[0].status_code == 200
        redis_server.stop()
        for _ in range(3):
            response, sql = read(PAGE)
            assert response.status_code == 200 and not at_most_the_stamp(sql)
            assert "First meeting" in response.content.decode()
            assert read(api)[0].status_code == 200
        warnings = [r for r in caplog.records if r.name == "tracker.cache"]
        assert len(warnings) == 1 and "serving uncached" in warnings[0].getMessage()

        redis_server.start()
        assert read(PAGE)[0].status_code == 200
        assert redis_server.keys() > 0
        again, sql = read(PAGE)
        assert again.status_code == 200 and at_most_the_stamp(sql)
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


def test_a_redis_that_does_not_answer_costs_one_short_timeout_then_nothing():
    """Connected but silent (a hung server): the read times out after the socket timeout,
    and for the back-off after it the cache is not asked at all."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        with override_settings(CACHES=caches_on(url)):
            from django.core.cache import cache

            started = time.monotonic()
            assert cache.get("page", "missing") == "missing"
            first = time.monotonic() - started
            started = time.monotonic()
            cache.set("page", "kept")
            assert cache.get("page") is None and cache.add("lock", 1) is True
            assert cache.get_many(["a", "b"]) == {} and cache.incr("count") == 1
            rest = time.monotonic() - started
    assert resilient.SOCKET_TIMEOUT_SECONDS <= first < 1.0
    assert rest < 0.05
