"""Every write to the record goes through these functions.

Admin, API, management commands and imports call them, so the rules are
checked once: field and constraint validation (``full_clean``), the rules across
records, publication rights, optimistic locking by ``version``, the history user,
the change log, and the reader events with the reader versions they move
(``ReaderWatch``, docs/architecture.md).
"""

import datetime
import json
import logging
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, models, transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone
from django.utils.text import slugify

from negotiations import edge
from negotiations.dates import PartialDate
from negotiations.models import (
    Actor,
    Correction,
    Entry,
    EntryType,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    PublicationState,
    ReaderEvent,
    RecordChange,
    Revision,
    Source,
    Statement,
    StatusChange,
    normalize_source_url,
)
from negotiations.quotes import without_outer_quotes

PUBLISH_PERMISSION = "negotiations.publish_entry"

logger = logging.getLogger(__name__)

# ``expected_revision`` when the caller does not say which pending revision it saw
# (``None`` says it saw none).
NOT_CHECKED = object()


class ConflictError(Exception):
    """The record changed since the editor loaded it; nothing was written."""

    def __init__(self, record, *, what=None):
        self.record = record
        latest = record.history.order_by("-history_date").select_related("history_user").first()
        self.changed_by = latest.history_user if latest else None
        self.changed_at = latest.history_date if latest else None
        who = self.changed_by.get_username() if self.changed_by else "someone else"
        when = f" at {self.changed_at:%Y-%m-%d %H:%M} UTC" if self.changed_at else ""
        name = f"{record._meta.verbose_name.capitalize()} “{record}”"
        what = what or f"{name} was changed by {who}{when} after you opened it."
        super().__init__(f"{what} Nothing was saved: reload it and apply your change again.")


def _revision_conflict(entry, pending):
    """The pending revision is not the one the caller saw."""
    name = f"{entry._meta.verbose_name.capitalize()} “{entry}”"
    if pending is None:
        what = f"The pending revision of {name} was published or discarded after you opened it."
    else:
        who = pending.created_by.get_username() if pending.created_by else "someone else"
        what = (
            f"{name} got a pending revision by {who} at {pending.created_at:%Y-%m-%d %H:%M} UTC "
            "after you opened it."
        )
    return ConflictError(entry, what=what)


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
    edge.purge_on_commit(edge.keys_of_events(events, negotiation_ids))


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
        sources = self._visible_sources()
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


def _live_since(entry, now):
    """When readers could first see the entry as it is now saved: kept while it stays
    live, now when it goes live, None while it is not published or embargoed."""
    if entry.state != PublicationState.PUBLISHED:
        return None
    if entry.publish_at is not None and entry.publish_at > now:
        return None
    if entry._state.adding:
        return now
    stored = Entry._base_manager.filter(pk=entry.pk, state=PublicationState.PUBLISHED)
    return stored.values_list("live_since", flat=True).first() or now


def _schedule_lift(entry):
    """An embargoed entry is made live by a task at its publish time, once the
    transaction that set it commits."""
    if entry.state != PublicationState.PUBLISHED or entry.live_since is not None:
        return
    if entry.publish_at is None:
        return
    from negotiations.tasks import schedule_embargo_lift

    transaction.on_commit(lambda at=entry.publish_at: schedule_embargo_lift(at))


LIFT_BATCH = 100


def lift_due_embargoes(*, now=None):
    """Make live the published entries whose publish time came (``live_since``), with
    their events and reader versions, a short transaction per batch. Idempotent, and
    safe to run in several processes at once: a row another run holds is skipped
    (PostgreSQL), and on SQLite each transaction takes the write lock when it begins.
    Returns how many entries it made live."""
    lifted = 0
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            due = Entry.objects.embargo_due(at=at).order_by("publish_at", "pk")
            if connections[due.db].features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            ids = list(due.values_list("pk", flat=True)[:LIFT_BATCH])
            if not ids:
                return lifted
            watch = ReaderWatch(ids)
            Entry.objects.filter(pk__in=ids, live_since__isnull=True).update(live_since=at)
            watch.record(ids)
        lifted += len(ids)


def _lapses_at(expectation):
    """When a pending expectation lapses (``Expectation.lapses_on``), at midnight UTC
    (the site's time zone); None without a due date or once resolved."""
    day = expectation.lapses_on
    if day is None or expectation.outcome != Expectation.Outcome.PENDING:
        return None
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def _schedule_lapse(entry):
    """A live pending expectation with a due date gets a task at the time it lapses,
    once the transaction commits (``record_lapsed_expectations`` decides then)."""
    if not isinstance(entry, Expectation) or entry.live_since is None:
        return
    at = _lapses_at(entry)
    if at is None or at <= timezone.now() - LAPSE_CATCH_UP:
        return
    from negotiations.tasks import schedule_lapse_check

    transaction.on_commit(lambda at=at: schedule_lapse_check(at))


# Lapses older than this are not news: the worker's catch-up after downtime skips them.
LAPSE_CATCH_UP = datetime.timedelta(days=7)


