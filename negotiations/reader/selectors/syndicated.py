"""Entries as the feeds and the TimelineJS export carry them: published entries only,
each kept in the shared cache under the key rule of every entry form
(``fragments.entry_key``), so that a feed or an export read after a publication is one
keyset query, and builds only the entries not kept yet (the task worker builds the
latest ones: ``caching.publication``)."""

import datetime
from dataclasses import dataclass

from django.utils.text import capfirst

from negotiations.caching import fragments
from negotiations.dates import PartialDate
from negotiations.reader.selectors.changes import appeared_at
from negotiations.reader.selectors.entries import decorate, syndicated_html
from negotiations.reader.selectors.queries import (
    acting_actors,
    latest,
    permalink,
    readable,
    reader_timeline,
)


@dataclass(frozen=True)
class SyndicatedEntry:
    """What a feed item and a TimelineJS slide show of an entry; ``html``'s links are
    relative to the site (the reader's host makes them absolute)."""

    pk: int
    kind: str  # the entry type's label
    date_start: datetime.date
    date_precision: str
    key: bool
    headline: str
    html: str
    link: str
    appeared: datetime.datetime
    updated: datetime.datetime
    authors: str  # who acted, by name ("" when no one is named)

    @property
    def date(self):
        return PartialDate(self.date_start, self.date_precision)

    @property
    def title(self):
        return f"{capfirst(self.date.reading)}: {self.headline}"

    @classmethod
    def of(cls, entry):
        """A decorated entry (``decorate``)."""
        return cls(
            pk=entry.pk,
            kind=entry.get_entry_type_display(),
            date_start=entry.date_start,
            date_precision=entry.date_precision,
            key=entry.key,
            headline=entry.headline,
            html=syndicated_html(entry),
            link=permalink(entry),
            appeared=appeared_at(entry),
            updated=max(entry.updated_at, appeared_at(entry)),
            authors=", ".join(actor.name for actor in acting_actors(entry)),
        )


def syndicated(spine, slug):
    """The entries of ``spine`` (rows of ``fragments.SPINE``, all of one negotiation,
    whose slug their links name), in its order: from the cache, the rest read (five
    queries) and kept."""

    def build(ids):
        entries = decorate(list(reader_timeline(readable(None).filter(pk__in=ids))), None)
        return {entry.pk: SyndicatedEntry.of(entry) for entry in entries}

    found = fragments.cached(fragments.SYNDICATED, spine, fragments.context(slug), build)
    return [found[row.pk] for row in spine if row.pk in found]


def recorded_last(entries, limit):
    """The ``limit`` entries of ``entries`` (published ones: a queryset of
    ``readable(None)``) recorded last, newest first (by id, which follows the order of
    recording and is indexed): one keyset query, then one ``get_many`` per negotiation
    they belong to."""
    spine = list(
        entries.order_by("-pk").values_list(*fragments.SPINE, "negotiation__slug", named=True)[
            :limit
        ]
    )
    found = {}
    for slug in {row.negotiation__slug for row in spine}:
        of_slug = [row for row in spine if row.negotiation__slug == slug]
        found |= {entry.pk: entry for entry in syndicated(of_slug, slug)}
    return [found[row.pk] for row in spine if row.pk in found]


def latest_published(negotiation, limit):
    """The negotiation's latest ``limit`` published entries in timeline order, and
    whether there are earlier ones."""
    entries = readable(None).for_negotiation(negotiation).values_list(*fragments.SPINE, named=True)
    spine, earlier = latest(entries, limit)
    return syndicated(spine, negotiation.slug), earlier
