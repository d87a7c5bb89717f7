"""Each timeline entry as readers get it, in the shared cache: its HTML fragment (the
``entry`` partial) and its API item. The key rule, written once (``entry_key``).

What an entry's text depends on, and what in the key follows it:

- the entry's own fields, kind, sources and listed actors: its id and ``Entry.version``
  (every save moves it);
- what it shows of other records — its actors' names, its sources' titles, its
  corrections, its proposal's current status and title, the status before a status
  change, whether a proposal it points at may be named: ``Entry.shown_version``, which the
  domain moves, in the transaction of the reader event, on every entry showing what the
  event changed (``domain.events.touch_showing``, the one rule of who shows what);
- what moves with the date (an expectation's "overdue") or with the code (the
  template), and the negotiation's address its links name: the ``context`` (``context``:
  the release, today's date, the slug).

So a publication renders again the entries it changed and those showing what it changed,
and no other: the rest of the page stays in the cache. Previews (staff: drafts, draft
labels, status changes readers do not see) are never cached. A page or an API page is
then one keyset query for its entries' ids and versions plus one ``get_many``; only the
misses are read and rendered, and cached with one ``set_many``.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

STORE_SECONDS = 10 * 60  # as long as the stored pages (reader_http.STORE_SECONDS)
HTML, API = "html", "json"  # the API item: its JSON bytes (api.serializers)


def context(*parts):
    """What every entry's text depends on besides the entry and what it shows: the
    release, today's date, and ``parts`` (the negotiation's slug, on the pages)."""
    return "|".join(map(str, (settings.RELEASE_ID, timezone.localdate().isoformat(), *parts)))


def entry_key(form, entry_id, version, shown_version, context):
    """Where an entry's ``form`` (HTML or API) is cached: the one rule (see above)."""
    digest = hashlib.sha256(context.encode()).hexdigest()[:24]
    return f"parley:entry:{form}:{entry_id}:{version}.{shown_version}:{digest}"


def cached(form, spine, context, build):
    """``{id: value}`` for the entries of ``spine`` (rows with ``id``, ``version`` and
    ``shown_version``, as objects or dicts): what the cache holds, and ``build(ids)`` (a
    dict by id) for the rest, which is then cached. ``context`` None (a preview): all
    built, nothing cached."""
    rows = [_key_parts(row) for row in spine]
    if context is None:
        return build([entry_id for entry_id, _, _ in rows]) if rows else {}
    keys = {
        entry_id: entry_key(form, entry_id, version, shown, context)
        for entry_id, version, shown in rows
    }
    found = cache.get_many(list(keys.values())) if keys else {}
    result = {entry_id: found[key] for entry_id, key in keys.items() if key in found}
    missing = [entry_id for entry_id in keys if entry_id not in result]
    if missing:
        built = build(missing)
        cache.set_many({keys[entry_id]: built[entry_id] for entry_id in built}, STORE_SECONDS)
        result |= built
    return result


def _key_parts(row):
    if isinstance(row, dict):
        return row["id"], row["version"], row["shown_version"]
    return row.pk, row.version, row.shown_version


def cached_whole(name, drawn_from, context, build):
    """``build()``, cached under ``name`` and what it is drawn from (``drawn_from``: its
    entries' ids and versions and whatever else its text reads, as tuples of plain values:
    ints, strings, dates, which ``repr`` writes fast) in
    the ``context`` of the entries' (None: a preview, built and not cached): like an
    entry, it outlives a publication that changes none of it."""
    if context is None:
        return build()
    digest = hashlib.sha256(repr((drawn_from, context)).encode()).hexdigest()[:32]
    key = f"parley:entries:{name}:{digest}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, STORE_SECONDS)
    return found
