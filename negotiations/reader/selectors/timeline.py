"""The timeline page: a window of entries, its cursors, amounts and corrections."""

import dataclasses
import datetime
import functools
import re
from dataclasses import dataclass

from django.db.models import (
    Q,
    Subquery,
)
from django.utils.safestring import mark_safe

from negotiations.caching import fragments
from negotiations.dates import PartialDate
from negotiations.models import Correction, EntryType, Proposal
from negotiations.reader.charts.lanes import Moment
from negotiations.reader.filters import ReadingOrder, TimelineKey
from negotiations.reader.selectors.entries import (
    CitedSource,
    DateGroup,
    Era,
    Reference,
    decorate,
    eras,
    proposals_with_status,
    references_of,
    rendered,
)
from negotiations.reader.selectors.queries import (
    NEWEST_FIRST,
    TIMELINE_ORDER,
    acting_actors,
    after,
    before,
    cut,
    involvement,
    latest,
    picked_ids,
    readable,
    reader_timeline,
)

TIMELINE_PAGE = 50  # entries per timeline page
CORRECTIONS_ON_TIMELINE = 10
CORRECTIONS_PAGE = 50
AMOUNTS_LIMIT = 50  # proposals with an amount in the amounts picture


@dataclass
class TimelinePage:
    """One page of the timeline (what every page shows alike is read apart)."""

    spine: tuple  # (id, version, shown_version) of its entries, in timeline order
    section: "PageSection"  # its entries in their eras, rendered, and its sources
    # () -> its entries, oldest first, as ``ListedEntry``s citing the page's numbers: read
    # from the cache once, and only when asked for (the lanes picture, when it is drawn).
    entries: object = None
    earlier: TimelineKey | None = None  # "Earlier entries": before this key
    later: TimelineKey | None = None  # "Later entries": after this key
    latest: bool = True  # the page ends with the newest entry
    missing_entry: bool = False  # a permalink to an entry that is not readable
    newest_first: bool = False  # its eras list the newest first (``entries()`` never do)
    opens_at_start: bool = False  # without a cursor, the page shows the first entries

    @property
    def complete(self):
        """Every entry (matching the filters) is on this page."""
        return self.earlier is None and self.later is None


@dataclass(frozen=True)
class PageSection:
    """What a timeline page shows of its entries, kept whole (``timeline_page``); ``eras``
    is "" without an era."""

    eras: str
    count: int
    first: PartialDate | None
    last: PartialDate | None
    references: str


def narrowed_to(actor, user, negotiation, filters):
    """For the actor filter: a function picking, for a cursor condition, an order and a
    limit, the ids of at most ``limit`` entries per way the actor takes part
    (``involvement``), each way read from its own index. The page is then read among
    these ids: the first ``limit`` of their union in that order are the page's."""
    parts = [
        part.filter(negotiation=negotiation).matching(**filters)
        for part in involvement(actor, user).values()
    ]

    def narrow(condition, order, limit):
        return picked_ids([part.filter(condition).order_by(*order)[:limit] for part in parts])

    return narrow


def timeline_window(entries, cursor, *, readable_entries, opens_at_start=False, narrow=None):
    """One page of ``entries`` for ``cursor``: (entries, earlier, later, missing), the
    keys to page from (None at either end) and whether the cursor names an entry that
    ``readable_entries`` does not hold. Without a cursor the page is the latest one, or
    (``opens_at_start``) the first one. ``narrow`` (``narrowed_to``) picks candidates."""
    size = TIMELINE_PAGE

    def take(condition, order, limit):
        """The first ``limit`` entries beyond a condition in an order, oldest first."""
        chosen = entries.filter(condition)
        if narrow is not None:
            chosen = chosen.filter(pk__in=narrow(condition, order, limit + 1))
        rows, more = cut(chosen.order_by(*order), limit)
        return (rows[::-1] if order == NEWEST_FIRST else rows), more

    def any_before(key):
        if narrow is not None:
            return bool(narrow(before(key), NEWEST_FIRST, 1))
        return entries.filter(before(key)).exists()

    key = None
    if cursor.entry is not None:
        found = (
            readable_entries.filter(pk=cursor.entry)
            .values_list("date_start", "sequence", "pk")
            .first()
        )
        if found is not None:
            key = TimelineKey(*found)
    missing = cursor.entry is not None and key is None
    if key is not None:
        # A permalink: the page starting at the entry (and whether any come before it).
        rows, more = take(after(key, inclusive=True), TIMELINE_ORDER, size)
        return (
            rows,
            _key(rows, 0, key) if any_before(key) else None,
            _key(rows, -1) if more else None,
            missing,
        )
    if cursor.before is not None:
        rows, more = take(before(cursor.before), NEWEST_FIRST, size)
        return rows, _key(rows, 0) if more else None, _key(rows, -1, cursor.before), missing
    if cursor.after is not None:
        rows, more = take(after(cursor.after), TIMELINE_ORDER, size)
        return rows, _key(rows, 0, cursor.after), _key(rows, -1) if more else None, missing
    if opens_at_start:
        rows, more = take(Q(), TIMELINE_ORDER, size)
        return rows, None, _key(rows, -1) if more else None, missing
    rows, more = take(Q(), NEWEST_FIRST, size)
    return rows, _key(rows, 0) if more else None, None, missing