def record_lapsed_expectations(*, now=None):
    """Record an ``overdue`` reader event for each expectation readers see whose due
    period ended (within ``LAPSE_CATCH_UP``) with no outcome, once per expectation.
    Idempotent; returns how many it recorded."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    candidates = (
        Expectation.objects.published(at=now)
        .filter(
            outcome=Expectation.Outcome.PENDING,
            due_date_start__lt=today,
            due_date_start__gte=today - datetime.timedelta(days=400),
        )
        .exclude(
            pk__in=ReaderEvent.objects.filter(
                record_type=EntryType.EXPECTATION, action=ReaderEvent.Action.OVERDUE
            ).values("record_id")
        )
        .order_by("pk")
    )
    recorded = 0
    for expectation in candidates.iterator():
        lapsed = _lapses_at(expectation)
        if lapsed is None or not (now - LAPSE_CATCH_UP < lapsed <= now):
            continue
        with transaction.atomic():
            # Hold the entry: a concurrent run waits, then finds the event recorded.
            list(Entry.objects.select_for_update().filter(pk=expectation.pk).values("pk"))
            done = ReaderEvent.objects.filter(
                record_type=EntryType.EXPECTATION,
                record_id=expectation.pk,
                action=ReaderEvent.Action.OVERDUE,
            )
            if done.exists():
                continue
            event = _event(
                EntryType.EXPECTATION,
                expectation.pk,
                ReaderEvent.Action.OVERDUE,
                expectation.negotiation_id,
            )
            record_events([event], at=now)
        recorded += 1
    return recorded


def oldest_due_embargo(now=None):
    """The publish time of the oldest embargo due but not lifted yet, or None."""
    due = Entry.objects.embargo_due(at=now).order_by("publish_at")
    return due.values_list("publish_at", flat=True).first()


def _log_change(record, action, *, negotiation_id=None, at):
    RecordChange.objects.update_or_create(
        record_type=record_type_of(record),
        record_id=record.pk,
        defaults={"action": action, "changed_at": at, "negotiation_id": negotiation_id},
    )


def _negotiation_ids_of(record):
    """The negotiations whose pages show this record (None: potentially all)."""
    if isinstance(record, Entry):
        return [record.negotiation_id]
    if isinstance(record, Negotiation):
        return [record.pk]
    if isinstance(record, Phase):
        return [record.negotiation_id]
    return None


def _history_user(user):
    return user if user is not None and user.is_authenticated else None


def _claim_version(record, expected_version):
    """Compare-and-swap the version: the one guard against lost edits."""
    model = type(record)
    # Update the table that holds the column (Entry for every kind): through a child
    # model Django would pre-select the ids and drop the version condition from the
    # UPDATE, and two concurrent saves of the same version would both succeed.
    owner = model._meta.get_field("version").model
    claimed = owner._base_manager.filter(pk=record.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise ConflictError(model._base_manager.get(pk=record.pk))
    record.version = expected_version + 1


_SURROGATE = re.compile("[\ud800-\udfff]")


def _strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)


def _text_problem(text):
    if "\x00" in text:
        return "Null characters are not allowed."
    if _SURROGATE.search(text):
        return "Unpaired surrogate characters are not allowed."
    return None


def _unstorable_text(record):
    """Field-keyed errors for characters no database here stores: NUL (PostgreSQL
    refuses it in text and JSON) and unpaired surrogates (not UTF-8). Forms and the API
    refuse them already; imports, commands and scripts reach the domain directly."""
    errors = {}
    for field in record._meta.concrete_fields:
        if not field.editable:
            continue
        for text in _strings_in(getattr(record, field.attname)):
            if problem := _text_problem(text):
                errors[field.name] = [problem]
                break
    return errors


def _store(record, *, by, m2m=None, expected_version=None, validate_extra=None):
    """Validate, save with history, set many-to-many values and log the change (the
    callers record the reader events)."""
    creating = record._state.adding
    m2m = m2m or {}
    errors = _unstorable_text(record)
    if errors:
        raise ValidationError(errors)  # before full_clean, whose unique checks query with it
    try:
        record.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if validate_extra:
        for field, messages in validate_extra().items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    with transaction.atomic():
        if not creating:
            _claim_version(record, record.version if expected_version is None else expected_version)
        renamed = _renamed(record)
        record.updated_at = now
        record._history_user = _history_user(by)
        record._pending_related_ids = {
            name: [getattr(value, "pk", value) for value in values] for name, values in m2m.items()
        }
        record.save()
        if renamed:
            _refresh_search_text(_entries_naming(record))
        for name, values in m2m.items():
            getattr(record, name).set(values)
        negotiation_ids = _negotiation_ids_of(record)
        negotiation_id = negotiation_ids[0] if negotiation_ids else None
        _log_change(
            record,
            RecordChange.Action.CREATED if creating else RecordChange.Action.UPDATED,
            negotiation_id=negotiation_id,
            at=now,
        )
    return record


# Records whose name other entries' headlines, and so their search text, show.
NAME_FIELDS = {Actor: "name", Proposal: "title"}


def _renamed(record):
    """Whether this save changes a name other entries' search text shows."""
    field = next((f for model, f in NAME_FIELDS.items() if isinstance(record, model)), None)
    if field is None or record._state.adding:
        return False
    same = {"pk": record.pk, field: getattr(record, field)}
    return not type(record)._base_manager.filter(**same).exists()


def _entries_naming(record):
    """The entries whose headline shows the record's name: an actor's statements and
    expectations, a proposal's status changes."""
    if isinstance(record, Actor):
        return [
            Statement.objects.filter(actor=record).select_related("actor"),
            Expectation.objects.filter(actor=record).select_related("actor"),
        ]
    return [StatusChange.objects.filter(proposal=record).select_related("proposal")]


def _refresh_search_text(querysets, batch=500):
    """Write these entries' search text anew. It is derived from their own fields and
    the names they show: no version, history or change log of their own."""
    for queryset in querysets:
        found = list(queryset)
        for start in range(0, len(found), batch):
            rows = [
                Entry(pk=entry.pk, search_text=entry.build_search_text())
                for entry in found[start : start + batch]
            ]
            Entry.objects.bulk_update(rows, ["search_text"])


def save_record(record, *, by, m2m=None, expected_version=None):
    """Create or update an actor, negotiation, phase or source."""
    if isinstance(record, Entry):
        raise TypeError("Timeline entries are saved with save_entry().")
    creating = record._state.adding
    with transaction.atomic():
        if isinstance(record, Negotiation):
            _stamp_state_of_play(record, by=by)
        _store(record, by=by, m2m=m2m, expected_version=expected_version)
        action = ReaderEvent.Action.PUBLISHED if creating else ReaderEvent.Action.UPDATED
        _record_event_of(record, action, creating=creating)
    return record


def _state_of_play_changed(negotiation):
    if negotiation._state.adding:
        return bool(negotiation.state_of_play)
    stored = Negotiation._base_manager.filter(pk=negotiation.pk)
    return stored.values_list("state_of_play", flat=True).first() != negotiation.state_of_play


def _stamp_state_of_play(negotiation, *, by):
    """A new state of play is dated, and written by editors only. It is news, not a
    correction: the negotiation's save records it as ``updated`` like any other change,
    and its history keeps every version (``selectors.state_of_play_history``)."""
    negotiation.state_of_play = (negotiation.state_of_play or "").strip()
    if not _state_of_play_changed(negotiation):
        return
    if by is not None and not may_publish(by):
        raise PermissionDenied("Only editors can write the state of play.")
    negotiation.state_of_play_updated_at = timezone.now()


def set_state_of_play(negotiation, *, text, by, expected_version=None):
    """Write where the talks stand (editors only; ``by=None`` is the system itself)."""
    negotiation.state_of_play = text
    return save_record(negotiation, by=by, expected_version=expected_version)


def delete_record(record, *, by, expected_version=None):
    """Delete any record, leaving a history row and a tombstone in the change log.

    Only users with the model's delete permission (Editors) may delete; ``by=None``
    is the system. The history row keeps everything needed to bring the record
    back (``restore_deleted``): its relations and, for an entry, its corrections.
    """
    if isinstance(record, Entry):
        # The kind's own row carries the history (the spine has none).
        record = record.specific
    if not may_delete(by, type(record)):
        raise PermissionDenied(
            f"Only editors can delete {record._meta.verbose_name_plural}; nothing was deleted."
        )
    detachments = check_deletable(record)
    with transaction.atomic():
        if expected_version is not None:
            _claim_version(record, expected_version)
        for referrer, changes in detachments:
            _detach(referrer, changes, deleted=record, by=by)
        negotiation_ids = _negotiation_ids_of(record)
        record_type, record_pk = record_type_of(record), record.pk
        if isinstance(record, Proposal):
            # Its status changes go with it: give them tombstones too, marked so that
            # bringing the proposal back brings them back.
            for change in record.status_changes.all():
                change._change_reason = _deleted_with_reason(record)
                delete_record(change, by=by)
        corrections = _corrections_snapshot(record) if isinstance(record, Entry) else None
        if isinstance(record, Entry):
            watch = ReaderWatch([record_pk])
        else:
            _record_event_of(record, ReaderEvent.Action.DELETED)  # while it is cited
        record._history_user = _history_user(by)
        record._pending_related_ids = {
            field.name: list(getattr(record, field.name).values_list("pk", flat=True))
            for field in record._meta.many_to_many
        }
        record.delete()
        if corrections:
            tombstone = latest_version(type(record), record_pk)
            tombstone.related_ids = {**tombstone.related_ids, "corrections": corrections}
            tombstone.save(update_fields=["related_ids"])
        now = timezone.now()
        RecordChange.objects.update_or_create(
            record_type=record_type,
            record_id=record_pk,
            defaults={
                "action": RecordChange.Action.DELETED,
                "changed_at": now,
                # A deleted negotiation's own tombstone cannot refer to it.
                "negotiation_id": None
                if isinstance(record, Negotiation) or not negotiation_ids
                else negotiation_ids[0],
            },
        )
        if isinstance(record, Entry):
            watch.record(deleted={record_pk})


