"""Entries as the reader pages show them: status trails, draft labels, eras."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import (
    CharField,
    F,
    Value,
)
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import mark_safe

from negotiations.dates import PartialDate
from negotiations.models import (
    EntryType,
    Proposal,
    ProposalStatus,
    PublicationState,
    StatusChange,
    place_in_phases,
)


@dataclass
class StatusStep:
    status: str
    label: str
    date: PartialDate
    entry_id: int
    previous_label: str | None = None

    @property
    def closed(self):
        return ProposalStatus.is_closed(self.status)


def status_trails(status_changes):
    """Each proposal's status changes, rows of ``TRAIL_FIELDS`` in timeline order (the
    order that decides ``EntryQuerySet.with_status``): {proposal_id: [StatusStep, …]}."""
    trails = {}
    for pk, proposal_id, status, date_start, date_precision in status_changes:
        trail = trails.setdefault(proposal_id, [])
        previous = trail[-1] if trail else None
        trail.append(
            StatusStep(
                status=status,
                label=ProposalStatus.label_of(status),
                date=PartialDate(date_start, date_precision),
                entry_id=pk,
                previous_label=previous.label if previous else None,
            )
        )
    return trails


TRAIL_FIELDS = ("pk", "proposal_id", "status", "date_start", "date_precision")


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
    """The status trails of the proposals that ``entries`` show or change, and which
    proposals they point at may be named, in one query (none when there are neither)."""
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


def draft_label(entry, now):
    """How a preview marks an entry readers do not see yet ("" when they do)."""
    if entry.state != PublicationState.PUBLISHED:
        return entry.get_state_display()
    if entry.publish_at and entry.publish_at > now:
        moment = timezone.localtime(entry.publish_at)
        return f"Scheduled for {moment.day} {moment:%B %Y, %H:%M} UTC"
    return ""


def rendered(template, context):
    """``template`` rendered as a fragment of another page (marked safe: the template
    escaped what it shows)."""
    return mark_safe(render_to_string(template, context).strip())


def syndicated_html(entry):
    """An entry as HTML for feeds and exports: the page's markup, without page-only
    parts, whitespace between tags removed."""
    html = render_to_string("negotiations/entries.html#entry", {"entry": entry, "syndicated": True})
    return strip_spaces_between_tags(html.strip())


@dataclass
class Reference:
    number: int
    source: object


class CitedSource(NamedTuple):
    """A source as a cached entry keeps it (``timeline.ListedEntry``): what a page's list
    of sources shows of it."""

    pk: int
    url: str
    title: str
    publisher: str
    published_on: datetime.date | None

    @classmethod
    def of(cls, source):
        return cls(source.pk, source.url, source.title, source.publisher, source.published_on)


def cite(*groups):
    """Number the sources of a page's entries once each, in the order first cited (the
    page lists them at its foot); each entry gets ``citations``, its references."""
    references = {}
    for entries in groups:
        for entry in entries:
            entry.citations = _cited(references, entry.sources.all())
    return list(references.values())


def references_of(entries):
    """``cite`` for cached entries (``timeline.ListedEntry``, which keep their
    ``sources``): the page's references, numbered once each in the order first cited."""
    references = {}
    for entry in entries:
        _cited(references, entry.sources)
    return list(references.values())


def _cited(references, sources):
    """The references of ``sources``, numbering the ones not yet in ``references``."""
    citations = []
    for source in sources:
        if source.pk not in references:
            references[source.pk] = Reference(len(references) + 1, source)
        citations.append(references[source.pk])
    return citations


def decorate(entries, user, trails=None):
    """Give entries what their templates show besides their own fields: a status change's
    previous status, a proposal's current status, a preview label, and whether the
    proposal a statement is about or a proposal supersedes may be named (pages show its
    title and link only then). Without ``trails`` (already read), read with what may be
    named (``trails_and_named``); else what may be named is one query."""
    if trails is None:
        trails, named = trails_and_named(entries, user)
    else:
        pointed = pointed_proposals(entries)
        visible = Proposal.objects.visible_to(user).filter(pk__in=pointed)
        named = set(visible.values_list("pk", flat=True)) if pointed else set()
    previous, current = {}, {}
    for proposal_id, trail in trails.items():
        current[proposal_id] = trail[-1].status
        for step in trail:
            previous[step.entry_id] = step.previous_label
    now = timezone.now()
    for entry in entries:
        statement = entry.as_statement if entry.entry_type == EntryType.STATEMENT else None
        proposal = entry.as_proposal if entry.entry_type == EntryType.PROPOSAL else None
        entry.statement_proposal_visible = bool(statement and statement.proposal_id in named)
        entry.supersedes_visible = bool(proposal and proposal.supersedes_id in named)
        entry.previous_status_label = previous.get(entry.pk)
        if proposal is not None:
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


# The era of entries dated to a month or a year that no phase holds whole.
LOOSELY_DATED = "Dated only roughly"


def eras(entries, phases, *, keep_empty=True, earlier=False, later=False):
    """Group timeline entries into eras (``models.place_in_phases``, the one rule), then
    by date. Phases without entries keep their place unless ``keep_empty`` is False; on
    one page of a longer timeline (``earlier``/``later``: entries before/after it) only
    where they fall within the page."""
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
