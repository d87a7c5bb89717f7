"""What the reader pages, feeds, calendar and exports read.

Every function here starts from ``readable(user)``: the model's visibility rule
(``Entry.objects.visible_to``, which also keeps a status change hidden while its
proposal is) plus two flags saying whether the proposal an entry points at may be
named. Each function costs a constant number of queries, and reads a bounded number
of rows, whatever the number of entries: a negotiation may hold 100,000 of them.
Lists are cut with keyset windows over the timeline order (date, order within the
day, id) or over an indexed moment, never with COUNT(*) or OFFSET; where a list is
cut, the page says so and links to the rest.

Reads only: writes go through ``negotiations.domain``.
"""

import datetime
import functools
import itertools
from dataclasses import dataclass, field

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import strip_spaces_between_tags

from .dates import PartialDate
from .models import (
    Actor,
    Correction,
    Entry,
    EntryType,
    Event,
    Expectation,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    ReaderEvent,
    Stance,
    Statement,
    StatusChange,
    ending_on_or_after,
    participation,
    place_in_phases,
)
from .reader_filters import Cursor, ReadingOrder, TimelineKey

# How much each list shows at most (the rest is one link away).
TIMELINE_PAGE = 50  # entries per timeline page
STANDING_LIMIT = 10  # open proposals / pending expectations in "where things stand"
NEXT_LIMIT = 50  # each list of "what comes next"
EXPECTATIONS_READ = 50  # pending expectations read (the latest stated), then by due date
CORRECTIONS_ON_TIMELINE = 10
CORRECTIONS_PAGE = 50
CHANGES_LIMIT = 100  # "what changed": items (and corrections) newest first
AMOUNTS_LIMIT = 50  # proposals with an amount in the amounts picture
POSITIONS_READ = 500  # latest stances read for the positions matrix
POSITIONS_PROPOSALS = 12
POSITIONS_ACTORS = 40
ACTOR_SECTION = 20  # entries per section of an actor page
PROPOSAL_STATEMENTS = 50
PROPOSAL_TRAIL = 100
PROPOSAL_SUCCESSORS = 20
FILTER_ACTORS_FROM = 300  # the filter offers the actors of the latest this many entries
DEVELOPMENTS_LIMIT = 5  # key developments beside the state of play
DEVELOPMENTS_ON_CARD = 3  # and on the home page's card of a negotiation
STATE_OF_PLAY_HISTORY = 20  # earlier states of play listed

TIMELINE_ORDER = ("date_start", "sequence", "pk")
NEWEST_FIRST = ("-date_start", "-sequence", "-pk")


# --------------------------------------------------------------------------- #
# The base of every read
# --------------------------------------------------------------------------- #


def readable(user):
    """Entries this user may read: the model's visibility rule, which also hides a
    status change while its proposal is hidden (it reads as the proposal's title).

    Whether the proposal an entry points at may be named is ``flag_proposals``' work,
    for the entries a page shows (``decorate``).
    """
    return Entry.objects.visible_to(user)


def pointed_proposals(entries):
    """The proposals that statements among ``entries`` are about, and that proposals
    among them supersede."""
    pointed = set()
    for entry in entries:
        if entry.entry_type == EntryType.STATEMENT and entry.as_statement.proposal_id:
            pointed.add(entry.as_statement.proposal_id)
        elif entry.entry_type == EntryType.PROPOSAL and entry.as_proposal.supersedes_id:
            pointed.add(entry.as_proposal.supersedes_id)
    return pointed