def _detachments(record):
    """What deleting ``record`` changes in other content records, without writing.

    The database would silently drop ``record`` from the many-to-many fields that list
    it (an entry's sources, a proposal's addressees, an event's actors, a
    negotiation's parties) and set to null the foreign keys declared ``SET_NULL`` (a
    statement's proposal, a proposal's ``supersedes``): no history row, no version,
    no change log for those records. ``delete_record`` saves each of them through
    the domain first instead. Returns ``[(referrer, {field: new value})]``, each
    referrer as its own kind, the change applied in memory.
    """
    found = {}
    for relation in record._meta.related_objects:
        if not (relation.many_to_many or relation.on_delete is models.SET_NULL):
            continue  # PROTECT refuses, CASCADE goes with it (with its own history)
        model, field = relation.related_model, relation.field
        if not (issubclass(model, Entry) or hasattr(model, "history")):
            continue  # bookkeeping (the change log), not content
        for referrer in model._base_manager.filter(**{field.name: record.pk}).order_by("pk"):
            if isinstance(referrer, Entry):
                referrer = referrer.specific
            referrer, changes = found.setdefault((type(referrer), referrer.pk), (referrer, {}))
            if relation.many_to_many:
                kept = getattr(referrer, field.name).exclude(pk=record.pk)
                changes[field.name] = list(kept.values_list("pk", flat=True))
            else:
                setattr(referrer, field.attname, None)
                changes[field.name] = None
    return list(found.values())


def _blockers(detachments):
    """The referrers that cannot do without the record (their own rules), with why."""
    blockers = []
    for referrer, changes in detachments:
        errors = {}
        try:
            referrer.full_clean()
        except ValidationError as error:
            errors.update(error.message_dict)
        if isinstance(referrer, Entry):
            sources = changes.get("sources")
            sources = list(referrer.sources.all()) if sources is None else sources
            errors.update(_entry_rule_errors(referrer, sources))
        if errors:
            blockers.append((referrer, " ".join(m for ms in errors.values() for m in ms)))
    return blockers


def _blocked_message(record, blockers):
    named = "; ".join(f"{r._meta.verbose_name} “{r}”: {why}" for r, why in blockers[:3])
    return (
        f"{record._meta.verbose_name.capitalize()} “{record}” is still needed ({named}). "
        "Change those first; nothing was deleted."
    )


def _detach(referrer, changes, *, deleted, by):
    """Save ``referrer`` without the deleted record, as a new version with history."""
    m2m = {name: value for name, value in changes.items() if isinstance(value, list)}
    referrer._change_reason = f"{deleted._meta.verbose_name.capitalize()} #{deleted.pk} deleted"
    if isinstance(referrer, Entry):
        sources = m2m.pop("sources", None)
        save_entry(referrer, by=by, sources=sources, m2m=m2m, keep_sequence=True, minor_fix=True)
    else:
        save_record(referrer, by=by, m2m=m2m)


def check_deletable(record):
    """Refuse, before anything is written, a deletion that would break another record.

    Raises ValidationError (a published entry's last source) or ProtectedError (the
    records that cannot do without this one, with why); otherwise returns what the
    deletion changes elsewhere (``_detachments``). The admin's delete pages ask it
    first, so they list the reasons instead of deleting.
    """
    if isinstance(record, Entry):
        record = record.specific
    if isinstance(record, Source):
        _check_not_the_last_source(record)
    detachments = _detachments(record)
    blockers = _blockers(detachments)
    if blockers:
        raise ProtectedError(_blocked_message(record, blockers), [r for r, _ in blockers])
    return detachments


def _check_not_the_last_source(source):
    """A published entry cites at least one source: its last one cannot be deleted."""
    orphaned = (
        Entry.objects.annotate(cited=models.Count("sources"))  # before the filter: all sources
        .filter(sources=source, state=PublicationState.PUBLISHED, cited=1)
        .order_by("pk")
    )
    names = [str(entry) for entry in orphaned[:3]]
    if names:
        raise ValidationError(
            {
                "sources": [
                    "This source is the only one of published entries ("
                    + "; ".join(names)
                    + "): cite another source there first, or unpublish them."
                ]
            }
        )


def get_or_create_source(*, url, by=None, **details):
    """The source for a URL: reused when known (details fill only its blanks), else created."""
    url = (url or "").strip()
    if problem := _text_problem(url):
        raise ValidationError({"url": [problem]})  # before the lookup, which would send it
    url = normalize_source_url(url)
    source = Source.objects.filter(url=url).first()
    if source is None:
        try:
            with transaction.atomic():
                return save_record(Source(url=url, **details), by=by)
        except (IntegrityError, ValidationError):
            # Someone else cited the same new URL at the same moment: use theirs.
            source = Source.objects.filter(url=url).first()
            if source is None:
                raise
    blanks = {name: value for name, value in details.items() if value and not getattr(source, name)}
    if blanks:
        for name, value in blanks.items():
            setattr(source, name, value)
        save_record(source, by=by)
    return source


def may_publish(user):
    return user is not None and user.has_perm(PUBLISH_PERMISSION)


def _entry_rule_errors(entry, sources):
    """The rules across records, as field-keyed messages."""
    errors = {}
    specific = entry.specific
    negotiation_id = entry.negotiation_id
    if (
        isinstance(specific, StatusChange | Statement)
        and specific.proposal_id
        and specific.proposal.negotiation_id != negotiation_id
    ):
        errors["proposal"] = ["The proposal belongs to another negotiation."]
    if (
        isinstance(specific, Proposal)
        and specific.supersedes_id
        and specific.supersedes.negotiation_id != negotiation_id
    ):
        errors["supersedes"] = ["The earlier proposal belongs to another negotiation."]
    if entry.state == PublicationState.PUBLISHED and not sources:
        errors["sources"] = ["A published entry cites at least one source."]
    return errors


def _next_sequence(entry):
    """Entries added later on the same date come after the ones already there."""
    last = (
        Entry.objects.filter(negotiation_id=entry.negotiation_id, date_start=entry.date_start)
        .exclude(pk=entry.pk)
        .aggregate(models.Max("sequence"))["sequence__max"]
    )
    return 0 if last is None else last + 1


