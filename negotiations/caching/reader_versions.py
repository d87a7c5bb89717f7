"""Each negotiation's reader version, kept in the shared cache for every process to read.

A repeat anonymous read (a 304, a stored copy) needs the negotiation's reader version and
``reader_changed_at`` (its *stamp*, ``reader_http.stamp_of``) and nothing else from the
database. Every process reads it here, from the cache alias ``reader_versions``: one cache
GET, no SQL. On a miss it is read from the primary database and added (``add``: it never
overwrites what a writer put there) for ``VERSION_SECONDS``. The alias is Redis, shared by
every worker and app server (``tracker.cache.caches_on``); it never keeps a per-process
copy. Without a shared cache it is Django's dummy cache: every read asks the database.

The one place the version moves is ``domain.events.record_events``, in the transaction of
the change (an editor's publication, an embargo lifted by the worker, a correction…). What
follows it is written once, in ``caching.publication.moved``:

1. ``forget`` deletes the negotiations' keys at once, inside that transaction: a reader
   between now and the commit reads the database (the old version, which is still the
   truth) and may add it;
2. once the transaction commits, ``publish`` reads the new versions from the primary and
   *sets* them (overwriting whatever a reader added in between);
3. only then the edge purge is enqueued (``edge.purge``; first the task worker builds what
   the negotiation's pages share under the new version: ``caching.publication``): an edge
   refetching after the purge is answered under the new version, never the old one.

Why the order is safe, and what bounds the exceptions:

- A reader that read the old version just before the commit and adds it after step 2 finds
  the key taken (``add`` does not overwrite). Had it added it before step 2, step 2
  overwrites it.
- The write of step 2 fails (Redis away, or a timeout): a reader may still find an old
  version in Redis, for ``VERSION_SECONDS`` at most (every value expires by then, and
  nothing in the database or elsewhere can refresh it past that). The purge is then
  sent ``VERSION_SECONDS`` later, so the edge's refetch still sees the new version.
  While Redis is away altogether every read asks the database (``tracker.cache``): correct.
- Two writes of one negotiation committing within a millisecond could set their versions
  out of order (the older last): Redis then holds the older one for ``VERSION_SECONDS``
  at most, and the purge sent again ``EDGE_PURGE_REPEAT_SECONDS`` (≥ ``VERSION_SECONDS``)
  later takes away what the edge fetched in that window.
- Two app servers, the task worker: all read and write the same Redis; none keeps a copy of
  its own, so they agree as soon as step 2 is done.
- A miss reads the primary, not a read replica: a replica behind would add an old version
  the purge's wait for the replicas (``db_router.wait_for_replicas``) knows nothing of.
- A request that reads a read replica (``db_router``: anonymous reads, when replicas are
  configured) reads the version there too, with one query, and not from the cache: the page
  it renders is the replica's, and must be keyed on the replica's version. A version from
  Redis, ahead of a replica that is behind, would store the replica's old page under the new
  version, where no later read would replace it (the cluster drill's paused replica showed
  it: readers never got the write). The 304 and stored-copy paths without SQL are those of
  the primary's readers: every deployment without replicas, and ``make bench``.

What it buys (``bench/README.md``, issue 13): the 304 and stored-copy paths without any SQL.
``tests/test_reader_versions.py`` fails when any step stops working.
"""

import logging

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, router

from negotiations.models import Negotiation

logger = logging.getLogger(__name__)

ALIAS = "reader_versions"
# How long a version read from the database may be answered without asking it again: the
# bound on a stale version after a failed or reordered write (see above). The edge's second
# purge (EDGE_PURGE_REPEAT_SECONDS, 6 s by default) must come after it.
VERSION_SECONDS = 5


def _key(negotiation_id):
    return f"parley:reader-version:{negotiation_id}"


def _store():
    return caches[ALIAS]


def _is_shared(store):
    return not isinstance(store, DummyCache)


def current(negotiation_id):
    """``(reader_version, reader_changed_at)`` of a negotiation, or None for an unknown
    one: from the shared cache, else from the database (then kept there)."""
    store = _store()
    reading = router.db_for_read(Negotiation) or DEFAULT_DB_ALIAS
    if reading != DEFAULT_DB_ALIAS or not _is_shared(store):
        # Where this request reads its pages (a read replica): their version is there.
        return _read([negotiation_id], using=reading).get(negotiation_id)
    key = _key(negotiation_id)
    found = store.get(key)
    if found is None:
        found = _read([negotiation_id], using=DEFAULT_DB_ALIAS).get(negotiation_id)
        if found is not None:
            store.add(key, found, VERSION_SECONDS)
    return found


def is_shared():
    """Whether the versions are kept in a cache (Redis; in tests, the one process's memory)
    rather than read from the database at each request (no shared cache)."""
    return _is_shared(_store())


def forget(negotiation_ids):
    """Step 1: the versions of ``negotiation_ids`` move in the current transaction; a
    reader asks the database until ``publish`` sets them."""
    _store().delete_many([_key(pk) for pk in negotiation_ids])


def publish(negotiation_ids):
    """Step 2, once the transaction that moved them committed: the new versions into the
    cache. False when they could not be read or written (the purge must then wait
    ``VERSION_SECONDS``). Never raises: the write it follows has committed."""
    try:
        found = _read(negotiation_ids, using=DEFAULT_DB_ALIAS)
        # A negotiation deleted: None, which reads as a miss (its step 1 may have failed too).
        stamps = {_key(pk): found.get(pk) for pk in negotiation_ids}
        return not _store().set_many(stamps, VERSION_SECONDS)
    except DatabaseError:
        logger.exception(
            "Could not read the reader versions of %s after their commit", negotiation_ids
        )
        return False


def _read(ids, using=None):
    rows = Negotiation.objects.using(using).filter(pk__in=ids).order_by()
    return {
        pk: (version, changed_at)
        for pk, version, changed_at in rows.values_list("pk", "reader_version", "reader_changed_at")
    }
