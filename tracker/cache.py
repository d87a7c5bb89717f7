"""Django's Redis cache, with Redis treated as optional: its absence costs speed, not pages
(docs/operations.md, "When Redis is away").
"""

import logging
import time
import types

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
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
# What a process keeps of the pages' cache: a hot page costs one round trip per 5 s per
# process instead of one per request (with the stored response and its address: two).
LOCAL_SECONDS = 5
LOCAL_ENTRIES = 1_000


def caches_on(url):
    """``settings.CACHES`` with Parley's three caches in the Redis at ``url``."""
    redis = {
        "BACKEND": "tracker.cache.ResilientRedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        },
    }
    return {
        "default": {
            **redis,
            "BACKEND": "tracker.cache.VersionedRedisCache",
            "KEY_PREFIX": "parley",
        },
        "throttle": {
            **redis,
            "BACKEND": "tracker.cache.CountingRedisCache",
            "KEY_PREFIX": "parley-throttle",
        },
        # The reader versions: read by every process, changed by the writes, so never kept
        # in a process (negotiations.caching.reader_versions).
        "reader_versions": {**redis, "KEY_PREFIX": "parley-version"},
    }


# Per server, not per cache: both of Parley's caches, and every thread's instance of them,
# share one Redis and learn of its absence together.
_outages = {}


class ResilientRedisCache(RedisCache):
    """While Redis does not answer, every call behaves as if the cache were empty and forgot
    at once what it was given; Redis is then left alone for ``BACKOFF_SECONDS``, and a
    warning logged at most every ``WARN_EVERY_SECONDS``."""

    def __init__(self, server, params):
        super().__init__(server, params)
        # down_until: time.monotonic() before which Redis is not asked; warned_at: when the
        # current outage was last logged, None while Redis answers.
        self._outage = _outages.setdefault(
            str(server), types.SimpleNamespace(down_until=0.0, warned_at=None)
        )

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
        """Returns whether Redis took it (Django's ``set`` returns None)."""
        return self._call(False, self._set_in_redis, key, value, timeout, version)

    def _set_in_redis(self, key, value, timeout, version):
        super().set(key, value, timeout, version)
        return True

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


class CountingRedisCache(ResilientRedisCache):
    """The rate counters: ``hit`` in one round trip (a pipeline of redis-py's own client;
    Django's ``get_many`` then ``incr`` take three: MGET, EXISTS, INCRBY)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._client = redis.Redis.from_url(server, **params.get("OPTIONS", {}))  # connects lazily

    def hit(self, key, earlier_key, timeout):
        """Count one more request under ``key`` (kept ``timeout`` seconds): ``(its count
        now, the count under earlier_key)``; ``(1, 0)`` while Redis is away."""
        return self._call((1, 0), self._hit_in_redis, key, earlier_key, timeout)

    def _hit_in_redis(self, key, earlier_key, timeout):
        key, earlier_key = self.make_and_validate_key(key), self.make_and_validate_key(earlier_key)
        pipeline = self._client.pipeline(transaction=False)
        pipeline.incr(key).expire(key, timeout).get(earlier_key)
        count, _, earlier = pipeline.execute()
        return count, int(earlier or 0)  # what incr() wrote: Django's get() reads it too


class CountingLocMemCache(LocMemCache):
    """``CountingRedisCache`` in one process (no ``REDIS_URL``): ``hit`` as Django's
    calls, which cost nothing here."""

    def hit(self, key, earlier_key, timeout):
        try:
            count = 1 if self.add(key, 1, timeout) else self.incr(key)
        except ValueError:  # expired between the two calls
            self.set(key, 1, timeout)
            count = 1
        return count, self.get(earlier_key, 0)


class VersionedRedisCache(ResilientRedisCache):
    """For keys that name the version of their value: what this process read from Redis or
    Redis took from it is kept in its memory for ``LOCAL_SECONDS`` (not what Redis refused,
    so the first copy rendered once it answers is stored for every process); any other
    write drops this process's copy (another's lasts its few seconds: hence versioned keys)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(
            f"parley-local:{server}",
            {"TIMEOUT": LOCAL_SECONDS, "OPTIONS": {"MAX_ENTRIES": LOCAL_ENTRIES}},
        )

    def get(self, key, default=None, version=None):
        found = self._local.get(key, _MISSING, version)
        if found is _MISSING:
            found = super().get(key, _MISSING, version)
            if found is _MISSING:
                return default
            self._local.set(key, found, version=version)
        return found

    def get_many(self, keys, version=None):
        found = self._local.get_many(keys, version)
        rest = [key for key in keys if key not in found]
        if rest:
            fetched = super().get_many(rest, version)
            self._local.set_many(fetched, version=version)
            found |= fetched
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        stored = super().set(key, value, timeout, version)
        if stored:
            self._local.set(key, value, _local_timeout(timeout), version)
        return stored

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        failed = super().set_many(data, timeout, version)
        stored = {key: value for key, value in data.items() if key not in failed}
        self._local.set_many(stored, _local_timeout(timeout), version)
        return failed

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.delete(key, version)
        return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        self._local.delete(key, version)
        return super().incr(key, delta, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.delete(key, version)
        return super().touch(key, timeout, version)

    def delete(self, key, version=None):
        self._local.delete(key, version)
        return super().delete(key, version)

    def delete_many(self, keys, version=None):
        self._local.delete_many(keys, version)
        super().delete_many(keys, version)

    def clear(self):
        self._local.clear()
        return super().clear()


_MISSING = object()


def _local_timeout(timeout):
    """No longer than Redis keeps it, nor than ``LOCAL_SECONDS``."""
    if timeout is DEFAULT_TIMEOUT or timeout is None:
        return LOCAL_SECONDS
    return min(timeout, LOCAL_SECONDS)
