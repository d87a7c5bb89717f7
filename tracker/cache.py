"""Django's Redis cache, with Redis treated as optional: its absence costs speed, not pages.

Everything Parley keeps in the cache can be rebuilt (pages, what a negotiation's pages share,
rate counters), so while Redis does not answer every call behaves as if the cache were empty
and forgot at once what it was given: reads miss, writes are dropped, ``add`` reports the value
added, ``incr`` counts from nothing. Pages are then rendered for each request and the API's rate
limits let requests through: slower, never a 5xx.

After a failure the cache is not asked again for ``BACKOFF_SECONDS`` (a request makes several
calls; an unreachable host would otherwise cost each of them a connect timeout), then it is
tried again, and used as soon as it answers. A warning is logged when Redis is lost, at most
every ``WARN_EVERY_SECONDS`` while it stays away, and a line when it answers again.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
BACKOFF_SECONDS = 1.0
WARN_EVERY_SECONDS = 30.0
# Redis is on the same network: a slow answer means it is in trouble, and a page is better
# served uncached than late.
SOCKET_TIMEOUT_SECONDS = 0.25


def caches_on(url):
    """``settings.CACHES`` with both of Parley's caches in the Redis at ``url``."""
    redis = {
        "BACKEND": "tracker.cache.ResilientRedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        },
    }
    return {
        "default": {**redis, "KEY_PREFIX": "parley"},
        "throttle": {**redis, "KEY_PREFIX": "parley-throttle"},
    }


class _Outage:
    """What the process knows of one Redis server: whether to leave it alone for now."""

    def __init__(self):
        self.down_until = 0.0  # time.monotonic() before which Redis is not asked
        self.warned_at = None  # when the current outage was last logged; None while up


# Per server, not per cache: both of Parley's caches, and every thread's instance of them,
# share one Redis and learn of its absence together.
_outages = {}


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._outage = _outages.setdefault(str(server), _Outage())

    def _call(self, missing, method, *args, **kwargs):
        """``method(...)``, or ``missing`` while Redis is away."""
        outage = self._outage
        if time.monotonic() < outage.down_until:
            return missing
        try:
            result = method(*args, **kwargs)
        except UNAVAILABLE as error:
            now = time.monotonic()
            outage.down_until = now + BACKOFF_SECONDS
            if outage.warned_at is None or now - outage.warned_at >= WARN_EVERY_SECONDS:
                outage.warned_at = now
                logger.warning("Redis cache unavailable, serving uncached: %s", error)
            return missing
        if outage.warned_at is not None:
            outage.warned_at = None
            logger.info("Redis cache answers again")
        return result

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(True, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call(delta, super().incr, key, delta, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