def named_proposals(ids, user):
    """Those of these proposals the user may read (a query; none for no ids)."""
    if not ids:
        return set()
    return set(Proposal.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def flag_proposals(entries, user, *, named=None):
    """Set ``statement_proposal_visible`` (a statement's proposal) and
    ``supersedes_visible`` (a proposal's earlier proposal): whether that proposal may
    be named, so pages show its title and link only then (one query, for the proposals
    these entries point at, unless ``named`` says already which may be named)."""
    if named is None:
        named = named_proposals(pointed_proposals(entries), user)
    for entry in entries:
        statement = entry.as_statement if entry.entry_type == EntryType.STATEMENT else None
        proposal = entry.as_proposal if entry.entry_type == EntryType.PROPOSAL else None
        entry.statement_proposal_visible = bool(statement and statement.proposal_id in named)
        entry.supersedes_visible = bool(proposal and proposal.supersedes_id in named)
    return entries


@functools.lru_cache(maxsize=1024)
def _timeline_path(prefix, slug):
    return reverse("negotiations:timeline", kwargs={"slug": slug})


def entry_url(slug, pk):
    """An entry's permanent address (``?entry=``: the timeline page starting with it;
    the anchor scrolls to it). Its negotiation's timeline address is worked out once."""
    return f"{_timeline_path(get_script_prefix(), slug)}?entry={pk}#entry-{pk}"


def permalink(entry):
    return entry_url(entry.negotiation.slug, entry.pk)


def reader_timeline(queryset, *, listed_actors=True):
    """The model's timeline (kinds joined, relations prefetched) plus corrections;
    ``listed_actors=False``: see ``attach_listed_actors``."""
    return queryset.timeline(listed_actors=listed_actors).prefetch_related("corrections")


def attach_listed_actors(entries):
    """Give the proposals among ``entries`` their addressees and the events their
    participants, read in one query for both (prefetched, they take one each), where
    ``.addressed_to.all()`` and ``.actors.all()`` find them, in the models' order."""
    listed = {}
    for entry in entries:
        if entry.entry_type == EntryType.PROPOSAL:
            listed[entry.pk] = (entry.as_proposal, "addressed_to", [])
        elif entry.entry_type == EntryType.EVENT:
            listed[entry.pk] = (entry.as_event, "actors", [])
    if not listed:
        return
    on = {
        name: [pk for pk, (_, field_name, _) in listed.items() if field_name == name]
        for name in ("addressed_to", "actors")
    }
    actors = Actor.objects.order_by()  # the union is ordered, not its parts (SQLite)
    addressed = actors.annotate(listed_on=F("proposals_received")).filter(
        listed_on__in=on["addressed_to"]
    )
    attending = actors.annotate(listed_on=F("events")).filter(listed_on__in=on["actors"])
    for actor in addressed.union(attending, all=True).order_by("name", "pk"):
        listed[actor.listed_on][2].append(actor)
    for item, name, actors in listed.values():
        found = getattr(item, name).all()
        found._result_cache, found._prefetch_done = actors, True
        item._prefetched_objects_cache = {
            **getattr(item, "_prefetched_objects_cache", {}),
            name: found,
        }


def before(key, *, inclusive=False):
    """Entries before ``key`` (a TimelineKey) in the timeline order.

    The leading ``date_start`` bound lets the database start its index walk at the
    key's day: a deep page costs what the first one does.
    """
    last = Q(pk__lte=key.pk) if inclusive else Q(pk__lt=key.pk)
    return Q(date_start__lte=key.date_start) & (
        Q(date_start__lt=key.date_start)
        | Q(sequence__lt=key.sequence)
        | (Q(sequence=key.sequence) & last)
    )


def after(key, *, inclusive=False):
    """Entries after ``key`` in the timeline order (``inclusive``: from it on)."""
    first = Q(pk__gte=key.pk) if inclusive else Q(pk__gt=key.pk)
    return Q(date_start__gte=key.date_start) & (
        Q(date_start__gt=key.date_start)
        | Q(sequence__gt=key.sequence)
        | (Q(sequence=key.sequence) & first)
    )


def picked_ids(parts):
    """The ids that some bounded querysets (each ordered and cut) pick, in one query:
    the union of ``SELECT id … WHERE id IN (<part>)``. Reading entries by these ids
    then costs one index lookup each; an OR of the parts as subqueries of the timeline
    read would make the database test every entry against each of them."""
    queries = [
        Entry.objects.filter(pk__in=part.values("pk")).order_by().values_list("pk", flat=True)
        for part in parts
    ]
    if not queries:
        return set()
    # One compound query (not nested ones); unordered: the model's default order is not
    # among the selected columns.
    return set(queries[0].union(*queries[1:], all=True).order_by())


def latest(queryset, limit):
    """The last ``limit`` rows in timeline order, oldest first, and whether there are
    earlier ones (one query: ``limit + 1`` rows read backwards along the index)."""
    rows = list(queryset.order_by(*NEWEST_FIRST)[: limit + 1])
    return rows[:limit][::-1], len(rows) > limit


def first(queryset, limit):
    """The first ``limit`` rows in timeline order, and whether there are more."""
    rows = list(queryset.order_by(*TIMELINE_ORDER)[: limit + 1])
    return rows[:limit], len(rows) > limit


# --------------------------------------------------------------------------- #
# Who is involved in what
# --------------------------------------------------------------------------- #


def acting_actors(entry):
    """Who acted in an entry: the proposer, the speaker, who changed the status, who
    expects; every actor of an event. (``entry.actor_ids`` also counts a proposal's
    addressees; the lanes picture places an entry with whoever acted.)"""
    specific = entry.specific
    if entry.entry_type == EntryType.PROPOSAL:
        return [specific.proposed_by] if specific.proposed_by_id else []
    if entry.entry_type == EntryType.EVENT:
        return list(specific.actors.all())
    actor = specific.actor
    return [actor] if actor is not None else []


def speakers_for(actor, members=None):
    """The ids of the actor and of everyone speaking for it (its members: one query,
    unless they are given)."""
    if members is None:
        members = Actor.objects.filter(affiliation=actor.pk).values_list("pk", flat=True)
    else:
        members = [member.pk for member in members]
    return [actor.pk, *members]


def involvement(actor, user, *, members=None):
    """Each way the actor, or anyone speaking for it, takes part in entries (the
    ways of ``models.participation``, the rule the API's actor filter also reads), as
    readable entries: {way: queryset}.

    Each way is read from its own index on that actor column (the kind's own table
    first, the ids written out): an actor's entries are found without reading
    everyone's, where an OR of the ways over the timeline would test every entry
    against each. Two small queries: who speaks for the actor, and which proposals
    are addressed to them and which events they attend.
    """
    actors = speakers_for(actor, members)
    ways = participation(actors)
    addressed = ways[EntryType.PROPOSAL, "addressed_to"]
    attended = ways[EntryType.EVENT, "actors"]
    listed = set(
        addressed.order_by()
        .values_list("pk", flat=True)
        .union(attended.order_by().values_list("pk", flat=True), all=True)
        .order_by()
    )
    found = {
        "proposed": ways[EntryType.PROPOSAL, "proposed_by"],
        "status_changes": ways[EntryType.STATUS_CHANGE, "actor"],
        "statements": ways[EntryType.STATEMENT, "actor"],
        "expectations": ways[EntryType.EXPECTATION, "actor"],
    }
    found = {name: way.visible_to(user) for name, way in found.items()}
    # Proposals addressed to them (their own proposals are "proposed") and events.
    found["listed"] = (
        readable(user)
        .filter(pk__in=listed)
        .exclude(entry_type=EntryType.PROPOSAL, as_proposal__proposed_by__in=actors)
    )
    return found


def proposal_readable(user, ref="proposal_id"):
    """Condition on statements: the proposal they are about (``ref``) is readable."""
    return Exists(Proposal.objects.visible_to(user).filter(pk=OuterRef(ref)))


@dataclass(frozen=True)
class ActorName:
    """An actor as the filter form offers it (no model instance: hundreds of them)."""

    pk: int
    slug: str
    name: str


ACTOR_COLUMNS = (
    "as_proposal__proposed_by",
    "as_status_change__actor",
    "as_statement__actor",
    "as_expectation__actor",
)


def actors_in(negotiation, user, *, also=None):
    """The actors a reader may filter the timeline by, by name: the parties, those
    speaking for them, and every actor of the latest ``FILTER_ACTORS_FROM`` readable
    entries (read along the timeline index: a bounded read, whatever the size of the
    negotiation), plus ``also`` (the slug of the actor already chosen, who may have
    acted only earlier). Two queries."""
    recent = list(
        readable(user)
        .for_negotiation(negotiation)
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "entry_type", *ACTOR_COLUMNS)[:FILTER_ACTORS_FROM]
    )
    named = {pk for row in recent for pk in row[2:] if pk is not None}
    proposals = [row[0] for row in recent if row[1] == EntryType.PROPOSAL]
    events = [row[0] for row in recent if row[1] == EntryType.EVENT]
    condition = (
        Q(negotiations=negotiation)
        | Q(affiliation__negotiations=negotiation)
        | Q(pk__in=named)
        | Q(
            pk__in=Proposal.addressed_to.through.objects.filter(proposal_id__in=proposals).values(
                "actor_id"
            )
        )
        | Q(pk__in=Event.actors.through.objects.filter(event_id__in=events).values("actor_id"))
    )
    if also is not None:
        condition |= Q(slug=also)
    found = Actor.objects.filter(condition).distinct().order_by("name", "pk")
    return [ActorName(*row) for row in found.values_list("pk", "slug", "name")]


