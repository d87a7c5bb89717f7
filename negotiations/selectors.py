"""What the reader pages, feeds, calendar and exports read.

Every function here starts from ``readable(user)``, which is the model's visibility
rule (``Entry.objects.visible_to``) plus one consequence of it: a status change is
only readable together with its proposal, so the title of a draft proposal never
reaches a reader through one of its published status changes. Each function costs
a constant number of queries, whatever the number of entries.

Reads only: writes go through ``negotiations.domain``.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_spaces_between_tags

from .dates import DatePrecision, PartialDate
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
    RecordChange,
    Stance,
    StatusChange,
    user_may_preview,
)

# --------------------------------------------------------------------------- #
# The base of every read
# --------------------------------------------------------------------------- #


def readable(user):
    """Entries this user may read, with flags for the proposals they point at.

    ``statement_proposal_visible`` (a statement's proposal) and ``supersedes_visible``
    (a proposal's earlier proposal) say whether that proposal may be named: pages
    show the link only then.
    """
    visible = Entry.objects.visible_to(user)
    visible_ids = Entry.objects.visible_to(user).values("pk")
    return visible.filter(
        ~Q(entry_type=EntryType.STATUS_CHANGE) | Q(as_status_change__proposal__in=visible_ids)
    ).annotate(
        statement_proposal_visible=Exists(
            Entry.objects.visible_to(user).filter(pk=OuterRef("as_statement__proposal_id"))
        ),
        supersedes_visible=Exists(
            Entry.objects.visible_to(user).filter(pk=OuterRef("as_proposal__supersedes_id"))
        ),
    )


def reader_timeline(queryset):
    """The model's timeline (kinds joined, relations prefetched) plus corrections."""
    return queryset.timeline().prefetch_related("corrections")


def is_preview(user):
    """Whether this user sees drafts: such pages are marked and never cached."""
    return user is not None and user_may_preview(user)


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


def involving(actor):
    """Entries in which the actor, or anyone speaking for it, takes part (``actor_ids``)."""
    actors = Actor.objects.filter(Q(pk=actor.pk) | Q(affiliation=actor.pk)).values("pk")
    return (
        Q(as_proposal__proposed_by__in=actors)
        | Q(
            pk__in=Proposal.addressed_to.through.objects.filter(actor__in=actors).values(
                "proposal_id"
            )
        )
        | Q(as_status_change__actor__in=actors)
        | Q(as_statement__actor__in=actors)
        | Q(pk__in=Event.actors.through.objects.filter(actor__in=actors).values("event_id"))
        | Q(as_expectation__actor__in=actors)
    )


def actors_in(negotiation, user):
    """The parties and every actor of the entries this user may read, by name."""
    entries = readable(user).for_negotiation(negotiation)
    ids = entries.values("pk")
    return list(
        Actor.objects.filter(
            Q(negotiations=negotiation)
            | Q(pk__in=entries.values("as_proposal__proposed_by"))
            | Q(pk__in=entries.values("as_status_change__actor"))
            | Q(pk__in=entries.values("as_statement__actor"))
            | Q(pk__in=entries.values("as_expectation__actor"))
            | Q(
                pk__in=Proposal.addressed_to.through.objects.filter(proposal__in=ids).values(
                    "actor_id"
                )
            )
            | Q(pk__in=Event.actors.through.objects.filter(event__in=ids).values("actor_id"))
        )
        .distinct()
        .order_by("name")
    )


# --------------------------------------------------------------------------- #
# Filters (the timeline's GET parameters)
# --------------------------------------------------------------------------- #


def overlapping(start=None, end=None):
    """Entries whose period overlaps [start, end] (PartialDates; either may be None).

    A partial date names a period: "February 2025" overlaps 20–28 February.
    """
    condition = Q()
    if end is not None:
        condition &= Q(date_start__lte=end.end)
    if start is not None:
        first = start.start
        condition &= (
            Q(date_precision=DatePrecision.DAY, date_start__gte=first)
            | Q(date_precision=DatePrecision.MONTH, date_start__gte=first.replace(day=1))
            | Q(date_precision=DatePrecision.YEAR, date_start__gte=first.replace(month=1, day=1))
        )
    return condition


def filtered(queryset, *, actor=None, kind=None, start=None, end=None, text=None):
    if actor is not None:
        queryset = queryset.filter(involving(actor))
    if kind:
        queryset = queryset.filter(entry_type=kind)
    if start is not None or end is not None:
        queryset = queryset.filter(overlapping(start, end))
    if text:
        queryset = queryset.search(text)  # the model's one full-text search
    return queryset


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
        return self.status in ProposalStatus.closed()


def status_trails(status_changes):
    """Each proposal's status changes in timeline order: {proposal_id: [StatusStep, …]}.

    ``status_changes`` are StatusChange rows in timeline order (the order that decides
    the current status in ``ProposalQuerySet.with_status``).
    """
    trails = {}
    for change in status_changes:
        trail = trails.setdefault(change.proposal_id, [])
        previous = trail[-1] if trail else None
        trail.append(
            StatusStep(
                status=change.status,
                label=change.get_status_display(),
                date=PartialDate(change.date_start, change.date_precision),
                entry_id=change.pk,
                previous=previous.status if previous else None,
                previous_label=previous.label if previous else None,
            )
        )
    return trails


def negotiation_trails(negotiation, user):
    changes = (
        StatusChange.objects.visible_to(user)
        .for_negotiation(negotiation)
        .chronological()
        .only("pk", "proposal_id", "status", "date_start", "date_precision")
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


def status_label(status):
    return ProposalStatus(status).label if status else "No status recorded"


def trails_for(entries, user):
    """The status trails of the proposals that ``entries`` show or change (one query)."""
    ids = set()
    for entry in entries:
        if entry.entry_type == EntryType.PROPOSAL:
            ids.add(entry.pk)
        elif entry.entry_type == EntryType.STATUS_CHANGE:
            ids.add(entry.as_status_change.proposal_id)
    if not ids:
        return {}
    changes = (
        StatusChange.objects.visible_to(user)
        .filter(proposal__in=ids)
        .chronological()
        .only("pk", "proposal_id", "status", "date_start", "date_precision")
    )
    return status_trails(changes)


def draft_label(entry, now):
    """How a preview marks an entry readers do not see yet ("" when they do)."""
    if entry.state != PublicationState.PUBLISHED:
        return entry.get_state_display()
    if entry.publish_at and entry.publish_at > now:
        moment = timezone.localtime(entry.publish_at)
        return f"Scheduled for {moment.day} {moment:%B %Y, %H:%M} UTC"
    return ""


def syndicated_html(entry):
    """An entry as HTML for feeds and exports: the page's template, without page-only
    parts, whitespace between tags removed."""
    html = render_to_string("negotiations/entries.html#entry", {"entry": entry, "syndicated": True})
    return strip_spaces_between_tags(html.strip())


def decorate(entries, trails):
    """Give entries what their templates show besides their own fields:
    a status change's previous status, a proposal's current status, a preview label."""
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


@dataclass
class Era:
    phase: object = None  # a Phase, or None for the time outside the named phases
    label: str = ""
    groups: list = field(default_factory=list)

    @property
    def entry_count(self):
        return sum(len(group.entries) for group in self.groups)


def phase_of(phases, date):
    """The phase containing the first day of ``date`` (a PartialDate).

    A partial date sorts at the start of its period, and is grouped the same way:
    "February 2025" belongs to the phase in which 1 February 2025 falls.
    """
    for phase in phases:
        if phase.starts_on <= date.start and (phase.ends_on is None or date.start <= phase.ends_on):
            return phase
    return None


def outside_label(phases, date):
    if not phases:
        return ""
    return "Earlier" if date.start < phases[0].starts_on else "Between phases"


def eras(entries, phases, *, keep_empty=True):
    """Group timeline entries into eras (the phase containing an entry's period), then
    by date. Phases without entries keep their place unless ``keep_empty`` is False."""
    phases = sorted(phases, key=lambda p: (p.starts_on, p.pk))
    remaining = list(phases)
    result = []

    def emit_phases_starting_by(day):
        while remaining and (day is None or remaining[0].starts_on <= day):
            phase = remaining.pop(0)
            if keep_empty:
                result.append(Era(phase=phase, label=phase.name))

    for entry in entries:
        date = PartialDate(entry.date_start, entry.date_precision)
        phase = phase_of(phases, date)
        if phase is None:
            label = outside_label(phases, date)
            if not result or result[-1].phase is not None or result[-1].label != label:
                emit_phases_starting_by(date.start - datetime.timedelta(days=1))
                result.append(Era(phase=None, label=label))
        elif not result or result[-1].phase is not phase:
            emit_phases_starting_by(phase.starts_on)
            if not result or result[-1].phase is not phase:
                result.append(Era(phase=phase, label=phase.name))
        era = result[-1]
        if not era.groups or era.groups[-1].date != date:
            era.groups.append(DateGroup(date=date))
        era.groups[-1].entries.append(entry)
    emit_phases_starting_by(None)
    # A phase shown empty before an entry outside the phases may get entries after it.
    used = {era.phase.pk for era in result if era.phase is not None and era.groups}
    return [era for era in result if era.groups or era.phase is None or era.phase.pk not in used]


# --------------------------------------------------------------------------- #
# Negotiation pages
# --------------------------------------------------------------------------- #


def negotiation_for_reader(slug):
    """The negotiation with what its ETag needs, in one query (404 when unknown).

    ``published_until`` is the latest publish time already reached: a scheduled entry
    appears without any write, so the page's validators must move with it.
    """
    published_until = (
        Entry.objects.published()
        .filter(negotiation=OuterRef("pk"), publish_at__isnull=False)
        .order_by("-publish_at")
        .values("publish_at")[:1]
    )
    try:
        return Negotiation.objects.annotate(published_until=Subquery(published_until)).get(
            slug=slug
        )
    except Negotiation.DoesNotExist:
        raise Http404("No negotiation at this address.") from None


@dataclass
class Standing:
    open_proposals: list
    pending_expectations: list
    trails: dict

    @property
    def is_empty(self):
        return not self.open_proposals and not self.pending_expectations


def pending_expectations(negotiation, user, today=None):
    """Pending expectations by due date (undated last); ``overdue`` once the due period
    has ended."""
    today = today or timezone.localdate()
    expectations = list(
        Expectation.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(outcome=Expectation.Outcome.PENDING)
        .select_related("actor", "negotiation")
        .order_by(F("due_date_start").asc(nulls_last=True), "date_start", "sequence", "pk")
    )
    for expectation in expectations:
        expectation.overdue = bool(expectation.due_date and expectation.due_date.end < today)
    return expectations


def standing(negotiation, user, *, trails=None, today=None):
    """Where things stand: open proposals with their status, pending expectations."""
    trails = negotiation_trails(negotiation, user) if trails is None else trails
    open_proposals = list(proposals_with_status(negotiation, user).open())
    for proposal in open_proposals:
        trail = trails.get(proposal.pk, [])
        proposal.status_since = trail[-1].date if trail else None
    return Standing(
        open_proposals=open_proposals,
        pending_expectations=pending_expectations(negotiation, user, today),
        trails=trails,
    )


@dataclass
class TimelinePage:
    entries: list
    eras: list
    total: int
    trails: dict
    statuses: dict
    standing: Standing
    proposals: list
    corrections: list


def timeline_page(negotiation, user, *, filters=None):
    """Everything the timeline page shows, in a constant number of queries."""
    filters = filters or {}
    base = readable(user).for_negotiation(negotiation)
    entries = list(reader_timeline(filtered(base, **filters)))
    total = base.count() if filters else len(entries)
    trails = negotiation_trails(negotiation, user)
    decorate(entries, trails)
    proposals = list(proposals_with_status(negotiation, user))
    statuses = {proposal.pk: proposal.current_status for proposal in proposals}
    phases = list(negotiation.phases.all())
    return TimelinePage(
        entries=entries,
        eras=eras(entries, phases, keep_empty=not filters),
        total=total,
        trails=trails,
        statuses=statuses,
        standing=standing(negotiation, user, trails=trails),
        proposals=proposals,
        corrections=corrections_log(negotiation, user),
    )


def corrections_log(negotiation, user):
    """Every correction of a readable entry of the negotiation, newest first."""
    return list(
        Correction.objects.filter(entry__in=readable(user).for_negotiation(negotiation))
        .select_related("entry__negotiation")
        .order_by("-made_at", "-pk")
    )


@dataclass
class ChangesPage:
    since: datetime.datetime
    status_changes: list
    new_entries: list
    updated_entries: list
    corrections: list

    @property
    def is_empty(self):
        return not (
            self.status_changes or self.new_entries or self.updated_entries or self.corrections
        )


def appeared_at(entry):
    """When readers could first see the entry: its publish time, or when it was logged."""
    if entry.publish_at and entry.publish_at > entry.created_at:
        return entry.publish_at
    return entry.created_at


def changes_since(negotiation, user, since):
    """What changed since ``since`` (an aware datetime): new entries, status changes,
    entries updated or newly published, and corrections; newest first."""
    changed_ids = RecordChange.objects.filter(
        negotiation=negotiation,
        changed_at__gte=since,
        record_type__in=EntryType.values,
    ).values("record_id")
    now = timezone.now()
    entries = list(
        reader_timeline(
            readable(user)
            .for_negotiation(negotiation)
            .filter(
                Q(created_at__gte=since)
                | Q(publish_at__gte=since, publish_at__lte=now)
                | Q(pk__in=changed_ids)
            )
        )
    )
    decorate(entries, negotiation_trails(negotiation, user))
    new, updated = [], []
    for entry in entries:
        entry.appeared_at = appeared_at(entry)
        (new if entry.appeared_at >= since else updated).append(entry)

    def newest_first(items, key):
        return sorted(items, key=key, reverse=True)

    status_changes = [e for e in new if e.entry_type == EntryType.STATUS_CHANGE]
    others = [e for e in new if e.entry_type != EntryType.STATUS_CHANGE]
    corrections = list(
        Correction.objects.filter(
            entry__in=readable(user).for_negotiation(negotiation), made_at__gte=since
        )
        .select_related("entry__negotiation")
        .order_by("-made_at", "-pk")
    )
    return ChangesPage(
        since=since,
        status_changes=newest_first(status_changes, lambda e: (e.appeared_at, e.pk)),
        new_entries=newest_first(others, lambda e: (e.appeared_at, e.pk)),
        updated_entries=newest_first(updated, lambda e: (e.updated_at, e.pk)),
        corrections=corrections,
    )


@dataclass
class NextPage:
    today: datetime.date
    scheduled_events: list
    pending_expectations: list
    open_proposals: list
    trails: dict


def coming_next(negotiation, user, today=None):
    """Scheduled events (soonest first), pending expectations by due date, open proposals."""
    today = today or timezone.localdate()
    # Any period that has not ended by today starts in this year or later.
    candidates = reader_timeline(
        readable(user)
        .for_negotiation(negotiation)
        .filter(entry_type=EntryType.EVENT, date_start__gte=today.replace(month=1, day=1))
    )
    events = [entry for entry in candidates if entry.as_event.is_scheduled]
    trails = negotiation_trails(negotiation, user)
    decorate(events, trails)
    stand = standing(negotiation, user, trails=trails, today=today)
    return NextPage(
        today=today,
        scheduled_events=events,
        pending_expectations=stand.pending_expectations,
        open_proposals=stand.open_proposals,
        trails=trails,
    )


@dataclass
class ProposalPage:
    entry: Entry  # the proposal's timeline entry (``entry.as_proposal`` is the proposal)
    current_status: str | None
    trail: list
    statements: list
    successors: list


def proposal_page(negotiation, pk, user):
    proposal_entry = Q(pk=pk, entry_type=EntryType.PROPOSAL)
    related = (
        Q(as_status_change__proposal=pk)
        | Q(as_statement__proposal=pk)
        | Q(as_proposal__supersedes=pk)
    )
    entries = list(
        reader_timeline(
            readable(user).for_negotiation(negotiation).filter(proposal_entry | related)
        )
    )
    entry = next((e for e in entries if e.pk == pk and e.entry_type == EntryType.PROPOSAL), None)
    if entry is None:
        raise Http404("No proposal at this address.")
    changes = [e.as_status_change for e in entries if e.entry_type == EntryType.STATUS_CHANGE]
    trails = status_trails(changes)
    decorate(entries, trails)
    trail = trails.get(pk, [])
    return ProposalPage(
        entry=entry,
        current_status=trail[-1].status if trail else None,
        trail=trail,
        statements=[e for e in entries if e.entry_type == EntryType.STATEMENT],
        successors=[e for e in entries if e.entry_type == EntryType.PROPOSAL and e.pk != pk],
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


def positions(negotiation, user):
    """Actors × proposals: each actor's latest stated stance on each proposal."""
    statements = list(
        reader_timeline(
            readable(user)
            .for_negotiation(negotiation)
            .filter(entry_type=EntryType.STATEMENT, statement_proposal_visible=True)
            .exclude(as_statement__stance="")
        )
    )
    proposals = list(proposals_with_status(negotiation, user))
    latest = {}
    actors = {}
    for entry in statements:
        statement = entry.as_statement
        actors[statement.actor_id] = statement.actor
        key = (statement.actor_id, statement.proposal_id)
        position = Position(
            stance=statement.stance,
            label=Stance(statement.stance).label,
            date=PartialDate(entry.date_start, entry.date_precision),
            entry=entry,
        )
        earlier = latest.get(key)
        if earlier is not None:
            position.earlier = earlier.earlier + (
                [earlier.label] if earlier.stance != statement.stance else []
            )
        latest[key] = position
    discussed = {proposal_id for _, proposal_id in latest}
    proposals = [p for p in proposals if p.pk in discussed]
    ordered = sorted(actors.values(), key=lambda a: a.name)
    rows = [(actor, [(p, latest.get((actor.pk, p.pk))) for p in proposals]) for actor in ordered]
    return PositionsPage(actors=ordered, proposals=proposals, rows=rows)


def embed_entries(negotiation, *, key_only=False, limit=30):
    """The latest published entries (oldest first) for the embed, and how many in all."""
    entries = readable(None).for_negotiation(negotiation)
    if key_only:
        entries = entries.filter(key=True)
    total = entries.count()
    shown = list(reader_timeline(entries).reverse()[:limit])[::-1]
    decorate(shown, negotiation_trails(negotiation, None))
    return shown, total


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


def actor_entries(actor, user):
    return reader_timeline(readable(user).filter(involving(actor)))


def actor_page(actor, user):
    entries = list(actor_entries(actor, user))
    members = list(actor.members.order_by("name"))
    statements = [e for e in entries if e.entry_type == EntryType.STATEMENT]
    proposals = [
        e
        for e in entries
        if e.entry_type == EntryType.PROPOSAL
        and e.as_proposal.proposed_by_id in {actor.pk, *[m.pk for m in members]}
    ]
    decorate(entries, trails_for(entries, user))
    shown = {e.pk for e in statements} | {e.pk for e in proposals}
    negotiations = {}
    for entry in entries:
        negotiations.setdefault(entry.negotiation_id, entry.negotiation)
    return ActorPage(
        actor=actor,
        members=members,
        statements=statements,
        proposals=proposals,
        stances=[e for e in statements if e.as_statement.stance and e.statement_proposal_visible],
        expectations=[e for e in entries if e.entry_type == EntryType.EXPECTATION],
        other_entries=[
            e for e in entries if e.pk not in shown and e.entry_type != EntryType.EXPECTATION
        ],
        negotiations=sorted(negotiations.values(), key=lambda n: n.title),
    )


# --------------------------------------------------------------------------- #
# Home
# --------------------------------------------------------------------------- #


def negotiation_list(user):
    """Every negotiation with its readable entry count, latest entry and last update."""
    entries = readable(user).filter(negotiation=OuterRef("pk"))
    negotiations = list(
        Negotiation.objects.annotate(
            entry_count=Coalesce(
                Subquery(
                    entries.order_by()
                    .values("negotiation")
                    .annotate(count=Count("pk"))
                    .values("count")
                ),
                0,
            ),
            latest_entry_id=Subquery(
                entries.order_by("-date_start", "-sequence", "-pk").values("pk")[:1]
            ),
            entries_updated_at=Subquery(entries.order_by("-updated_at").values("updated_at")[:1]),
            entries_published_at=Subquery(
                entries.filter(publish_at__isnull=False)
                .order_by("-publish_at")
                .values("publish_at")[:1]
            ),
        )
        .prefetch_related("parties")
        .order_by("-changed_at", "title")
    )
    latest = {
        entry.pk: entry
        for entry in readable(user)
        .filter(pk__in=[n.latest_entry_id for n in negotiations if n.latest_entry_id])
        .timeline()
    }
    for negotiation in negotiations:
        negotiation.latest_entry = latest.get(negotiation.latest_entry_id)
        negotiation.last_updated = last_updated(negotiation)
    return negotiations


def last_updated(negotiation):
    """The last change a reader can see: the negotiation's record or a readable entry."""
    moments = [
        negotiation.updated_at,
        getattr(negotiation, "entries_updated_at", None),
        getattr(negotiation, "entries_published_at", None),
    ]
    return max(moment for moment in moments if moment is not None)


def reader_stamp(negotiation, user):
    """Last update as a reader sees it, for the page header (one query)."""
    entries = readable(user).for_negotiation(negotiation)
    found = entries.aggregate(updated=Max("updated_at"), published=Max("publish_at"))
    negotiation.entries_updated_at = found["updated"]
    now = timezone.now()
    negotiation.entries_published_at = (
        found["published"] if found["published"] and found["published"] <= now else None
    )
    return last_updated(negotiation)