def check_entry_rules(entry, *, sources, by, m2m=None, correction_note="", minor_fix=False):
    """The rules across records that ``save_entry`` would refuse ``by``, for forms to
    show: the correction rule too, unless the change would be held for an editor."""
    errors = _entry_rule_errors(entry, list(sources))
    if not changes_are_held(entry, by=by):
        note = (correction_note or "").strip()
        errors.update(_correction_errors(entry, m2m=m2m or {}, note=note, minor_fix=minor_fix))
    if errors:
        raise ValidationError(errors)


def save_entry(
    entry,
    *,
    by,
    sources=None,
    m2m=None,
    expected_version=None,
    expected_revision=NOT_CHECKED,
    keep_sequence=False,
    correction_note="",
    minor_fix=False,
):
    """Create or update a timeline entry of any kind.

    ``sources`` (Source rows) replaces the entry's sources when given. Only users
    who may publish can save an entry as published, change a published one's state
    or set a publish time. ``keep_sequence`` keeps the entry's order within its day
    as given (restores and imports put an entry back where it was) instead of placing
    it after the others.

    A change of a live entry by someone who may not publish (``changes_are_held``) is
    not written: it becomes the entry's pending revision, and that ``Revision`` (or
    None, when the change gives back the live version) is returned instead of the
    entry. ``expected_revision`` is the pending revision's id the caller saw (None:
    none); a different one is a ``ConflictError``, like a stale ``expected_version``.

    A change of a visible entry's content (``Entry.content_fields``) says what it is:
    a ``correction_note`` (shown to readers; editors only) or ``minor_fix`` (recorded
    in history as "Minor fix"); neither, or both, is a ValidationError.
    """
    if isinstance(entry, StatusChange) and entry.proposal_id and not entry.negotiation_id:
        entry.negotiation_id = entry.proposal.negotiation_id
    creating = entry._state.adding
    _check_publication_right(entry, by)
    if not creating and changes_are_held(entry, by=by):
        return _hold(
            entry,
            by=by,
            sources=sources,
            m2m=m2m or {},
            expected_version=entry.version if expected_version is None else expected_version,
            expected_revision=expected_revision,
        )
    if sources is None:
        sources = entry.sources.all() if not creating else []
    sources = list(sources)
    note = (correction_note or "").strip()
    if note and by is not None and not may_correct(by):
        raise PermissionDenied("Only editors can publish corrections; nothing was saved.")
    if creating and entry.created_by_id is None and by is not None and by.is_authenticated:
        entry.created_by = by
    if (creating or _date_moved(entry)) and not keep_sequence:
        entry.sequence = _next_sequence(entry) if entry.negotiation_id else 0
    if isinstance(entry, Statement) and entry.kind == Statement.Kind.DIRECT:
        entry.text = without_outer_quotes(entry.text)  # the pages add their own
    entry.search_text = entry.build_search_text()
    if minor_fix and not creating:
        reason = getattr(entry, "_change_reason", None)
        entry._change_reason = f"Minor fix: {reason}" if reason else "Minor fix"

    def extra_errors():
        errors = _entry_rule_errors(entry, sources)
        errors.update(_correction_errors(entry, m2m=m2m or {}, note=note, minor_fix=minor_fix))
        return errors

    with transaction.atomic():
        if expected_revision is not NOT_CHECKED and not creating:
            check_revision(entry, expected_revision)
        watch = ReaderWatch([entry.pk], [getattr(source, "pk", source) for source in sources])
        entry.live_since = _live_since(entry, timezone.now())
        _store(
            entry,
            by=by,
            m2m={"sources": sources, **(m2m or {})},
            expected_version=expected_version,
            validate_extra=extra_errors,
        )
        if note:
            _add_correction(entry, note=note, by=by)
        corrected = {entry.pk: ReaderEvent.Action.CORRECTED} if note else None
        watch.record([entry.pk], actions=corrected)
        _schedule_lift(entry)
        _schedule_lapse(entry)
    return entry


def _correction_errors(entry, *, m2m, note, minor_fix):
    """A change of what readers read of a visible entry says what it is."""
    if note and minor_fix:
        return {
            "correction_note": [
                "Give a correction note or mark a minor fix, not both: a correction is "
                "shown to readers, a minor fix is not."
            ]
        }
    if entry._state.adding:
        if note:
            return {"correction_note": ["A new entry has nothing to correct."]}
        return {}
    if note or minor_fix or not Entry.objects.published().filter(pk=entry.pk).exists():
        return {}
    changed = _changed_content(entry, m2m)
    if not changed:
        return {}
    return {
        "correction_note": [
            f"Readers see this entry: changing its {', '.join(changed)} needs a correction "
            "note (shown to readers as a correction) or a minor fix (spelling or formatting, "
            "recorded in history only)."
        ]
    }


def _changed_content(entry, m2m):
    """The labels of the content fields whose value differs from the stored entry's."""
    model = type(entry)
    stored = model._base_manager.get(pk=entry.pk)
    changed = []
    for name in model.content_fields():
        field = model._meta.get_field(name)
        if field.many_to_many:
            given = m2m.get(name)
            if given is None:
                continue
            new = sorted(getattr(item, "pk", item) for item in given)
            differs = new != sorted(getattr(stored, name).values_list("pk", flat=True))
        else:
            differs = getattr(entry, field.attname) != getattr(stored, field.attname)
        label = "date" if name == "date_precision" else str(field.verbose_name)
        if differs and label not in changed:
            changed.append(label)
    return changed


def _date_moved(entry):
    stored = Entry.objects.filter(pk=entry.pk).values_list("date_start", flat=True).first()
    return stored is not None and stored != entry.date_start


def _check_publication_right(entry, by):
    # ``by=None`` is the system itself (management commands run by an operator).
    if by is None or may_publish(by):
        return
    stored = (
        None
        if entry._state.adding
        else Entry.objects.filter(pk=entry.pk).values_list("state", "publish_at").first()
    )
    stored_state, stored_publish_at = stored or (None, None)
    if entry.publish_at != stored_publish_at:
        raise PermissionDenied("Only editors can set a publish time.")
    was_published = stored_state == PublicationState.PUBLISHED
    if entry.state == PublicationState.PUBLISHED and not was_published:
        raise PermissionDenied("Only editors can publish entries.")
    if was_published and entry.state != PublicationState.PUBLISHED:
        raise PermissionDenied("Only editors can unpublish entries.")


def set_publication(entry, *, state, by, publish_at=None):
    """Move an entry between draft, ready for review and published."""
    entry = entry.specific
    if entry.state == state and entry.publish_at == publish_at:
        return entry
    entry.state = state
    entry.publish_at = publish_at if state == PublicationState.PUBLISHED else None
    return save_entry(entry, by=by)


def publish(entry, *, by, at=None):
    return set_publication(entry, state=PublicationState.PUBLISHED, by=by, publish_at=at)


def unpublish(entry, *, by):
    return set_publication(entry, state=PublicationState.DRAFT, by=by)


def _new_entry(model, *, negotiation, date, by, sources=(), published=False, key=False, **fields):
    m2m = {name: fields.pop(name) for name in list(fields) if name in model.M2M_FIELDS}
    entry = model(negotiation=negotiation, key=key, **fields)
    entry.date = PartialDate.parse(date)
    entry.state = PublicationState.PUBLISHED if published else PublicationState.DRAFT
    return save_entry(entry, by=by, sources=sources, m2m=m2m)


