"""Each timeline entry as readers get it, in the shared cache: its HTML fragment (the
``entry`` partial) and its API item. The key rule, written once (``entry_key``).

What an entry's text depends on, and what in the key follows it:

- the entry's own fields, kind, sources and listed actors: its id and ``Entry.version``;
- what it shows of other records — its actors' names, its sources' titles, its
  corrections, its proposal's current status and title, the status before a status
  change, whether a proposal it points at may be named — and what moves with the date (an
  expectation's "overdue") or with the code (the template): the negotiation's version
  (``reader_http.negotiation_version``: its reader version, which every change readers can
  see moves, today's date and the release).

So a reader event makes every entry of its negotiation render again (once, for everyone):
simple and never stale, at the price of the first read after a publication. Previews
(staff: drafts, draft labels, status changes readers do not see) are never cached: drafts
move no reader version. A page or an API page is then one keyset query for its entries'
ids and versions plus one ``get_many``; only the misses are read and rendered, and cached
with one ``set_many``.
"""

import hashlib

from django.core.cache import cache

STORE_SECONDS = 10 * 60  # as long as the stored pages (reader_http.STORE_SECONDS)
HTML, API = "html", "json"  # the API item: its JSON bytes (api.serializers)


def entry_key(form, entry_id, version, negotiation_version, variant=()):
    """Where an entry's ``form`` (HTML or API) is cached: the one rule (see above).
    ``variant``: what else the text shows that the page decides (the timeline's citation
    numbers)."""
    variant = ",".join(map(str, variant))
    return f"parley:entry:{form}:{entry_id}:{version}:{negotiation_version}:{variant}"


def cached(form, spine, negotiation_version, build, *, variants=None):
    """``{id: value}`` for the entries of ``spine`` (rows with ``id`` and ``version``,
    as objects or dicts): what the cache holds, and ``build(ids)`` (a dict by id) for the
    rest, which is then cached. ``negotiation_version`` None (a preview): all built,
    nothing cached. ``variants``: ``{id: variant}`` (``entry_key``)."""
    pairs = [_id_and_version(row) for row in spine]
    if negotiation_version is None:
        return build([entry_id for entry_id, _ in pairs]) if pairs else {}
    variants = variants or {}
    keys = {
        entry_id: entry_key(form, entry_id, v, negotiation_version, variants.get(entry_id, ()))
        for entry_id, v in pairs
    }
    found = cache.get_many(list(keys.values())) if keys else {}
    result = {entry_id: found[key] for entry_id, key in keys.items() if key in found}
    missing = [entry_id for entry_id in keys if entry_id not in result]
    if missing:
        built = build(missing)
        cache.set_many({keys[entry_id]: built[entry_id] for entry_id in built}, STORE_SECONDS)
        result |= built
    return result


def _id_and_version(row):
    if isinstance(row, dict):
        return row["id"], row["version"]
    return row.pk, row.version


def cached_whole(name, entries, negotiation_version, build):
    """``build()``, cached under ``name``, what it is drawn from (``entries``: their ids and
    versions, and whatever else its text reads, as a repr-able value) and the negotiation's
    version, by the same rule as each entry's (None: a preview, built and not cached)."""
    if negotiation_version is None:
        return build()
    digest = hashlib.sha256(repr(entries).encode()).hexdigest()[:32]
    key = f"parley:entries:{name}:{digest}:{negotiation_version}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, STORE_SECONDS)
    return found