# --------------------------------------------------------------------------- #
# Filters (the timeline's GET parameters)
# --------------------------------------------------------------------------- #


def filtered(queryset, **filters):
    """The timeline filters but the actor's (``narrowed_to``): kind, dates, words, by
    the rule the API's filters read too (``EntryQuerySet.matching``)."""
    return queryset.matching(**filters)


# --------------------------------------------------------------------------- #
# Proposals: current status, trail, amounts
# --------------------------------------------------------------------------- #


@dataclass
class StatusStep:
    status: str
    label: str
    date: PartialDate
    entry_id: int
    previous: str | None = None
    previous_label: str | None = None

    @property
    def closed(self):
        return ProposalStatus.is_closed(self.status)


def status_trails(status_changes):
    """Each proposal's status changes in timeline order: {proposal_id: [StatusStep, …]}.

    ``status_changes`` are rows of ``TRAIL_FIELDS`` (tuples, as ``values_list`` reads
    them), or StatusChange instances, in timeline order (the order that decides the
    current status in ``ProposalQuerySet.with_status``).
    """
    trails = {}
    for change in status_changes:
        if not isinstance(change, tuple):
            change = tuple(getattr(change, name) for name in TRAIL_FIELDS)
        pk, proposal_id, status, date_start, date_precision = change
        trail = trails.setdefault(proposal_id, [])
        previous = trail[-1] if trail else None
        trail.append(
            StatusStep(
                status=status,
                label=ProposalStatus.label_of(status),
                date=PartialDate(date_start, date_precision),
                entry_id=pk,
                previous=previous.status if previous else None,
                previous_label=previous.label if previous else None,
            )
        )
    return trails


TRAIL_FIELDS = ("pk", "proposal_id", "status", "date_start", "date_precision")


def negotiation_trails(negotiation, user):
    """Every status trail of a negotiation (all its status changes: small negotiations
    and tests only; pages read ``trails_of`` the proposals they show)."""
    changes = (
        StatusChange.objects.visible_to(user)
        .for_negotiation(negotiation)
        .chronological()
        .values_list(*TRAIL_FIELDS)
    )
    return status_trails(changes)


def proposals_with_status(negotiation, user):
    """Readable proposals with ``current_status`` (the model's rule), timeline order."""
    return (
        Proposal.objects.visible_to(user)
        .for_negotiation(negotiation)
        .with_status(user)
        .select_related("proposed_by", "negotiation")
        .chronological()
    )


def proposal_ids(entries):
    """The proposals that ``entries`` show or change."""
    ids = set()
    for entry in entries:
        if entry.entry_type == EntryType.PROPOSAL:
            ids.add(entry.pk)
        elif entry.entry_type == EntryType.STATUS_CHANGE:
            ids.add(entry.as_status_change.proposal_id)
    return ids


def trails_of(ids, user):
    """The status trails of these proposals (one query; none when there are none)."""
    if not ids:
        return {}
    changes = (
        StatusChange.objects.visible_to(user)
        .filter(proposal__in=ids)
        .chronological()
        .values_list(*TRAIL_FIELDS)
    )
    return status_trails(changes)


def trails_and_named(entries, user):
    """``trails_for(entries)``, and which proposals the entries point at may be named
    (``flag_proposals``): one query for both, the status changes and the proposals read
    side by side (none when there are neither)."""
    ids, pointed = proposal_ids(entries), pointed_proposals(entries)
    if not ids and not pointed:
        return {}, set()
    columns = (*TRAIL_FIELDS, "sequence")
    changes = (
        StatusChange.objects.visible_to(user)
        .filter(proposal__in=ids)
        .order_by()
        .annotate(named=Value(False))
        .values_list(*columns, "named")
    )
    proposals = (
        Proposal.objects.visible_to(user)
        .filter(pk__in=pointed)
        .order_by()
        .annotate(of=F("pk"), no_status=Value("", output_field=CharField()), named=Value(True))
        .values_list("pk", "of", "no_status", "date_start", "date_precision", "sequence", "named")
    )
    rows = list(changes.union(proposals, all=True).order_by("date_start", "sequence", "pk"))
    trails = status_trails(row[: len(TRAIL_FIELDS)] for row in rows if not row[-1])
    return trails, {row[0] for row in rows if row[-1]}


def trails_for(entries, user):
    """The status trails of the proposals that ``entries`` show or change (one query)."""
    return trails_of(proposal_ids(entries), user)


def draft_label(entry, now):
    """How a preview marks an entry readers do not see yet ("" when they do)."""
    if entry.state != PublicationState.PUBLISHED:
        return entry.get_state_display()
    if entry.publish_at and entry.publish_at > now:
        moment = timezone.localtime(entry.publish_at)
        return f"Scheduled for {moment.day} {moment:%B %Y, %H:%M} UTC"
    return ""


def syndicated_html(entry):
    """An entry as HTML for feeds and exports: the page's markup, without page-only
    parts, whitespace between tags removed."""
    html = render_to_string("negotiations/entries.html#entry", {"entry": entry, "syndicated": True})
    return strip_spaces_between_tags(html.strip())


@dataclass
class Reference:
    number: int
    source: object


def cite(*groups):
    """Number the sources of the entries of a page once each, in the order they are
    first cited (the page lists them at its foot); each entry gets ``citations``, its
    references. Feeds and exports, which do not call this, keep the full source line
    under each entry."""
    references = {}
    for entries in groups:
        for entry in entries:
            entry.citations = []
            for source in entry.sources.all():
                if source.pk not in references:
                    references[source.pk] = Reference(len(references) + 1, source)
                entry.citations.append(references[source.pk])
    return list(references.values())


def decorate(entries, trails, user, *, named=None):
    """Give entries what their templates show besides their own fields:
    a status change's previous status, a proposal's current status, a preview label,
    whether the proposals they point at may be named (``flag_proposals``: one query
    unless ``named`` is given)."""
    flag_proposals(entries, user, named=named)
    previous, current = {}, {}
    for proposal_id, trail in trails.items():
        current[proposal_id] = trail[-1].status
        for step in trail:
            previous[step.entry_id] = step.previous_label
    now = timezone.now()
    for entry in entries:
        entry.previous_status_label = previous.get(entry.pk)
        if entry.entry_type == EntryType.PROPOSAL:
            entry.current_status = current.get(entry.pk)
        entry.draft_label = draft_label(entry, now)
    return entries


# --------------------------------------------------------------------------- #
# Timeline structure: eras (phases) and date groups
# --------------------------------------------------------------------------- #