def create_proposal(*, negotiation, title, date, by, **fields):
    return _new_entry(Proposal, negotiation=negotiation, title=title, date=date, by=by, **fields)


def change_status(*, proposal, status, date, by, **fields):
    """Record a status change of a proposal; it becomes the current status if it is the latest."""
    return _new_entry(
        StatusChange,
        negotiation=proposal.negotiation,
        proposal=proposal,
        status=status,
        date=date,
        by=by,
        **fields,
    )


def create_statement(*, negotiation, actor, text, date, by, **fields):
    return _new_entry(
        Statement, negotiation=negotiation, actor=actor, text=text, date=date, by=by, **fields
    )


def create_event(*, negotiation, title, date, by, **fields):
    return _new_entry(Event, negotiation=negotiation, title=title, date=date, by=by, **fields)


def create_expectation(*, negotiation, actor, text, date, by, due_date=None, **fields):
    expectation = Expectation(actor=actor, text=text)
    expectation.due_date = due_date
    return _new_entry(
        Expectation,
        negotiation=negotiation,
        actor=actor,
        text=text,
        date=date,
        by=by,
        due_date_start=expectation.due_date_start,
        due_date_precision=expectation.due_date_precision,
        **fields,
    )


def resolve_expectation(expectation, *, outcome, resolved_on, by, note=""):
    expectation.outcome = outcome
    expectation.resolved_on = resolved_on
    expectation.resolution_note = note
    return save_entry(expectation, by=by)


def add_correction(entry, *, note, by, made_at=None):
    """Mark an edit as a public correction ("Corrected on <date>: <note>").

    Only users who may correct (Editors) can; ``by=None`` is the system, and
    ``made_at`` keeps the original time when a record is restored or imported.
    """
    with transaction.atomic():
        watch = ReaderWatch([entry.pk])
        correction = _add_correction(entry, note=note, by=by, made_at=made_at)
        watch.record(actions={entry.pk: ReaderEvent.Action.CORRECTED})
    return correction


def _add_correction(entry, *, note, by, made_at=None):
    if by is not None and not may_correct(by):
        raise PermissionDenied("Only editors can publish corrections.")
    correction = Correction(
        entry=entry,
        note=(note or "").strip(),
        made_by=_history_user(by),
        made_at=made_at or timezone.now(),
    )
    if errors := _unstorable_text(correction):
        raise ValidationError(errors)
    # Who made it is bookkeeping (none for the system), not something to validate.
    correction.full_clean(exclude=["made_by"])
    correction._history_user = _history_user(by)
    with transaction.atomic():
        correction.save()
        _log_change(
            entry,
            RecordChange.Action.UPDATED,
            negotiation_id=entry.negotiation_id,
            at=timezone.now(),
        )
    return correction


# --------------------------------------------------------------------------- #
# Rights
# --------------------------------------------------------------------------- #

CORRECT_PERMISSION = "negotiations.add_correction"


def may_correct(user):
    return user is not None and user.has_perm(CORRECT_PERMISSION)


def may_delete(user, model):
    """Whether ``user`` may delete (and so bring back) records of ``model``; None is the system."""
    if user is None:
        return True
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")


# --------------------------------------------------------------------------- #
# Publication workflow: draft → ready for review → published (maybe scheduled)
# --------------------------------------------------------------------------- #


def submit_for_review(entry, *, by):
    """A journalist hands a draft to the editors; a published entry is left as it is."""
    entry = entry.specific
    if entry.state == PublicationState.PUBLISHED:
        raise ValidationError(
            {"state": "This entry is already published; unpublish it to send it back for review."}
        )
    return set_publication(entry, state=PublicationState.REVIEW, by=by)


# --------------------------------------------------------------------------- #
# Pending revisions: a journalist's change to a live entry waits for an editor
# (Wagtail's live version plus latest revision)
# --------------------------------------------------------------------------- #

# Not what a revision proposes: the order within a day follows the date, and the
# publication decisions are the editors' (``_check_publication_right``).
_NOT_REVISED = {"sequence", "state", "publish_at"}


def changes_are_held(entry, *, by):
    """Whether ``by``'s change of this (stored) entry waits for an editor: the entry is
    live (published, whatever its publish time) and ``by`` may not publish."""
    if by is None or may_publish(by) or entry.pk is None:
        return False
    return Entry._base_manager.filter(pk=entry.pk, state=PublicationState.PUBLISHED).exists()


def _revised_fields(model):
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return [
        field
        for field in fields
        if field.editable
        and not field.primary_key
        and not field.one_to_one
        and field.name not in _NOT_REVISED
    ]


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _revised_values(entry, many):
    """``{attname: JSON value}`` of the fields a revision covers; many-to-many as sorted
    ids, from ``many`` (``{name: rows or ids}``) or else the stored relation."""
    values = {}
    for field in _revised_fields(type(entry)):
        if field.many_to_many:
            given = many.get(field.name)
            if given is None:
                given = getattr(entry, field.name).values_list("pk", flat=True)
            values[field.name] = sorted(getattr(item, "pk", item) for item in given)
        else:
            values[field.attname] = _json(getattr(entry, field.attname))
    return values


def _decoded(model, attname, value):
    """A revision's JSON value as the field's Python value."""
    field = model._meta.get_field(attname)
    return value if field.many_to_many else field.to_python(value)


def _same(model, attname, a, b):
    return _decoded(model, attname, a) == _decoded(model, attname, b)


