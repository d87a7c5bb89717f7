"""Reader events: what a write tells the readers' caches and followers, and when."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from negotiations.caching import edge, publication
from negotiations.models import (
    Actor,
    Entry,
    EntryType,
    Negotiation,
    Phase,
    Proposal,
    ReaderEvent,
    Source,
    Statement,
    StatusChange,
    participation,
)


def record_type_of(record):
    if isinstance(record, Entry):
        return record.entry_type
    return record._meta.model_name


# --------------------------------------------------------------------------- #
# Reader events: every change readers can see, and the reader versions it moves
# --------------------------------------------------------------------------- #


def record_events(events, *, negotiation_ids=(), at=None, proposal_of=None):
    """Write reader events (``ReaderEvent`` rows, unsaved) and move, by one, the reader
    version of each negotiation they name or ``negotiation_ids`` adds (the pages that
    show an actor or a source), and the ``shown_version`` of the entries showing what
    they changed (``touch_showing``; ``proposal_of``: the proposal of each status change
    among them, as read before the write). Call it inside the transaction of the
    change."""
    if not events:
        return
    at = at or timezone.now()
    for event in events:
        event.at = at
    ReaderEvent.objects.bulk_create(events)
    _schedule_fan_out(events)
    touch_showing(events, proposal_of=proposal_of)
    ids = {event.negotiation_id for event in events} | set(negotiation_ids)
    ids.discard(None)
    # Before the versions move: what readers had is kept for them during the build. On
    # commit the pages are built, the shared cache gets the new versions, then the edge
    # gets its purge.
    publication.moved(ids, purge_keys=edge.keys_of_events(events, negotiation_ids))
    if ids:
        Negotiation.objects.filter(pk__in=ids).update(
            reader_version=F("reader_version") + 1, reader_changed_at=at
        )


# What a reader event changes in the text of other entries than its own.
CHANGED_ON_OTHERS = {
    "actor": (ReaderEvent.Action.UPDATED, ReaderEvent.Action.DELETED),
    "source": (ReaderEvent.Action.UPDATED, ReaderEvent.Action.DELETED),
}


def touch_showing(events, *, proposal_of=None):
    """Move ``Entry.shown_version`` of every entry whose text shows what ``events``
    changed, so that its cached text (``caching.fragments.entry_key``: the entry's
    ``version`` and ``shown_version``) is built again, and nothing else is:

    - an actor changed or deleted: the entries naming it (``participation``: speakers,
      proposers, addressees, participants), which show its name, title and affiliation;
    - a source changed or deleted: the entries citing it;
    - a proposal (any event: its title, amount, visibility) or one of its status
      changes (its current status, each change's status before): the proposal and all
      its status changes, which read as its title; for a proposal also the statements
      about it and the proposals superseding it (its title, whether it may be named);
    - an entry corrected: the entry itself (a correction moves no version).

    Everything else an entry shows is its own (``version``), or moves with the day or
    the release (in the key). One UPDATE, none when nothing shows what changed."""
    proposal_of = proposal_of or {}
    corrected, named, families, changes, actors, sources = (set() for _ in range(6))
    for event in events:
        kind, pk = event.record_type, event.record_id
        if event.action == ReaderEvent.Action.CORRECTED:
            corrected.add(pk)
        if kind == EntryType.PROPOSAL:
            named.add(pk)
            families.add(pk)
        elif kind == EntryType.STATUS_CHANGE:
            if pk in proposal_of:
                families.add(proposal_of[pk])
            else:
                changes.add(pk)
        elif event.action in CHANGED_ON_OTHERS.get(kind, ()):
            (actors if kind == "actor" else sources).add(pk)
    if changes:  # not read before the write: their proposal, as stored now
        stored = StatusChange._base_manager.filter(pk__in=changes)
        families |= set(stored.values_list("proposal_id", flat=True))
    parts = []
    if corrected or families:
        parts.append(Entry._base_manager.filter(pk__in=corrected | families).values("pk"))
    if families:
        parts.append(StatusChange._base_manager.filter(proposal_id__in=families).values("pk"))
    if named:
        parts.append(Statement._base_manager.filter(proposal_id__in=named).values("pk"))
        parts.append(Proposal._base_manager.filter(supersedes_id__in=named).values("pk"))
    if actors:
        parts += [way.order_by().values("pk") for way in participation(actors).values()]
    if sources:
        cited = Entry.sources.through.objects.filter(source_id__in=sources)
        parts.append(cited.values("entry_id"))
    if not parts:
        return
    showing = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    Entry._base_manager.filter(pk__in=showing).order_by().update(
        shown_version=F("shown_version") + 1
    )


def _schedule_fan_out(events):
    """Alerts and webhooks (``following``) are fed by the reader events of entries: once
    the transaction that wrote them commits, a task of their own queue fans them out."""
    ids = [event.pk for event in events if event.record_type in EntryType.values]
    if ids:
        from following.tasks import schedule_fan_out

        transaction.on_commit(lambda ids=ids: schedule_fan_out(ids))


def _event(record_type, record_id, action, negotiation_id=None):
    return ReaderEvent(
        record_type=record_type,
        record_id=record_id,
        action=action,
        negotiation_id=negotiation_id,
    )


class ReaderWatch:
    """What readers see of some entries and of the sources they cite, taken before a
    write; ``record()`` after it writes the events of the difference.

    An entry that became visible is ``published``, one that stopped ``unpublished``
    (``deleted`` when it is gone), one visible before and after whose version moved
    ``updated`` (or the action given for it). A proposal's status changes are
    watched with it: they are shown only with their proposal. A source is
    ``published`` when the first visible entry cites it, ``unpublished`` when the last
    stops. Everything readers do not see — drafts, review, embargoed entries — makes
    no difference, and so no event.
    """

    def __init__(self, entry_ids=(), source_ids=()):
        self.entry_ids = set()
        self.proposal_of = {}
        self.source_ids = set(source_ids)
        self._add(entry_ids)
        self.entries = self._visible_entries()
        self.sources = self._visible_sources()

    def _add(self, entry_ids):
        new = {pk for pk in entry_ids if pk is not None} - self.entry_ids
        if not new:
            return
        # The status changes of watched proposals, and the proposal of each watched status
        # change (``touch_showing`` needs it once a status change is gone).
        changes = StatusChange.objects.filter(Q(proposal_id__in=new) | Q(pk__in=new))
        found = dict(changes.values_list("pk", "proposal_id"))
        self.proposal_of |= found
        new |= set(found)
        self.entry_ids |= new
        cited = Entry.sources.through.objects.filter(entry_id__in=new)
        self.source_ids |= set(cited.values_list("source_id", flat=True))

    def _visible_entries(self):
        if not self.entry_ids:
            return {}
        rows = (
            Entry.objects.published()
            .filter(pk__in=self.entry_ids)
            .values_list("pk", "version", "negotiation_id", "entry_type")
        )
        return {pk: (version, negotiation, kind) for pk, version, negotiation, kind in rows}

    def _visible_sources(self):
        if not self.source_ids:
            return set()
        found = Source.objects.published().filter(pk__in=self.source_ids)
        return set(found.values_list("pk", flat=True))

    def record(self, entry_ids=(), *, actions=None, deleted=(), created=()):
        """Write the events of what changed since the watch began; ``actions`` gives
        the action of an entry that stayed visible (``{pk: action}``, else
        ``updated``), ``deleted`` the ids that are gone, ``created`` the ids of entries
        written since the watch began, citing only the sources it watches (no status
        change names them yet: nothing to read)."""
        self.entry_ids |= {pk for pk in created if pk is not None}
        self._add(entry_ids)
        before, after = self.entries, self._visible_entries()
        events = []
        for pk in sorted(self.entry_ids):
            was, now = before.get(pk), after.get(pk)
            if was is None and now is None:
                continue
            _, negotiation_id, kind = now or was
            if was is None:
                action = ReaderEvent.Action.PUBLISHED
            elif now is None:
                gone = pk in deleted
                action = ReaderEvent.Action.DELETED if gone else ReaderEvent.Action.UNPUBLISHED
            elif was[0] != now[0] or pk in (actions or {}):
                action = (actions or {}).get(pk, ReaderEvent.Action.UPDATED)
            else:
                continue
            events.append(_event(kind, pk, action, negotiation_id))
        # A source is visible while a visible entry cites it: when no watched entry was
        # visible before nor is after (a draft written), none of theirs moved.
        sources = self._visible_sources() if before or after else self.sources
        for pk in sorted(sources - self.sources):
            events.append(_event("source", pk, ReaderEvent.Action.PUBLISHED))
        for pk in sorted(self.sources - sources):
            events.append(_event("source", pk, ReaderEvent.Action.UNPUBLISHED))
        record_events(events, proposal_of=self.proposal_of)
        self.entries, self.sources = after, sources
        return events


def negotiations_showing_actor(actor_id):
    """The ids of the negotiations whose reader pages show an actor: as a party, or
    named by an entry readers see."""
    parties = Negotiation.parties.through.objects.filter(actor_id=actor_id)
    ids = set(parties.values_list("negotiation_id", flat=True))
    named = (
        Q(as_statement__actor=actor_id)
        | Q(as_expectation__actor=actor_id)
        | Q(as_status_change__actor=actor_id)
        | Q(as_proposal__proposed_by=actor_id)
        | Q(as_proposal__addressed_to=actor_id)
        | Q(as_event__actors=actor_id)
    )
    entries = Entry.objects.published().filter(named)
    return ids | set(entries.values_list("negotiation_id", flat=True).distinct())


def negotiations_citing(source_id):
    """The ids of the negotiations an entry readers see cites a source in."""
    entries = Entry.objects.published().filter(sources=source_id)
    return set(entries.values_list("negotiation_id", flat=True).distinct())


def _record_event_of(record, action, *, creating=False):
    """The reader event of a save or deletion of a record that is not an entry:
    negotiations, phases and actors are public; a source only while a visible entry
    cites it (its first citation publishes it: ``ReaderWatch``)."""
    kind = record_type_of(record)
    if isinstance(record, Negotiation):
        negotiation_id = None if action == ReaderEvent.Action.DELETED else record.pk
        record_events([_event(kind, record.pk, action, negotiation_id)])
    elif isinstance(record, Phase):
        record_events([_event(kind, record.pk, action, record.negotiation_id)])
    elif isinstance(record, Actor):
        showing = () if creating else negotiations_showing_actor(record.pk)
        record_events([_event(kind, record.pk, action)], negotiation_ids=showing)
    elif isinstance(record, Source):
        showing = negotiations_citing(record.pk)
        if showing:
            record_events([_event(kind, record.pk, action)], negotiation_ids=showing)