@dataclass
class DateGroup:
    date: PartialDate
    entries: list = field(default_factory=list)
    spans: tuple = ()  # the phases an imprecise date overlaps without lying within one

    @property
    def spans_label(self):
        """ "across “A” and “B”": where a loosely dated group may belong."""
        names = [f"“{phase.name}”" for phase in self.spans]
        if len(names) == 1:
            return f"overlaps {names[0]}"
        return f"across {', '.join(names[:-1])} and {names[-1]}"


@dataclass
class Era:
    phase: object = None  # a Phase, or None for the time outside the named phases
    label: str = ""
    groups: list = field(default_factory=list)

    @property
    def entry_count(self):
        return sum(len(group.entries) for group in self.groups)


# The era of entries dated to a month or a year that no phase holds whole.
LOOSELY_DATED = "Dated only roughly"


def eras(entries, phases, *, keep_empty=True, earlier=False, later=False):
    """Group timeline entries into eras, then by date: an entry goes in the phase that
    holds its whole period; else, loosely dated ("2024", "February 2025"), just before the
    first phase its period overlaps ("Dated only roughly", its date group saying which
    phases it spans), or outside the phases ("Earlier", "Between phases")
    (``models.place_in_phases``, the one rule).

    Phases without entries keep their place unless ``keep_empty`` is False. On one
    page of a longer timeline (``earlier``/``later``: there are entries before/after
    it) an empty phase is shown only where it falls within the page: not before its
    first entry when there are earlier ones, not after its last when there are later.
    """
    phases = sorted(phases, key=lambda p: (p.starts_on, p.pk))
    order = {phase.pk: index for index, phase in enumerate(phases)}
    if entries and keep_empty and (earlier or later):
        first_day = PartialDate(entries[0].date_start, entries[0].date_precision).start
        last_day = PartialDate(entries[-1].date_start, entries[-1].date_precision).start
        shown = {
            phase.pk
            for phase in phases
            if not (earlier and (phase.ends_on or phase.starts_on) < first_day)
            and not (later and phase.starts_on > last_day)
        }
    else:
        shown = set(order)

    # Slots in reading order, three per phase: the time before it (entries outside every
    # phase), the loosely dated entries placed before it, the phase; then after them all.
    placed = []
    for entry in entries:
        date = PartialDate(entry.date_start, entry.date_precision)
        place = place_in_phases(date, phases)
        if place.phase is not None:
            slot = 3 * order[place.phase.pk] + 2
        elif place.spans:
            slot = 3 * order[place.before.pk] + 1
        elif place.before is not None:
            slot = 3 * order[place.before.pk]
        else:
            slot = 3 * len(phases)
        placed.append((slot, date, place, entry))
    placed.sort(key=lambda item: item[0])  # stable: timeline order within a slot

    result = []
    next_phase = 0

    def emit_phases_before(index):
        """The phases (still to place, shown, kept empty) before phase ``index``."""
        nonlocal next_phase
        while next_phase < min(index, len(phases)):
            phase = phases[next_phase]
            next_phase += 1
            if keep_empty and phase.pk in shown:
                result.append(Era(phase=phase, label=phase.name))

    current = None
    for slot, date, place, entry in placed:
        if slot != current:
            current = slot
            emit_phases_before(slot // 3)
            if place.phase is not None:
                next_phase = max(next_phase, slot // 3 + 1)
                result.append(Era(phase=place.phase, label=place.phase.name))
            elif place.spans:
                result.append(Era(phase=None, label=LOOSELY_DATED))
            else:
                label = "Earlier" if slot == 0 and phases else "Between phases" if phases else ""
                result.append(Era(phase=None, label=label))
        era = result[-1]
        if not era.groups or (era.groups[-1].date, era.groups[-1].spans) != (date, place.spans):
            era.groups.append(DateGroup(date=date, spans=place.spans))
        era.groups[-1].entries.append(entry)
    emit_phases_before(len(phases))
    return result


# --------------------------------------------------------------------------- #
# Negotiation pages
# --------------------------------------------------------------------------- #


def site_stamp(*, count=False):
    """What every page across negotiations is validated by (home, actors): the sum of
    the reader versions (which grows with every reader event anywhere), the latest
    reader change and (``count``) how many negotiations there are, in one query."""
    totals = {"versions": Sum("reader_version"), "changed": Max("reader_changed_at")}
    if count:
        totals["count"] = Count("pk")
    return Negotiation.objects.aggregate(**totals)


def negotiation_for_reader(slug):
    """The negotiation with what its ETag needs (its reader version), in one query
    (404 when unknown)."""
    try:
        return Negotiation.objects.get(slug=slug)
    except Negotiation.DoesNotExist:
        raise Http404("No negotiation at this address.") from None


def key_developments(negotiation, user, *, limit=DEVELOPMENTS_LIMIT):
    """The ``limit`` latest key developments readers may see (key entries and status
    changes, newest first: ``EntryQuerySet.developments``), with what their headlines
    need (two queries)."""
    found = readable(user).for_negotiation(negotiation).timeline(listed_actors=False)
    return list(found.developments()[:limit])


def state_of_play_history(negotiation, *, limit=STATE_OF_PLAY_HISTORY):
    """The states of play written before the current one, newest first, each with when
    it was written: from the negotiation's history, one row per version of the text
    (one query over the latest ``limit`` dated versions)."""
    versions = (
        negotiation.history.filter(state_of_play_updated_at__isnull=False)
        .exclude(state_of_play_updated_at=negotiation.state_of_play_updated_at)
        .order_by("-state_of_play_updated_at", "-history_id")
        .values("state_of_play", "state_of_play_updated_at")
        .distinct()
    )
    return [version for version in versions[: limit * 4] if version["state_of_play"]][:limit]


@dataclass
class Standing:
    open_proposals: list
    pending_expectations: list
    more_proposals: bool = False  # more open proposals than shown
    more_expectations: bool = False

    @property
    def is_empty(self):
        return not self.open_proposals and not self.pending_expectations

    def set_since(self, trails):
        """When each open proposal reached its current status (from its trail)."""
        for proposal in self.open_proposals:
            trail = trails.get(proposal.pk, [])
            proposal.status_since = trail[-1].date if trail else None


def open_proposals(negotiation, user, limit):
    """The ``limit`` latest proposals still on the table (timeline order), and whether
    there are more. The database walks the proposals newest first and stops after
    ``limit + 1`` open ones: one status lookup per proposal it passes."""
    found = list(
        proposals_with_status(negotiation, user).open().order_by(*NEWEST_FIRST)[: limit + 1]
    )
    return found[:limit][::-1], len(found) > limit


def pending_expectations(negotiation, user, today=None, *, limit=None):
    """Pending expectations by due date (undated last), each with ``progress_today``
    (pending, or overdue once the due period has ended); and whether there are more.

    Read from the latest ``EXPECTATIONS_READ`` pending ones stated (an index walk
    along the timeline): due dates are not indexed, and an expectation stated long
    ago and never resolved is rarely what a reader waits for.
    """
    limit = limit or STANDING_LIMIT
    today = today or timezone.localdate()
    stated = list(
        Expectation.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(outcome=Expectation.Outcome.PENDING)
        .select_related("actor", "negotiation")
        .order_by(*NEWEST_FIRST)[: max(limit, EXPECTATIONS_READ) + 1]
    )
    more = len(stated) > max(limit, EXPECTATIONS_READ)
    stated.sort(
        key=lambda e: (
            e.due_date_start is None,
            e.due_date_start or datetime.date.min,
            e.date_start,
            e.sequence,
            e.pk,
        )
    )
    for expectation in stated:
        expectation.progress_today = expectation.progress_on(today)
    return stated[:limit], more or len(stated) > limit


def standing(negotiation, user, *, today=None, limit=None):
    """Where things stand: the latest open proposals with their status, the pending
    expectations soonest due (two queries; ``set_since`` with their trails)."""
    limit = limit or STANDING_LIMIT
    proposals, more_proposals = open_proposals(negotiation, user, limit)
    expectations, more_expectations = pending_expectations(negotiation, user, today, limit=limit)
    return Standing(
        open_proposals=proposals,
        pending_expectations=expectations,
        more_proposals=more_proposals,
        more_expectations=more_expectations,
    )


def standing_with_since(negotiation, user):
    """``standing``, with when each open proposal reached its status (three queries)."""
    stand = standing(negotiation, user)
    stand.set_since(trails_of({proposal.pk for proposal in stand.open_proposals}, user))
    return stand


@dataclass
class TimelinePage:
    """One page of the timeline; what the timeline shows on every page (where things
    stand, amounts, corrections) is read apart: ``standing_with_since``,
    ``amount_proposals``, ``corrections_log``."""

    entries: list
    eras: list
    earlier: TimelineKey | None = None  # "Earlier entries": before this key
    later: TimelineKey | None = None  # "Later entries": after this key
    latest: bool = True  # the page ends with the newest entry
    missing_entry: bool = False  # a permalink to an entry that is not readable
    newest_first: bool = False  # ``eras`` list the newest first (``entries`` never do)
    opens_at_start: bool = False  # without a cursor, the page shows the first entries

    @property
    def complete(self):
        """Every entry (matching the filters) is on this page."""
        return self.earlier is None and self.later is None


def narrowed_to(actor, user, negotiation, filters):
    """For the actor filter: a function picking, for a cursor condition, an order and a
    limit, the ids of at most ``limit`` entries per way the actor takes part
    (``involvement``), each way read from its own index. The page is then read among
    these ids: the first ``limit`` of their union in that order are the page's."""
    parts = [
        filtered(part.filter(negotiation=negotiation), **filters)
        for part in involvement(actor, user).values()
    ]

    def narrow(condition, order, limit):
        return picked_ids([part.filter(condition).order_by(*order)[:limit] for part in parts])

    return narrow


def timeline_window(
    entries, cursor, *, readable_entries, opens_at_start=False, narrow=None, size=None
):
    """One page of ``entries`` (a timeline-ordered queryset) for ``cursor``.

    Returns (entries, earlier, later, missing): ``earlier``/``later`` are the keys
    to page from (None at either end); ``missing`` when the cursor names an entry
    that ``readable_entries`` does not hold. Without a cursor the page is the latest
    one, or (``opens_at_start``: a start date is asked for) the first one. ``narrow``
    (``narrowed_to``) picks candidates first.
    """
    size = size or TIMELINE_PAGE

    def take(condition, order, limit):
        """The first ``limit`` entries beyond a condition in an order (one query, or two
        when narrowed), oldest first, and whether there are more."""
        chosen = entries.filter(condition)
        if narrow is not None:
            chosen = chosen.filter(pk__in=narrow(condition, order, limit + 1))
        rows = list(chosen.order_by(*order)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
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


def timeline_page(
    negotiation, user, *, filters=None, cursor=None, size=None, phases=None, order=None
):
    """A page of the timeline in a constant number of queries, each reading a bounded
    number of rows; ``phases``: the negotiation's, when already read; ``order``: a
    ``ReadingOrder`` (which page opens, which way its eras read)."""
    size = size or TIMELINE_PAGE
    filters = filters or {}
    cursor = cursor or Cursor()
    opens_at_start = order == ReadingOrder.OLDEST or (
        order is None and filters.get("start") is not None
    )
    base = readable(user).for_negotiation(negotiation)
    rest = {name: value for name, value in filters.items() if name != "actor"}
    actor = filters.get("actor")
    entries, earlier, later, missing = timeline_window(
        reader_timeline(filtered(base, **rest), listed_actors=False),
        cursor,
        readable_entries=base,
        opens_at_start=opens_at_start,
        narrow=None if actor is None else narrowed_to(actor, user, negotiation, rest),
        size=size,
    )
    attach_listed_actors(entries)
    trails, named = trails_and_named(entries, user)
    decorate(entries, trails, user, named=named)
    grouped = eras(
        entries,
        negotiation.phases.all() if phases is None else phases,
        keep_empty=not filters,
        earlier=earlier is not None,
        later=later is not None,
    )
    newest_first = order == ReadingOrder.NEWEST
    return TimelinePage(
        entries=entries,
        eras=newest_eras_first(grouped) if newest_first else grouped,
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


def amount_proposals(negotiation, user, limit=None):
    """The latest ``limit`` readable proposals that carry an amount (timeline order),
    with their current status; and whether there are more."""
    limit = limit or AMOUNTS_LIMIT
    found = list(
        proposals_with_status(negotiation, user)
        .filter(amount__isnull=False)
        .prefetch_related("addressed_to")  # who was asked, for the offers ladder
        .order_by(*NEWEST_FIRST)[: limit + 1]
    )
    return found[:limit][::-1], len(found) > limit


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
    found = list(
        corrections.select_related("entry__negotiation").order_by("-made_at", "-pk")[: limit + 1]
    )
    return found[:limit], len(found) > limit


@dataclass
class RecordedChange:
    """One line of "added to the record since": an entry readers see, what happened to
    it in the record (``added``, ``updated``, ``corrected``), when, and a correction's
    note."""

    entry: Entry
    action: str
    at: datetime.datetime
    note: str = ""

    @property
    def label(self):
        return {"added": "Added", "updated": "Updated", "corrected": "Corrected"}[self.action]


@dataclass
class ChangesPage:
    since: datetime.date
    happened: list  # entries dated in or after ``since``, newest first by their date
    recorded: list  # RecordedChange, newest first by when readers saw the change
    more_happened: bool = False  # more than shown (the latest are shown)
    more_recorded: bool = False

    @property
    def is_empty(self):
        return not (self.happened or self.recorded)


def appeared_at(entry):
    """When the entry appeared: its publish time, or when it was logged (a draft published
    later reads as newly published among the updated ones)."""
    if entry.publish_at and entry.publish_at > entry.created_at:
        return entry.publish_at
    return entry.created_at


def happened_since(negotiation, user, since, *, limit=None):
    """What happened in or after the day ``since`` (a date): the readable entries whose
    period reaches it — the timeline's own date filter (``filtered``), so "February
    2025" is among what happened since 20 February — newest first; and whether there
    are more than ``limit``."""
    limit = limit or CHANGES_LIMIT
    found = filtered(readable(user).for_negotiation(negotiation), start=PartialDate(since))
    rows = list(found.timeline(listed_actors=False).order_by(*NEWEST_FIRST)[: limit + 1])
    return rows[:limit], len(rows) > limit


RECORDED_ACTIONS = {
    ReaderEvent.Action.PUBLISHED: "added",
    ReaderEvent.Action.UPDATED: "updated",
    ReaderEvent.Action.CORRECTED: "corrected",
}


def recorded_since(negotiation, user, moment, *, limit=None):
    """What was added to the record (or updated, or corrected) from ``moment`` on, from
    the reader events: one line per entry readers see now, at its latest change, newest
    first ("added" when it became visible in the period, whatever followed); and whether
    there are more than ``limit``. Reads at most ``5 × limit`` events, newest first."""
    limit = limit or CHANGES_LIMIT
    events = (
        ReaderEvent.objects.filter(
            negotiation=negotiation,
            at__gte=moment,
            record_type__in=EntryType.values,
            action__in=list(RECORDED_ACTIONS),
        )
        .order_by("-at", "-pk")
        .values_list("record_id", "action", "at")[: 5 * limit]
    )
    latest = {}
    for record_id, action, at in events:
        change = latest.setdefault(record_id, {"action": RECORDED_ACTIONS[action], "at": at})
        if action == ReaderEvent.Action.PUBLISHED:
            change["action"] = "added"
    entries = {
        entry.pk: entry
        for entry in readable(user).filter(pk__in=list(latest)).timeline(listed_actors=False)
    }
    corrected = [pk for pk in entries if latest[pk]["action"] == "corrected"]
    notes = dict(
        Correction.objects.filter(entry_id__in=corrected, made_at__gte=moment)
        .order_by("made_at", "pk")
        .values_list("entry_id", "note")
    )
    changes = [
        RecordedChange(entry=entries[pk], note=notes.get(pk, ""), **latest[pk])
        for pk in latest
        if pk in entries
    ]
    return changes[:limit], len(changes) > limit


def changes_since(negotiation, user, since, *, limit=None):
    """What changed since the day ``since``: by the date of the development
    (``happened_since``) and, separately, by when it reached the record
    (``recorded_since``, from the start of that day)."""
    moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    happened, more_happened = happened_since(negotiation, user, since, limit=limit)
    recorded, more_recorded = recorded_since(negotiation, user, moment, limit=limit)
    return ChangesPage(
        since=since,
        happened=happened,
        recorded=recorded,
        more_happened=more_happened,
        more_recorded=more_recorded,
    )


@dataclass
class NextPage:
    today: datetime.date
    scheduled_events: list
    pending_expectations: list
    open_proposals: list
    more_events: bool = False
    more_expectations: bool = False
    more_proposals: bool = False


def scheduled(today):
    """Events not over by ``today``: their period (as precise as its date) ends today or
    later (``Event.is_scheduled``, as a condition). Any such period starts this year or
    later, which lets the database start its index walk there."""
    return Q(date_start__gte=today.replace(month=1, day=1)) & ending_on_or_after(today)


CALENDAR_UPCOMING = 100  # events, and deadlines, to come (soonest first)
CALENDAR_RECENT = 30  # and past (the latest)


def calendar_entries(negotiation, today=None):
    """Published events and expectations with a due date for the calendar: the next
    ``CALENDAR_UPCOMING`` and the latest ``CALENDAR_RECENT`` past ones of each, soonest
    first (each part a bounded query of its kind's table)."""
    today = today or timezone.localdate()
    events = Event.objects.visible_to(None).for_negotiation(negotiation)
    deadlines = (
        Expectation.objects.visible_to(None)
        .for_negotiation(negotiation)
        .filter(due_date_start__isnull=False)
    )
    due_by_today = ending_on_or_after(today, prefix="due_")
    parts = [
        events.filter(scheduled(today)).order_by(*TIMELINE_ORDER)[:CALENDAR_UPCOMING],
        events.exclude(scheduled(today)).order_by(*NEWEST_FIRST)[:CALENDAR_RECENT],
        deadlines.filter(due_by_today).order_by("due_date_start", "pk")[:CALENDAR_UPCOMING],
        deadlines.exclude(due_by_today).order_by("-due_date_start", "-pk")[:CALENDAR_RECENT],
    ]
    return reader_timeline(readable(None).filter(pk__in=picked_ids(parts)))


def coming_next(negotiation, user, today=None, *, limit=None):
    """Scheduled events (soonest first), pending expectations by due date, open
    proposals: at most ``limit`` of each."""
    limit = limit or NEXT_LIMIT
    today = today or timezone.localdate()
    events, more_events = first(
        reader_timeline(
            readable(user)
            .for_negotiation(negotiation)
            .filter(Q(entry_type=EntryType.EVENT) & scheduled(today))
        ),
        limit,
    )
    stand = standing(negotiation, user, today=today, limit=limit)
    trails = trails_of(
        proposal_ids(events) | {proposal.pk for proposal in stand.open_proposals}, user
    )
    decorate(events, trails, user)
    stand.set_since(trails)
    return NextPage(
        today=today,
        scheduled_events=events,
        pending_expectations=stand.pending_expectations,
        open_proposals=stand.open_proposals,
        more_events=more_events,
        more_expectations=stand.more_expectations,
        more_proposals=stand.more_proposals,
    )


@dataclass
class ProposalPage:
    entry: Entry  # the proposal's timeline entry (``entry.as_proposal`` is the proposal)
    current_status: str | None
    trail: list
    statements: list
    successors: list
    earlier_trail: bool = False  # the trail starts with earlier steps not shown
    earlier_statements: TimelineKey | None = None  # "Earlier statements": before this key
    later_statements: TimelineKey | None = None


def proposal_page(negotiation, pk, user, *, cursor=None):
    """The proposal, its status trail (the latest ``PROPOSAL_TRAIL`` steps), the
    statements about it (``PROPOSAL_STATEMENTS`` per page, the latest first) and the
    proposals answering it."""
    cursor = cursor or Cursor()
    about = Statement.objects.visible_to(user).filter(negotiation=negotiation, proposal=pk)
    if cursor.before is not None:
        about = about.filter(before(cursor.before))
    elif cursor.after is not None:
        about = about.filter(after(cursor.after))
    order = TIMELINE_ORDER if cursor.after is not None else NEWEST_FIRST
    proposals = Proposal.objects.visible_to(user).filter(negotiation=negotiation)
    ids = picked_ids(
        [
            proposals.filter(pk=pk),
            about.order_by(*order)[: PROPOSAL_STATEMENTS + 1],
            proposals.filter(supersedes=pk).order_by(*TIMELINE_ORDER)[:PROPOSAL_SUCCESSORS],
        ]
    )
    entries = list(reader_timeline(readable(user).filter(pk__in=ids)))
    entry = next((e for e in entries if e.pk == pk and e.entry_type == EntryType.PROPOSAL), None)
    if entry is None:
        raise Http404("No proposal at this address.")
    changes = list(
        StatusChange.objects.visible_to(user)
        .filter(proposal=pk)
        .order_by(*NEWEST_FIRST)
        .values_list(*TRAIL_FIELDS)[: PROPOSAL_TRAIL + 1]
    )
    earlier_trail = len(changes) > PROPOSAL_TRAIL
    trails = status_trails(changes[:PROPOSAL_TRAIL][::-1])
    decorate(entries, trails, user)
    trail = trails.get(pk, [])
    statements = [e for e in entries if e.entry_type == EntryType.STATEMENT]
    more = len(statements) > PROPOSAL_STATEMENTS
    if cursor.after is not None:
        statements = statements[:PROPOSAL_STATEMENTS]
        earlier = _key(statements, 0, cursor.after)
        later = _key(statements, -1) if more else None
    else:
        statements = statements[-PROPOSAL_STATEMENTS:]
        earlier = _key(statements, 0) if more else None
        later = _key(statements, -1, cursor.before) if cursor.before is not None else None
    return ProposalPage(
        entry=entry,
        current_status=trail[-1].status if trail else None,
        trail=trail,
        statements=statements,
        successors=[e for e in entries if e.entry_type == EntryType.PROPOSAL and e.pk != pk],
        earlier_trail=earlier_trail,
        earlier_statements=earlier,
        later_statements=later,
    )


@dataclass
class Position:
    stance: str
    label: str
    date: PartialDate
    entry: Entry
    earlier: list = field(default_factory=list)  # earlier, different stances (labels)


@dataclass
class PositionsPage:
    actors: list
    proposals: list
    rows: list  # [(actor, [(proposal, Position | None) per proposal])]
    more_actors: bool = False
    more_proposals: bool = False


def positions(negotiation, user):
    """Actors × proposals: each actor's latest stated stance on each proposal.

    Read from the latest ``POSITIONS_READ`` stances (one narrow query along the
    timeline): the ``POSITIONS_PROPOSALS`` proposals most recently taken a stance on,
    and the ``POSITIONS_ACTORS`` actors who did so most recently. Then the statements
    of the cells shown and the proposals, with their status (two more queries).
    """
    stances = list(
        Statement.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(proposal_readable(user))
        .exclude(stance="")
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "actor_id", "proposal_id", "stance")[:POSITIONS_READ]
    )
    proposal_order, actor_order = [], []
    for _pk, actor_id, proposal_id, _stance in stances:
        if proposal_id not in proposal_order:
            proposal_order.append(proposal_id)
        if actor_id not in actor_order:
            actor_order.append(actor_id)
    chosen_proposals = set(proposal_order[:POSITIONS_PROPOSALS])
    chosen_actors = set(actor_order[:POSITIONS_ACTORS])
    # Oldest first: each later stance of an actor on a proposal replaces the one before.
    history = {}
    for pk, actor_id, proposal_id, stance in reversed(stances):
        if actor_id in chosen_actors and proposal_id in chosen_proposals:
            history.setdefault((actor_id, proposal_id), []).append((pk, stance))
    cell_ids = [steps[-1][0] for steps in history.values()]
    statements = {
        entry.pk: entry for entry in reader_timeline(readable(user).filter(pk__in=cell_ids))
    }
    proposals = list(proposals_with_status(negotiation, user).filter(pk__in=chosen_proposals))
    latest_of = {}
    actors = {}
    for key, steps in history.items():
        entry = statements.get(steps[-1][0])
        if entry is None:
            continue
        statement = entry.as_statement
        actors[statement.actor_id] = statement.actor
        earlier = []
        for (_, previous), (_, following) in itertools.pairwise(steps):
            if previous != following:
                earlier.append(Stance(previous).label)
        latest_of[key] = Position(
            stance=statement.stance,
            label=Stance(statement.stance).label,
            date=PartialDate(entry.date_start, entry.date_precision),
            entry=entry,
            earlier=earlier,
        )
    ordered = sorted(actors.values(), key=lambda a: a.name)
    rows = [(actor, [(p, latest_of.get((actor.pk, p.pk))) for p in proposals]) for actor in ordered]
    return PositionsPage(
        actors=ordered,
        proposals=proposals,
        rows=rows,
        more_actors=len(actor_order) > POSITIONS_ACTORS,
        more_proposals=len(proposal_order) > POSITIONS_PROPOSALS,
    )


def embed_entries(negotiation, *, key_only=False, limit=30):
    """The latest published entries, newest first, for the embed, and whether there are
    earlier ones."""
    entries = readable(None).for_negotiation(negotiation)
    if key_only:
        entries = entries.filter(key=True)
    # Lines, not cards: a headline, its sources, an expectation's word (no trails,
    # listed actors or corrections to read).
    shown, earlier = latest(entries.timeline(listed_actors=False), limit)
    return shown[::-1], earlier


# --------------------------------------------------------------------------- #
# Actor page
# --------------------------------------------------------------------------- #


@dataclass
class ActorPage:
    actor: Actor
    members: list
    statements: list
    proposals: list
    stances: list
    expectations: list
    other_entries: list
    negotiations: list
    more: dict = field(default_factory=dict)  # section name → more than shown


ACTOR_SECTIONS = ("statements", "stances", "proposals", "expectations", "other_entries")


def actor_sections(actor, user, members):
    """Each section of an actor page as readable entries, each read from its own index
    (``involvement``): {section: [querysets]}."""
    ways = involvement(actor, user, members=members)
    return {
        "statements": [ways["statements"]],
        "stances": [ways["statements"].filter(proposal_readable(user)).exclude(stance="")],
        "proposals": [ways["proposed"]],
        "expectations": [ways["expectations"]],
        # Proposals addressed to it (not its own), its status changes, its events.
        "other_entries": [ways["listed"], ways["status_changes"]],
    }


def actor_feed_entries(actor, limit):
    """The ``limit`` published entries the actor takes part in most recently recorded
    (newest first): the latest of each way of taking part, then the latest of those."""
    parts = [way.order_by("-pk")[:limit] for way in involvement(actor, None).values()]
    ids = picked_ids(parts)
    return list(reader_timeline(readable(None).filter(pk__in=ids)).order_by("-pk")[:limit])


def actor_page(actor, user, *, limit=None):
    """The latest ``limit`` entries of each section (oldest first), in one read of the
    entries: each section's ids are a bounded subquery of it."""
    limit = limit or ACTOR_SECTION
    members = list(actor.members.order_by("name"))
    parts = [
        queryset.order_by(*NEWEST_FIRST)[: limit + 1]
        for querysets in actor_sections(actor, user, members).values()
        for queryset in querysets
    ]
    entries = list(reader_timeline(readable(user).filter(pk__in=picked_ids(parts))))
    decorate(entries, trails_for(entries, user), user)
    speaker_ids = {actor.pk, *(m.pk for m in members)}

    def section(name):
        if name == "statements":
            return [e for e in entries if e.entry_type == EntryType.STATEMENT]
        if name == "stances":
            return [
                e
                for e in entries
                if e.entry_type == EntryType.STATEMENT
                and e.as_statement.stance
                and e.statement_proposal_visible
            ]
        if name == "proposals":
            return [
                e
                for e in entries
                if e.entry_type == EntryType.PROPOSAL
                and e.as_proposal.proposed_by_id in speaker_ids
            ]
        if name == "expectations":
            return [e for e in entries if e.entry_type == EntryType.EXPECTATION]
        return [
            e
            for e in entries
            if e.entry_type in (EntryType.STATUS_CHANGE, EntryType.EVENT)
            or (
                e.entry_type == EntryType.PROPOSAL
                and e.as_proposal.proposed_by_id not in speaker_ids
            )
        ]

    shown, more = {}, {}
    for name in ACTOR_SECTIONS:
        items = section(name)
        # The subquery picked the latest limit + 1 of this section; statements picked for
        # the stances section may add older ones to "statements": keep the latest.
        more[name] = len(items) > limit
        shown[name] = items[-limit:]
    negotiations = {negotiation.pk: negotiation for negotiation in actor.negotiations.all()}
    for entry in entries:
        negotiations.setdefault(entry.negotiation_id, entry.negotiation)
    return ActorPage(
        actor=actor,
        members=members,
        negotiations=sorted(negotiations.values(), key=lambda n: n.title),
        more=more,
        **shown,
    )


# --------------------------------------------------------------------------- #
# Home
# --------------------------------------------------------------------------- #


@dataclass
class ActorListing:
    actor: Actor
    negotiations: list  # the negotiations it is a party to or acts in, by title


def actor_index(user):
    """Every actor readers meet — a party to a negotiation, or acting in a readable
    entry (``ACTOR_COLUMNS``, a proposal's addressees, an event's participants) — by
    name, each with those negotiations. Five queries, whatever the number of actors."""
    pairs = set(Negotiation.parties.through.objects.values_list("actor_id", "negotiation_id"))
    entries = readable(user)
    for column in ACTOR_COLUMNS:
        pairs |= set(
            entries.filter(**{f"{column}__isnull": False})
            .values_list(column, "negotiation_id")
            .distinct()
        )
    pairs |= set(
        Proposal.addressed_to.through.objects.filter(
            proposal__in=entries.filter(entry_type=EntryType.PROPOSAL).values("pk")
        )
        .values_list("actor_id", "proposal__negotiation_id")
        .distinct()
    )
    pairs |= set(
        Event.actors.through.objects.filter(
            event__in=entries.filter(entry_type=EntryType.EVENT).values("pk")
        )
        .values_list("actor_id", "event__negotiation_id")
        .distinct()
    )
    negotiations = {n.pk: n for n in Negotiation.objects.filter(pk__in={n for _, n in pairs})}
    by_actor = {}
    for actor_id, negotiation_id in pairs:
        by_actor.setdefault(actor_id, []).append(negotiations[negotiation_id])
    actors = Actor.objects.filter(pk__in=by_actor).select_related("affiliation")
    return [
        ActorListing(actor, sorted(by_actor[actor.pk], key=lambda n: (n.title, n.pk)))
        for actor in actors.order_by("name", "pk")
    ]


def with_developments(negotiations, user, *, limit=DEVELOPMENTS_ON_CARD):
    """These negotiations, each with ``developments``: its ``limit`` latest key
    developments the user may read, newest first (one query for them all, whatever the
    number of negotiations, and one for their sources)."""
    entries = readable(user).timeline(listed_actors=False).developments()[:limit]
    return negotiations.prefetch_related(
        Prefetch("entries", queryset=entries, to_attr="developments")
    )


def where_they_stand(negotiations, user):
    """The negotiations (a list) as an actor's page opens with them: each with its state
    of play and its latest key development (``with_developments``; two queries)."""
    found = Negotiation.objects.filter(pk__in=[n.pk for n in negotiations]).order_by("title")
    return list(with_developments(found, user, limit=1))


def negotiation_list(user):
    """Every negotiation with its state of play, its latest key developments and when the
    record was last edited (a constant number of queries)."""
    negotiations = list(
        with_developments(Negotiation.objects.prefetch_related("parties"), user).order_by(
            F("reader_changed_at").desc(nulls_last=True), "title"
        )
    )
    for negotiation in negotiations:
        negotiation.last_updated = last_updated(negotiation.developments)
        negotiation.record_edited = record_edited(negotiation)
    return negotiations


def last_updated(developments):
    """When the story last moved: the date of the latest key development (a PartialDate;
    ``developments`` newest first), or None before there is any."""
    return developments[0].date if developments else None


def record_edited(negotiation):
    """The last change readers saw in the record: the negotiation's latest reader event."""
    return negotiation.reader_changed_at or negotiation.updated_at
