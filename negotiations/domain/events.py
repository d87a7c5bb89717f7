"""Reader events: what a write tells the readers' caches and followers, and when."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from negotiations.caching import edge, reader_versions
from negotiations.models import (
    Actor,
    Entry,
    EntryType,
    Negotiation,
    Phase,
    ReaderEvent,
    Source,
    StatusChange,
)


def record_type_of(record):
    if isinstance(record, Entry):
        return record.entry_type
    return record._meta.model_name


# --------------------------------------------------------------------------- #
# Reader events: every change readers can see, and the reader versions it moves
# --------------------------------------------------------------------------- #


def record_events(events, *, negotiation_ids=(), at=None):
    """Write reader events (``ReaderEvent`` rows, unsaved) and move, by one, the reader
    version of each negotiation they name or ``negotiation_ids`` adds (the pages that
    show an actor or a source). Call it inside the transaction of the change."""
    if not events:
        return
    at = at or timezone.now()
    for event in events:
        event.at = at
    ReaderEvent.objects.bulk_create(events)
    _schedule_fan_out(events)
    ids = {event.negotiation_id for event in events} | set(negotiation_ids)
    ids.discard(None)
    if ids:
        Negotiation.objects.filter(pk__in=ids).update(
            reader_version=F("reader_version") + 1, reader_changed_at=at
        )
    # The shared cache gets the new versions on commit, then the edge its purge.
    reader_versions.moved(ids, purge_keys=edge.keys_of_events(events, negotiation_ids))


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
        self.source_ids = set(source_ids)
        self._add(entry_ids)
        self.entries = self._visible_entries()
        self.sources = self._visible_sources()

    def _add(self, entry_ids):
        new = {pk for pk in entry_ids if pk is not None} - self.entry_ids
        if not new:
            return
        new |= set(StatusChange.objects.filter(proposal_id__in=new).values_list("pk", flat=True))
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

    def record(self, entry_ids=(), *, actions=None, deleted=()):
        """Write the events of what changed since the watch began; ``actions`` gives
        the action of an entry that stayed visible (``{pk: action}``, else
        ``updated``), ``deleted`` the ids that are gone."""
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
        record_events(events)
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