def _key(rows, index, default=None):
    """The key of ``rows[index]``; ``default`` when the page is empty (its cursor)."""
    if not rows:
        return default
    return TimelineKey.of(rows[index])


@dataclass(frozen=True)
class ActorRef:
    pk: int
    affiliation_id: int | None


@dataclass
class ListedEntry:
    """An entry as the reader pages list it, kept in the cache (``fragments``): its
    rendered HTML, its sources, and what the eras, the lanes picture and an actor's
    stances read of it."""

    pk: int
    version: int
    shown_version: int
    entry_type: str
    date_start: datetime.date
    date_precision: str
    sequence: int
    key: bool
    headline: str
    acting: tuple  # ActorRef: who acted (``acting_actors``)
    moment: Moment | None  # what the lanes picture labels, for a key development
    sources: tuple  # CitedSource: what it cites, in order
    stance: str  # its row in an actor's stances (a statement's stance on a proposal), or ""
    html: str

    @property
    def date(self):
        return PartialDate(self.date_start, self.date_precision)

    @property
    def is_development(self):
        """As ``Entry.is_development``: ``moment`` is set for key developments alone."""
        return self.moment is not None

    @classmethod
    def of(cls, entry):
        """A decorated entry (``decorate``), rendered by its partial."""
        return cls(
            pk=entry.pk,
            version=entry.version,
            shown_version=entry.shown_version,
            entry_type=entry.entry_type,
            date_start=entry.date_start,
            date_precision=entry.date_precision,
            sequence=entry.sequence,
            key=entry.key,
            headline=entry.headline,
            acting=tuple(ActorRef(a.pk, a.affiliation_id) for a in acting_actors(entry)),
            moment=Moment.of(entry) if entry.is_development else None,
            sources=entry.cited_sources,
            stance=rendered("negotiations/entries.html#stance", {"entry": entry})
            if entry.entry_type == EntryType.STATEMENT
            and entry.as_statement.stance
            and entry.statement_proposal_visible
            else "",
            html=rendered("negotiations/entries.html#entry", {"entry": entry, "marked": True}),
        )


def listed_entries(ids, user):
    """``{id: ListedEntry}`` of these entries: read with their kinds, addressees and
    participants, sources, corrections, status trails and the proposals they may name
    (six queries), decorated and rendered citing their sources by mark, not by number
    (``numbered``)."""
    entries = list(reader_timeline(readable(user).filter(pk__in=ids)))
    decorate(entries, user)
    for entry in entries:
        entry.cited_sources = tuple(CitedSource.of(source) for source in entry.sources.all())
        entry.citations = [
            Reference(mark_safe(f"<!--cite:{source.pk}-->"), source)
            for source in entry.cited_sources
        ]
    return {entry.pk: ListedEntry.of(entry) for entry in entries}


# The marks of a cached entry (``listed_entries``, rendered ``marked``): where it cites a
# source, given the number the source has on the page the entry is on; where an actor's
# page names its negotiation. Marks escaped text cannot contain, filled when the page is
# put together (``numbered``). One fragment per entry, on whichever page it is: a page
# whose window moves (a publication adds an entry, the oldest leaves) renumbers its
# sources without rendering its entries again.
MARKS = re.compile(r"<!--(?:cite:(\d+)|negotiation)-->")


def numbered(entry, numbers, negotiation_line=""):
    """A cached ``ListedEntry`` citing its sources by the page's ``numbers``
    (``{source id: number}``), naming its negotiation with ``negotiation_line`` (HTML;
    an actor's page) or not."""

    def fill(match):
        return str(numbers.get(int(match[1]), "")) if match[1] else negotiation_line

    return dataclasses.replace(entry, html=mark_safe(MARKS.sub(fill, entry.html)))


def page_sources(entries):
    """A page's sources, numbered once for the page in the order its ``ListedEntry``s
    cite them: the list at its foot, rendered (the ``references`` partial), and each
    source's number."""
    references = references_of(entries)
    html = rendered("negotiations/entries.html#references", {"references": references})
    return html, {ref.source.pk: ref.number for ref in references}


