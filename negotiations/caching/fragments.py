"""Each timeline entry as readers get it, in the shared cache: its HTML fragment (the
``entry`` partial), its API item and what feeds and exports carry, under one key rule
(``entry_key``): the entry's id, its ``version`` (its own fields, sources, listed
actors), its ``shown_version`` (what it shows of other records, moved by
``domain.events.touch_showing``) and the ``context`` (the release, today's date, the
negotiation's slug). So a publication renders again only the entries it changed and those
showing what it changed. Previews are not cached entry by entry (only whole, under the
preview token: ``reader_http.respond``)."""

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

# What each address gets (stored responses, pages kept whole): as many keys as addresses
# readers ask for, so kept a short while.
STORE_SECONDS = 10 * 60
HTML, API = "html", "json"  # the API item: its JSON bytes (api.serializers)
SYNDICATED = "syndicated"  # what feeds and exports carry (reader.selectors.syndicated)
# What a timeline page's keyset query reads of each entry, the pages' and the API's alike:
# the keys of its cached forms (``entry_key``), then its place in the reading order.
SPINE = ("pk", "version", "shown_version", "date_start", "sequence")


def next_midnight():
    """When the keys' day (``context``) changes: the next local midnight."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))


def until_midnight():
    """How long what the record alone decides (each entry's forms, what a negotiation's
    pages share) is kept: its keys name today's date, so none is read after midnight, and
    a negotiation read again after a quiet while finds them (Redis's LRU bounds memory)."""
    return max(1, int((next_midnight() - timezone.now()).total_seconds()))


def context(*parts):
    """What every entry's text depends on besides the entry and what it shows: the
    release, today's date, and ``parts`` (the negotiation's slug, on the pages)."""
    return "|".join(map(str, (settings.RELEASE_ID, timezone.localdate().isoformat(), *parts)))


def entry_key(form, entry_id, version, shown_version, context):
    """Where an entry's ``form`` (HTML or API) is cached: the one rule (see above)."""
    digest = hashlib.sha256(context.encode()).hexdigest()[:24]
    return f"parley:entry:{form}:{entry_id}:{version}.{shown_version}:{digest}"


def cached(form, spine, context, build):
    """``{id: value}`` for the entries of ``spine`` (rows with ``pk``, ``version`` and
    ``shown_version``): what the cache holds (one ``get_many``), and ``build(ids)`` (a dict
    by id) for the rest, then cached (one ``set_many``). ``context``: the entries'
    ``context``, or a function giving each row's (entries of several negotiations); None
    (a preview): all built, nothing cached."""
    if context is None:
        return build([row.pk for row in spine]) if spine else {}
    context_of = context if callable(context) else lambda row: context
    keys = {
        row.pk: entry_key(form, row.pk, row.version, row.shown_version, context_of(row))
        for row in spine
    }
    found = cache.get_many(list(keys.values())) if keys else {}
    result = {entry_id: found[key] for entry_id, key in keys.items() if key in found}
    missing = [entry_id for entry_id in keys if entry_id not in result]
    if missing:
        built = build(missing)
        cache.set_many({keys[entry_id]: built[entry_id] for entry_id in built}, until_midnight())
        result |= built
    return result


def cached_whole(name, drawn_from, context, build, seconds=STORE_SECONDS):
    """``build()``, cached ``seconds`` under ``name``, what it is drawn from
    (``drawn_from``: its entries' ids and versions and whatever else its text reads, as
    tuples of plain values, which ``repr`` writes fast) and the entries' ``context``
    (None: a preview, not cached)."""
    if context is None:
        return build()
    digest = hashlib.sha256(repr((drawn_from, context)).encode()).hexdigest()[:32]
    return get_or_build(f"parley:entries:{name}:{digest}", build, seconds)


def get_or_build(key, build, seconds=STORE_SECONDS):
    """What the cache holds under ``key``, else ``build()``, then kept ``seconds``: one
    read and one write (Django's ``get_or_set`` adds, then reads again)."""
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, seconds)
    return found
