import os
import tempfile
import threading

import pytest
from django.core.cache import caches
from django.core.servers.basehttp import ThreadedWSGIServer

from negotiations.caching import publication
from tests import factories
from tests.redis_server import REDIS_SERVER, RedisServer


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The API's rate counters (their own cache): every test starts with none. Nor does
    it find the reader versions of an earlier test's negotiations (ids are reused)."""
    caches["throttle"].clear()
    caches["reader_versions"].clear()


@pytest.fixture(autouse=True)
def _unhurried_builds(monkeypatch):
    """The worker's build gets all the time it needs: on a loaded CI machine the default
    deadline (``publication.BUILD_SECONDS``, 2 s for builds of 50–150 ms) once cut a
    build short. The tests of the deadline set their own."""
    monkeypatch.setattr(publication, "BUILD_SECONDS", 60)


@pytest.fixture
def no_shared_cache(settings):
    """The embedded default (no ``REDIS_URL``): no reader versions nor tokens kept, each
    process with its own cache."""
    settings.CACHES = {
        **settings.CACHES,
        "reader_versions": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server's HTTP server, answering one request at a time.

    On in-memory SQLite every request shares the test's one connection, and two
    requests at once interleave their savepoints ("no such savepoint", a 503): a
    browser sends requests in parallel, an autocomplete still loading as a form is
    sent. Connections are still read in threads of their own, since a browser opens
    some it never uses."""

    def set_app(self, application):
        answering = threading.Lock()

        def one_at_a_time(environ, start_response):
            with answering:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, serving one request at a time, on 127.0.0.1 (not
    "localhost", which may be ::1 first) unless the environment says otherwise."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1"), start=False)
    server.thread.server_class = OneRequestAtATime
    server.start()
    yield server
    server.stop()


@pytest.fixture
def journalist(db):
    return factories.journalist(username="jane")


@pytest.fixture
def editor(db):
    return factories.editor(username="eddie")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def negotiation(db):
    return factories.NegotiationFactory(slug="talks", title="The talks")


@pytest.fixture
def talks(negotiation):
    """The talks with one event: a page with something to show."""
    factories.EventFactory(negotiation=negotiation, title="First meeting")
    return negotiation


@pytest.fixture
def demo(db):
    """The seed story, loaded as ``manage.py load_demo`` loads it."""
    from negotiations.models import Negotiation
    from negotiations.newsroom.demo import NEGOTIATION_SLUG, load_demo

    load_demo()
    return Negotiation.objects.get(slug=NEGOTIATION_SLUG)


@pytest.fixture
def redis_server():
    """A throwaway redis-server of the test's own, stopped however the test ends."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="parley-redis-") as folder:
        server = RedisServer(folder)
        server.start()
        try:
            yield server
        finally:
            server.stop()