def cited_entries(spine, user, context):
    """The entries of ``spine`` (rows of ``fragments.SPINE``) as a page lists them, read
    once each and only when called: ``sources()``, the page's sources (``page_sources``),
    and ``entries()``, each entry's ``ListedEntry`` (``fragments.cached``) citing them by
    the page's numbers. What is missing costs six queries (``listed_entries``)."""

    @functools.cache  # the eras and the lanes picture, both missing, read them once
    def listed():
        found = fragments.cached(
            fragments.HTML, spine, context, lambda ids: listed_entries(ids, user)
        )
        return [found[row.pk] for row in spine if row.pk in found]

    sources = functools.cache(lambda: page_sources(listed()))

    @functools.cache
    def entries():
        numbers = sources()[1]
        return [numbered(entry, numbers) for entry in listed()]

    return sources, entries


def timeline_page(negotiation, user, *, filters, cursor, phases, order, context):
    """A page of the timeline: one keyset query for its entries' ids and versions (two
    with a permalink, three with an actor filter); its sources and entries from the cache
    under their versions and ``context`` (``fragments``; None for previews: nothing
    cached), what is missing read and rendered (``page_sources``, ``listed_entries``).
    ``order``: a ``ReadingOrder`` (which page opens, which way its eras read)."""
    opens_at_start = order == ReadingOrder.OLDEST or (
        order is None and filters.get("start") is not None
    )
    base = readable(user).for_negotiation(negotiation)
    rest = {name: value for name, value in filters.items() if name != "actor"}
    actor = filters.get("actor")
    spine, earlier, later, missing = timeline_window(
        base.matching(**rest).values_list(*fragments.SPINE, named=True),
        cursor,
        readable_entries=base,
        opens_at_start=opens_at_start,
        narrow=None if actor is None else narrowed_to(actor, user, negotiation, rest),
    )
    drawn = tuple((row.pk, row.version, row.shown_version) for row in spine)
    sources, read_entries = cited_entries(spine, user, context)
    newest_first = order == ReadingOrder.NEWEST

    def section():
        entries = read_entries()
        grouped = eras(
            entries,
            phases,
            keep_empty=not filters,
            earlier=earlier is not None,
            later=later is not None,
        )
        html = rendered(
            "negotiations/timeline.html#eras",
            {"eras": newest_eras_first(grouped) if newest_first else grouped},
        )
        return PageSection(
            eras=html if grouped else "",
            count=len(entries),
            first=entries[0].date if entries else None,
            last=entries[-1].date if entries else None,
            references=sources()[0],
        )

    shown_phases = tuple((phase.pk, phase.name, phase.starts_on, phase.ends_on) for phase in phases)
    flags = (bool(filters), earlier is not None, later is not None, newest_first)
    return TimelinePage(
        spine=drawn,
        section=fragments.cached_whole("timeline", (drawn, shown_phases, flags), context, section),
        entries=read_entries,
        earlier=earlier,
        later=later,
        latest=later is None,
        missing_entry=missing,
        newest_first=newest_first,
        opens_at_start=opens_at_start,
    )


def newest_eras_first(grouped):
    """The eras (``eras``) read backwards: the latest era, date and entry first."""
    result = []
    for era in reversed(grouped):
        groups = [
            DateGroup(date=group.date, entries=group.entries[::-1], spans=group.spans)
            for group in reversed(era.groups)
        ]
        result.append(Era(phase=era.phase, label=era.label, groups=groups))
    return result


def amount_spine(negotiation, user):
    """The ids and versions of what ``amount_proposals`` reads (one narrow query): what
    the amounts pictures show is a function of them (a status change, an addressee's new
    name move the proposal's ``shown_version``), so a publication that changes none of
    them leaves the pictures as they were."""
    found = (
        Proposal.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(amount__isnull=False)
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "version", "shown_version")
    )
    return tuple(found[: AMOUNTS_LIMIT + 1])


def amount_proposals(negotiation, user):
    """The latest ``AMOUNTS_LIMIT`` readable proposals that carry an amount (timeline order),
    with their current status; and whether there are more."""
    found = proposals_with_status(negotiation, user).filter(amount__isnull=False)
    # Who was asked, for the offers ladder.
    return latest(found.prefetch_related("addressed_to"), AMOUNTS_LIMIT)


def corrections_log(negotiation, user, *, limit=None, before=None):
    """Corrections of readable entries of the negotiation, newest first: at most
    ``limit``, and whether there are more. ``before``: the id of a correction; the
    page then starts after it (in the same order)."""
    limit = limit or CORRECTIONS_ON_TIMELINE
    corrections = Correction.objects.filter(
        entry__in=readable(user).for_negotiation(negotiation).values("pk")
    )
    if before is not None:
        moment = Subquery(Correction.objects.filter(pk=before).values("made_at")[:1])
        corrections = corrections.filter(Q(made_at__lt=moment) | Q(made_at=moment, pk__lt=before))
    return cut(corrections.select_related("entry__negotiation").order_by("-made_at", "-pk"), limit)