def pending_revision(entry):
    """The entry's pending revision, or None (read from ``pending_revisions`` when a
    query prefetched it)."""
    prefetched = getattr(entry, "pending_revisions", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return _stored_pending(entry.pk)


def _stored_pending(entry_id):
    return (
        Revision.objects.filter(entry_id=entry_id, status=Revision.Status.PENDING)
        .select_related("created_by")
        .first()
    )


def with_pending_revision(entry):
    """The entry (as its kind) as its pending revision would make it, in memory: what a
    journalist edits (nothing is written). Its many-to-many values stay the live ones in
    the database; ``save_entry`` takes those of the pending revision for the ones a
    journalist's write does not give. ``entry.pending_revisions`` is set."""
    entry = entry.specific
    revision = pending_revision(entry)
    entry.pending_revisions = [revision] if revision else []
    if revision is not None:
        model = type(entry)
        for attname, value in revision.changes.items():
            if not model._meta.get_field(attname).many_to_many:
                setattr(entry, attname, _decoded(model, attname, value))
    return entry


def revision_values(revision, entry):
    """``{field name: proposed value}`` of what a revision changes (foreign keys as ids,
    many-to-many as id lists), for showing it."""
    model = type(entry)
    values = {}
    for attname, value in revision.changes.items():
        field = model._meta.get_field(attname)
        values[field.name] = _decoded(model, attname, value)
    return values


def check_revision(entry, expected_revision):
    """Refuse (ConflictError) when the entry's pending revision is not the one the caller
    saw (its id, or None for none)."""
    pending = _stored_pending(entry.pk)
    if (pending.pk if pending else None) != expected_revision:
        raise _revision_conflict(entry, pending)


def _lock_entry(pk):
    """Serialise the writes of one entry and its revisions (PostgreSQL row lock)."""
    list(Entry._base_manager.select_for_update().filter(pk=pk).values_list("pk"))


def _hold(entry, *, by, sources, m2m, expected_version, expected_revision):
    """Keep a change of a live entry as its pending revision, replacing the one before
    (marked ``replaced``). The entry itself is not written: no version, history,
    change log, reader event or reader version moves, so readers and their caches see
    nothing."""
    model = type(entry)
    with transaction.atomic():
        _lock_entry(entry.pk)
        live = model._base_manager.get(pk=entry.pk)
        if live.version != expected_version:
            raise ConflictError(live)
        if expected_revision is not NOT_CHECKED:
            check_revision(live, expected_revision)
        pending = _stored_pending(entry.pk)
        many = {"sources": sources, **m2m}
        for field in model._meta.many_to_many:
            if many.get(field.name) is None and pending and field.name in pending.changes:
                many[field.name] = pending.changes[field.name]
        proposed = _revised_values(entry, many)
        errors = _unstorable_text(entry)
        if not errors:
            try:
                entry.full_clean()
            except ValidationError as error:
                errors.update(error.message_dict)
            sources = many["sources"] if many["sources"] is not None else proposed["sources"]
            errors.update(_entry_rule_errors(entry, list(sources)))
        if errors:
            raise ValidationError(errors)
        current = _revised_values(live, {})
        changes = {
            name: value
            for name, value in proposed.items()
            if not _same(model, name, value, current[name])
        }
        if pending is not None and pending.changes == changes:
            return pending  # nothing new
        base = {}
        for name in changes:
            carried = (
                pending is not None
                and name in pending.changes
                and _same(model, name, pending.changes[name], changes[name])
            )
            # A value carried over keeps what it was proposed against (publishing then
            # sees an editor's change of that field since).
            base[name] = pending.base[name] if carried else current[name]
        now = timezone.now()
        if pending is not None:
            _decide(pending, Revision.Status.REPLACED, by=by, at=now)
        if not changes:
            return None
        return Revision.objects.create(
            entry_id=entry.pk,
            changes=changes,
            base=base,
            base_version=live.version,
            created_by=_history_user(by),
            created_at=now,
        )


def _decide(revision, status, *, by, at=None):
    revision.status = status
    revision.decided_by = _history_user(by)
    revision.decided_at = at or timezone.now()
    revision.save(update_fields=["status", "decided_by", "decided_at"])


def _locked_pending(revision):
    _lock_entry(revision.entry_id)
    current = Revision.objects.select_related("created_by").get(pk=revision.pk)
    if current.status != Revision.Status.PENDING:
        raise ValidationError(
            f"This revision is no longer pending (it was {current.get_status_display().lower()})"
            ": nothing was done."
        )
    return current


def _check_decider(by):
    if by is not None and not may_publish(by):
        raise PermissionDenied("Only editors can publish or discard pending revisions.")


def publish_revision(revision, *, by, correction_note="", minor_fix=False, expected_version=None):
    """Make a pending revision the live entry (editors), through ``save_entry``: every
    rule, the version, history, change log and reader events apply, and a change of a visible
    entry's content needs its correction note or minor fix as any editor's edit does.

    A three-way check, not a blind overwrite: when a field the revision changes was
    changed on the live entry since it was proposed, nothing is written and the
    ValidationError (code ``stale_revision``) names those fields.
    """
    _check_decider(by)
    with transaction.atomic():
        revision = _locked_pending(revision)
        entry = Entry._base_manager.get(pk=revision.entry_id).specific
        model = type(entry)
        current = _revised_values(entry, {})
        stale = [
            _label(model, name)
            for name, base in revision.base.items()
            if not _same(model, name, current[name], base)
        ]
        if stale:
            raise ValidationError(
                f"Since this revision was proposed, the live entry's {', '.join(stale)} "
                "changed: nothing was published. Discard the revision, or apply its change "
                "by hand.",
                code="stale_revision",
            )
        many = {}
        for attname, value in revision.changes.items():
            field = model._meta.get_field(attname)
            if field.many_to_many:
                many[field.name] = _existing(field, value)
            else:
                setattr(entry, attname, _decoded(model, attname, value))
        who = revision.created_by.get_username() if revision.created_by else "the system"
        entry._change_reason = f"Published revision #{revision.pk} by {who}"
        save_entry(
            entry,
            by=by,
            sources=many.pop("sources", None),
            m2m=many,
            expected_version=expected_version,
            correction_note=correction_note,
            minor_fix=minor_fix,
        )
        _decide(revision, Revision.Status.PUBLISHED, by=by)
    return entry


def discard_revision(revision, *, by):
    """Drop a pending revision (editors); the row stays, marked discarded."""
    _check_decider(by)
    with transaction.atomic():
        revision = _locked_pending(revision)
        _decide(revision, Revision.Status.DISCARDED, by=by)
    return revision


def _label(model, attname):
    field = model._meta.get_field(attname)
    return "date" if field.name == "date_precision" else str(field.verbose_name)


def _existing(field, ids):
    found = field.related_model._base_manager.in_bulk(ids)
    gone = [f"#{pk}" for pk in ids if pk not in found]
    if gone:
        raise ValidationError(
            {
                field.name: [
                    f"Some {field.related_model._meta.verbose_name_plural} of the revision no "
                    f"longer exist ({', '.join(gone)})."
                ]
            }
        )
    return [found[pk] for pk in ids]


# --------------------------------------------------------------------------- #
# History: restore any version, bring deleted records back
# --------------------------------------------------------------------------- #


def latest_version(model, pk):
    """The newest history row of a record (its tombstone when it was deleted), or None."""
    return (
        model.history.filter(**{model._meta.pk.attname: pk})
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )


def _deleted_with_reason(proposal):
    return f"Deleted with proposal #{proposal.pk}"


def _corrections_snapshot(entry):
    return [
        {
            "note": correction.note,
            "made_at": correction.made_at.isoformat(),
            "made_by": correction.made_by_id,
        }
        for correction in entry.corrections.order_by("made_at", "pk")
    ]


def _history_content(version):
    """What a history row says about the record's content (not its bookkeeping)."""
    fields = {
        field.attname: getattr(version, field.attname)
        for field in version.tracked_fields
        if field.editable and field.name != "sequence"
    }
    related = {
        field.name: sorted(version.related_ids.get(field.name, []))
        for field in version.instance_type._meta.many_to_many
    }
    return fields, related


def _missing_relations(version, record):
    """Errors for the rows a version points to that no longer exist."""
    model = type(record)
    errors = {}
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.primary_key or field.one_to_one:
            continue
        value = getattr(record, field.attname)
        if value is None:
            continue
        if not field.related_model._base_manager.filter(pk=value).exists():
            if field.remote_field.on_delete is models.SET_NULL and not field.editable:
                setattr(record, field.attname, None)  # bookkeeping such as "created by"
                continue
            name = field.related_model._meta.verbose_name
            errors[field.name] = [
                f"The {field.verbose_name} of that version ({name} #{value}) no longer exists: "
                f"bring it back first."
            ]
    related = {}
    for field in model._meta.many_to_many:
        if field.name not in version.related_ids:
            continue
        ids = version.related_ids[field.name]
        found = field.related_model._base_manager.in_bulk(ids)
        gone = [str(pk) for pk in ids if pk not in found]
        if gone:
            name = field.related_model._meta.verbose_name_plural
            errors[field.name] = [
                f"Some {name} of that version no longer exist (#{', #'.join(gone)}): "
                f"bring them back first."
            ]
        related[field.name] = [found[pk] for pk in ids if pk in found]
    return errors, related


def restore_version(version, *, by, expected_version=None, correction_note="", minor_fix=False):
    """Make an earlier version (a history row) the current one, as a new version.

    Goes through ``save_entry`` / ``save_record``, so the rules, the publication
    rights, the version check, history, change log and reader events all apply; the new
    history row says which version was restored. A version of a deleted record
    brings the record back under its old id (only for those who may delete it),
    with its corrections and, for a proposal, the status changes deleted with it.

    Restoring keeps publication rights: someone who may not publish keeps the entry's
    current state and publish time, and on a live entry the restore becomes its
    pending revision (the ``Revision`` is returned). A restore that changes what
    readers read of a visible entry takes a correction note or a minor fix.
    """
    model = version.instance_type
    record = version.instance
    current = model._base_manager.filter(pk=record.pk).first()
    latest = latest_version(model, record.pk)
    deleted = current is None
    if deleted:
        if not may_delete(by, model):
            raise PermissionDenied(
                f"Only editors can bring back deleted {model._meta.verbose_name_plural}."
            )
        record._state.adding = True
        record.version = max(latest.version, version.version) + 1
    else:
        if expected_version is not None and current.version != expected_version:
            raise ConflictError(current)
        if latest is not None and _history_content(version) == _history_content(latest):
            return current  # already the current content: nothing to write
        record._state.adding = False
        record.version = current.version
        record.created_at = current.created_at
        if isinstance(record, Entry) and by is not None and not may_publish(by):
            record.state, record.publish_at = current.state, current.publish_at
    errors, related = _missing_relations(version, record)
    if errors:
        raise ValidationError(errors)
    when = f"{version.history_date:%Y-%m-%d %H:%M} UTC"
    record._change_reason = f"Restored the version of {when}" + (" (was deleted)" * deleted)
    with transaction.atomic():
        if isinstance(record, Entry):
            sources = related.pop("sources", None)
            saved = save_entry(
                record,
                by=by,
                sources=sources,
                m2m=related,
                expected_version=None if deleted else expected_version,
                keep_sequence=True,
                correction_note=correction_note,
                minor_fix=minor_fix,
            )
            if not isinstance(saved, Entry):
                return saved  # held as the entry's pending revision
            if deleted:
                _restore_corrections(record, latest, by=by)
            if deleted and isinstance(record, Proposal):
                _restore_status_changes_deleted_with(record, by=by)
        else:
            save_record(record, by=by, m2m=related, expected_version=expected_version)
    return record


def restore_deleted(model, pk, *, by):
    """Bring a deleted record back as it was when it was deleted."""
    tombstone = latest_version(model, pk)
    if tombstone is None or tombstone.history_type != "-":
        raise ValidationError(
            f"{model._meta.verbose_name.capitalize()} #{pk} is not a deleted record."
        )
    if model._base_manager.filter(pk=pk).exists():
        raise ValidationError(f"{model._meta.verbose_name.capitalize()} #{pk} exists already.")
    return restore_version(tombstone, by=by)


def _restore_corrections(entry, tombstone, *, by):
    from django.contrib.auth import get_user_model

    snapshot = (tombstone.related_ids or {}).get("corrections", []) if tombstone else []
    users = get_user_model()._base_manager.in_bulk([c["made_by"] for c in snapshot])
    for item in snapshot:
        correction = Correction(
            entry=entry,
            note=item["note"],
            made_at=datetime.datetime.fromisoformat(item["made_at"]),
            made_by=users.get(item["made_by"]),
        )
        correction._history_user = _history_user(by)  # who brought it back
        correction.save()


def _restore_status_changes_deleted_with(proposal, *, by):
    reason = _deleted_with_reason(proposal)
    ids = (
        StatusChange.history.filter(
            proposal_id=proposal.pk, history_type="-", history_change_reason=reason
        )
        .values_list("entry_ptr_id", flat=True)
        .distinct()
    )
    for pk in sorted(set(ids)):
        tombstone = latest_version(StatusChange, pk)
        if tombstone.history_change_reason == reason and tombstone.history_type == "-":
            restore_version(tombstone, by=by)


# --------------------------------------------------------------------------- #
# Quick add: any kind of entry from a source URL, on deadline
# --------------------------------------------------------------------------- #

QUICK_ADD_KINDS = {
    EntryType.STATEMENT: Statement,
    EntryType.STATUS_CHANGE: StatusChange,
    EntryType.EVENT: Event,
    EntryType.PROPOSAL: Proposal,
    EntryType.EXPECTATION: Expectation,
}

# Which quick-add argument a model field's error belongs to.
_QUICK_ADD_ERROR_KEYS = {
    "actor": "speaker",
    "actors": "speaker",
    "proposed_by": "speaker",
    "note": "text",
    "description": "text",
    "summary": "text",
    "date_start": "date",
    "date_precision": "date",
    "due_date_start": "due_date",
    "due_date_precision": "due_date",
    "sources": "source_url",
}
_QUICK_ADD_KIND_KEYS = {Statement: "statement_kind", Event: "event_kind"}
_NEW_SPEAKER_KEYS = {"name": "new_speaker_name", "slug": "new_speaker_name"}
_KNOWN_SPEAKER = "“{name}” is already in the record: choose them as the speaker."


def _unique_actor_slug(name):
    base = slugify(name)[:180] or "actor"
    slug, number = base, 2
    while Actor.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _create_new_speaker(new_speaker, *, by):
    """A speaker added inline. When another journalist adds one with the same slug at
    the same moment, the insert that loses gets the answer a known name gets (the same
    name), or the next free slug (another name)."""
    name = new_speaker["name"].strip()
    for _attempt in range(3):
        actor = Actor(
            name=name,
            slug=_unique_actor_slug(name),
            kind=new_speaker.get("kind") or Actor.Kind.PERSON,
            affiliation=new_speaker.get("affiliation"),
        )
        try:
            with transaction.atomic():
                return save_record(actor, by=by)
        except (IntegrityError, ValidationError) as error:
            taken = isinstance(error, IntegrityError) or set(getattr(error, "error_dict", {})) == {
                "slug"
            }
            if not taken:
                raise _remapped(
                    error,
                    {
                        **_NEW_SPEAKER_KEYS,
                        "kind": "new_speaker_kind",
                        "affiliation": "new_speaker_affiliation",
                    },
                ) from None
            if Actor.objects.filter(name__iexact=name).exists():
                raise ValidationError(
                    {"new_speaker_name": [_KNOWN_SPEAKER.format(name=name)]}
                ) from None
    raise ValidationError({"new_speaker_name": ["Others are adding actors right now: save again."]})


def _a(model):
    name = model._meta.verbose_name
    return f"{'An' if name[0] in 'aeiou' else 'A'} {name}"


def _quick_add_errors(model, *, negotiation, speaker, new_speaker, proposal, status, title):
    """What is missing for this kind, keyed by the quick-add arguments."""
    errors = {}
    name = (new_speaker or {}).get("name", "").strip()
    if model is None:
        errors["kind"] = [
            "Choose what happened: a statement, a status change, an event, a "
            "proposal or an expectation."
        ]
    if speaker is not None and name:
        errors["new_speaker_name"] = ["Choose a known speaker or name a new one, not both."]
    elif not name and (new_speaker or {}).get("affiliation") is not None:
        errors["new_speaker_name"] = ["Name the new speaker, or leave the affiliation empty."]
    elif name and Actor.objects.filter(name__iexact=name).exists():
        errors["new_speaker_name"] = [_KNOWN_SPEAKER.format(name=name)]
    if model in (Statement, Expectation) and speaker is None and not name:
        errors["speaker"] = [f"{_a(model)} needs its speaker: choose one, or name a new one."]
    if model is not StatusChange and model is not None and negotiation is None:
        errors["negotiation"] = [
            f"Choose the negotiation the {model._meta.verbose_name} belongs to."
        ]
    if model is StatusChange and proposal is None:
        errors["proposal"] = ["A status change needs the proposal whose status changed."]
    if model is StatusChange and not status:
        errors["status"] = ["Choose the proposal's new status."]
    if model in (Event, Proposal) and not (title or "").strip():
        errors["title"] = [f"{_a(model)} needs a title."]
    return errors


def _quick_add_entry(model, *, negotiation, speaker, text, **given):
    """The unsaved entry of this kind, from the quick-add arguments."""
    if model is Statement:
        return Statement(
            negotiation=negotiation,
            actor=speaker,
            text=text,
            kind=given["statement_kind"],
            proposal=given["proposal"],
            stance=given["stance"] or "",
        )
    if model is StatusChange:
        proposal = given["proposal"]
        return StatusChange(
            negotiation=negotiation or proposal.negotiation,
            proposal=proposal,
            status=given["status"],
            actor=speaker,
            note=text,
        )
    if model is Event:
        return Event(
            negotiation=negotiation,
            title=given["title"],
            kind=given["event_kind"] or Event.Kind.OTHER,
            description=text,
        )
    if model is Proposal:
        return Proposal(
            negotiation=negotiation,
            title=given["title"],
            summary=text,
            proposed_by=speaker,
            amount=given["amount"],
            currency=(given["currency"] or "").upper(),
        )
    expectation = Expectation(negotiation=negotiation, actor=speaker, text=text)
    expectation.due_date = given["due_date"]
    return expectation


def _remapped(error, keys):
    remapped = {}
    for field, messages in error.message_dict.items():
        remapped.setdefault(keys.get(field, field), []).extend(messages)
    return ValidationError(remapped)


def quick_add(
    *,
    kind,
    source_url,
    date,
    by,
    negotiation=None,
    speaker=None,
    new_speaker=None,
    text="",
    title="",
    proposal=None,
    status="",
    stance="",
    statement_kind=Statement.Kind.DIRECT,
    event_kind=Event.Kind.OTHER,
    amount=None,
    currency="",
    due_date=None,
    state=PublicationState.DRAFT,
    source_title="",
    source_publisher="",
    source_published_on=None,
):
    """Log an entry of any kind citing a source URL, in one transaction.

    The source is reused when its URL is known (its publisher and date fill only its
    blanks) and created otherwise. ``new_speaker`` (``{"name", "kind", "affiliation"}``)
    creates the speaker as a new actor; a name already in the record is refused, so
    nobody is logged twice. If the entry is refused, neither the new source nor the new
    actor is kept. Errors are keyed by the argument that caused them (``speaker``,
    ``text``, ``source_url``, ``new_speaker_name``, …).
    """
    model = QUICK_ADD_KINDS.get(kind)
    errors = _quick_add_errors(
        model,
        negotiation=negotiation,
        speaker=speaker,
        new_speaker=new_speaker,
        proposal=proposal,
        status=status,
        title=title,
    )
    if not (source_url or "").strip():
        errors["source_url"] = ["Give the address of the source."]
    try:
        partial_date = PartialDate.parse(date)
    except ValidationError as error:
        errors["date"] = error.messages
    if errors:
        raise ValidationError(errors)

    keys = {**_QUICK_ADD_ERROR_KEYS, "kind": _QUICK_ADD_KIND_KEYS.get(model, "kind")}
    with transaction.atomic():
        if new_speaker and new_speaker.get("name", "").strip():
            speaker = _create_new_speaker(new_speaker, by=by)
        entry = _quick_add_entry(
            model,
            negotiation=negotiation,
            speaker=speaker,
            text=text or "",
            title=title or "",
            proposal=proposal,
            status=status,
            stance=stance,
            statement_kind=statement_kind,
            event_kind=event_kind,
            amount=amount,
            currency=currency,
            due_date=due_date,
        )
        entry.date = partial_date
        entry.state = state
        details = {
            "title": source_title or "",
            "publisher": source_publisher or "",
            "published_on": source_published_on,
        }
        try:
            source = get_or_create_source(url=source_url, by=by, **details)
        except ValidationError as error:
            raise _remapped(
                error,
                {
                    "url": "source_url",
                    "title": "source_title",
                    "publisher": "source_publisher",
                    "published_on": "source_published_on",
                },
            ) from None
        m2m = {"actors": [speaker]} if model is Event and speaker is not None else None
        try:
            return save_entry(entry, by=by, sources=[source], m2m=m2m)
        except ValidationError as error:
            raise _remapped(error, keys) from None


def change_correction(correction, *, note, by):
    """Reword a published correction; the entry shows as changed to sync clients."""
    if by is not None and not may_correct(by):
        raise PermissionDenied("Only editors can change corrections.")
    correction.note = (note or "").strip()
    if errors := _unstorable_text(correction):
        raise ValidationError(errors)
    correction.full_clean(exclude=["made_by"])
    correction._history_user = _history_user(by)
    with transaction.atomic():
        correction.save(update_fields=["note"])
        _touch_entry(correction.entry)
    return correction


def delete_correction(correction, *, by):
    """Withdraw a correction (one made in error); the entry shows as changed."""
    if by is not None and not by.has_perm("negotiations.delete_correction"):
        raise PermissionDenied("Only editors can delete corrections.")
    entry = correction.entry
    correction._history_user = _history_user(by)
    with transaction.atomic():
        correction.delete()
        _touch_entry(entry)


def _touch_entry(entry):
    """A correction of the entry changed: logged, and an event when readers see it."""
    now = timezone.now()
    _log_change(entry, RecordChange.Action.UPDATED, negotiation_id=entry.negotiation_id, at=now)
    ReaderWatch([entry.pk]).record(actions={entry.pk: ReaderEvent.Action.CORRECTED})
