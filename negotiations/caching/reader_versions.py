"""Each negotiation's reader version and ``reader_changed_at`` (its stamp), kept in the
shared cache alias ``reader_versions`` (Redis, never copied into a process) for every
process to read: a repeat anonymous read then needs no SQL. Why the order of ``forget``,
``put_back`` and ``publish`` is safe: docs/architecture.md, "Why the order is safe";
``tests/test_reader_versions.py`` fails when any step stops working.
"""

import logging

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import DEFAULT_DB_ALIAS, router

from negotiations.models import Negotiation

logger = logging.getLogger(__name__)

ALIAS = "reader_versions"
# The bound on a stale version after a failed or reordered write; the edge's second purge
# (EDGE_PURGE_REPEAT_SECONDS, 6 s by default) must come after it.
VERSION_SECONDS = 5


def _key(negotiation_id):
    return f"parley:reader-version:{negotiation_id}"


def current(negotiation_id):
    """``(reader_version, reader_changed_at)`` of a negotiation, or None for an unknown
    one: from the shared cache, else from the database, then added there (``add`` never
    overwrites a writer's) for ``VERSION_SECONDS``."""
    reading = router.db_for_read(Negotiation) or DEFAULT_DB_ALIAS
    if reading != DEFAULT_DB_ALIAS or not is_shared():
        # Where this request reads its pages (a read replica): their version is there.
        return _read([negotiation_id], using=reading).get(negotiation_id)
    store = caches[ALIAS]
    key = _key(negotiation_id)
    found = store.get(key)
    if found is None:
        found = _read([negotiation_id], using=DEFAULT_DB_ALIAS).get(negotiation_id)
        if found is not None:
            store.add(key, found, VERSION_SECONDS)
    return found


def is_shared():
    """Whether the versions are kept in a cache rather than read from the database at each
    request (Django's dummy cache: no shared cache)."""
    return not isinstance(caches[ALIAS], DummyCache)


def forget(negotiation_ids):
    """The versions of ``negotiation_ids`` are about to move in the current transaction:
    taken out of the cache, so that a read in this transaction asks the database. Returns
    what readers had (for ``put_back``): what the cache held, else what the database has,
    read with the rows locked for the write (a version another write commits meanwhile is
    then the one read, not skipped)."""
    store = caches[ALIAS]
    keys = {_key(pk): pk for pk in negotiation_ids}
    held = store.get_many(list(keys))
    store.delete_many(list(keys))
    unknown = [pk for key, pk in keys.items() if key not in held]
    if unknown:
        found = _read(unknown, using=DEFAULT_DB_ALIAS, lock=True)
        held |= {_key(pk): stamp for pk, stamp in found.items()}
    return held


def put_back(held):
    """Once the transaction that moved them committed, the versions readers had before it
    (``forget``), for them to keep while the new ones' pages are built: a reader then reads
    its page as it was, not a page built whole. Only where the cache holds none (``add``):
    a newer one set meanwhile stays."""
    store = caches[ALIAS]
    for key, value in held.items():
        store.add(key, value, VERSION_SECONDS)


def publish(negotiation_ids):
    """Once the transaction that moved them committed, the new versions into the cache;
    False when they could not be read or written (the purge must then wait
    ``VERSION_SECONDS``). Never raises: the write it follows has committed."""
    try:
        found = _read(negotiation_ids, using=DEFAULT_DB_ALIAS)
        # A negotiation deleted: None, which reads as a miss (its forget may have failed too).
        stamps = {_key(pk): found.get(pk) for pk in negotiation_ids}
        return not caches[ALIAS].set_many(stamps, VERSION_SECONDS)
    except Exception:  # the database gone, or a cache that refuses the write (out of memory)
        logger.exception(
            "Could not announce the reader versions of %s after their commit", negotiation_ids
        )
        return False


def announced(negotiation_ids):
    """Whether the shared cache holds, for each of ``negotiation_ids``, the version the
    database has, or none (a read then asks the database): no publication's build holds
    its new version back."""
    if not negotiation_ids or not is_shared():
        return True
    held = caches[ALIAS].get_many([_key(pk) for pk in negotiation_ids])
    found = _read(negotiation_ids, using=DEFAULT_DB_ALIAS)
    return all(held.get(_key(pk), stamp) == stamp for pk, stamp in found.items())


def _read(ids, using=None, *, lock=False):
    rows = Negotiation.objects.using(using).filter(pk__in=ids).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    return {
        pk: (version, changed_at)
        for pk, version, changed_at in rows.values_list("pk", "reader_version", "reader_changed_at")
    }
