import tempfile

import pytest
from django.core.cache import caches

from tests import factories
from tests.redis_server import REDIS_SERVER, RedisServer


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The API's rate counters (their own cache): every test starts with none. Nor does
    it find the reader versions of an earlier test's negotiations (ids are reused)."""
    caches["throttle"].clear()
    caches["reader_versions"].clear()


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
