"""The shared cache as the benchmark sees it: able to look away, for one request.

To measure the paths behind the cache, a request to the bench server may send
``X-Bench-Bypass-Cache`` (``BypassCacheMiddleware``):

- ``1``: every read of a stored response or of an address's route misses — the view
  renders the page, from what the negotiation's pages share and the cached entries;
- ``unbuilt``: the first read of the page after a publication of one new entry on it,
  before the publication has built what the negotiation's pages share and its latest
  timeline page (``negotiations.caching.publication``; a reader during the build who
  finds no version to keep: between the commit and the put-back, or after Redis lost it):
  the stored responses and routes, everything kept under the
  negotiation's version (``parley:shared:``: the negotiation, its header and side column,
  the timeline's panels, phases and filter actors), the page's lanes picture and entries
  kept whole (keyed by its entries) miss, and so does the newest entry of each
  page's fragments (the one just published); the other entries' fragments (keyed by their
  own versions) and the filter form are found;
- ``quiet``: the first read after ten quiet minutes: what each address gets (the stored
  responses, routes, and what is kept whole under a page's entries: the page, its lanes
  picture, the API page) is gone, what the record alone decides (each entry's
  forms, what the negotiation's pages share, the filter form) is kept until midnight
  (``fragments.until_midnight``);
- ``all``: every read of the cache misses (a first read with nothing cached at all).

Writes go through as usual. Only the bench settings use it; production code knows nothing
of the header.
"""

from contextvars import ContextVar

from tracker.cache import VersionedRedisCache

bypass = ContextVar("bench_bypass", default="")

# The keys of the stored responses and of the addresses they answer
# (negotiations.caching.reader_http).
STORED_RESPONSES = ("parley:reader:", "parley:route:")
# What a publication moves to new keys besides them, which its build builds (see above).
# Once it has, the first read misses the stored responses alone: ``bench.run`` measures
# that read after real publications.
UNBUILT = (
    *STORED_RESPONSES,
    "parley:shared:",
    "parley:entries:lanes:",
    "parley:entries:timeline:",
)
ENTRY_FRAGMENTS = "parley:entry:"
# What each address gets, kept ``STORE_SECONDS`` (see above).
QUIET = (
    *STORED_RESPONSES,
    "parley:entries:timeline:",
    "parley:entries:lanes:",
    "parley:entries:api-page:",
)


class BenchCache(VersionedRedisCache):
    def _looks_away(self, key):
        level = bypass.get()
        if level == "unbuilt":
            return key.startswith(UNBUILT)
        if level == "quiet":
            return key.startswith(QUIET)
        return level == "all" or (level and key.startswith(STORED_RESPONSES))

    def get(self, key, default=None, version=None):
        if self._looks_away(key):
            return default
        return super().get(key, default, version)

    def get_many(self, keys, version=None):
        kept = [key for key in keys if not self._looks_away(key)]
        if bypass.get() == "unbuilt":
            entries = [key for key in kept if key.startswith(ENTRY_FRAGMENTS)]
            if entries:  # parley:entry:<form>:<id>:…: the newest is the one just published
                newest = max(entries, key=lambda key: int(key.split(":")[3]))
                kept.remove(newest)
        return super().get_many(kept, version) if kept else {}
