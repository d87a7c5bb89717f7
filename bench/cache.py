"""The shared cache as the benchmark sees it: able to look away, for one request.

To measure the paths behind the cache, a request to the bench server may send
``X-Bench-Bypass-Cache`` (``BypassCacheMiddleware``): ``1`` and every read of a stored
response or of an address's route misses — the view renders the page, from what the
negotiation's pages share; ``all`` and every read of the cache misses (the first read after a
write). Writes go through as usual. Only the bench settings use it; production code knows
nothing of the header.
"""

from contextvars import ContextVar

from tracker.cache import VersionedRedisCache

bypass = ContextVar("bench_bypass", default="")

# The keys of the stored responses and of the addresses they answer
# (negotiations.caching.reader_http).
STORED_RESPONSES = ("parley:reader:", "parley:route:")


class BenchCache(VersionedRedisCache):
    def _looks_away(self, key):
        level = bypass.get()
        return level == "all" or (level and key.startswith(STORED_RESPONSES))

    def get(self, key, default=None, version=None):
        if self._looks_away(key):
            return default
        return super().get(key, default, version)

    def get_many(self, keys, version=None):
        kept = [key for key in keys if not self._looks_away(key)]
        return super().get_many(kept, version) if kept else {}
