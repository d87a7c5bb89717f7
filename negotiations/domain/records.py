"""Saving and deleting records (actors, negotiations, phases, sources), and what a delete
detaches or is blocked by.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from negotiations.domain.entries import save_entry
from negotiations.domain.events import ReaderWatch, _record_event_of, record_type_of
from negotiations.domain.rules import _entry_rule_errors, may_delete, may_publish
from negotiations.domain.store import (
    _claim_version,
    _history_user,
    _negotiation_ids_of,
    _store,
    _text_problem,
)
from negotiations.domain.versions import _corrections_snapshot, _deleted_with_reason, latest_version
from negotiations.models import (
    Entry,
    Negotiation,
    Proposal,
    PublicationState,
    ReaderEvent,
    RecordChange,
    Source,
    normalize_source_url,
)


def save_record(record, *, by, m2m=None, expected_version=None):
    """Create or update an actor, negotiation, phase or source."""
    if isinstance(record, Entry):
        raise TypeError("Timeline entries are saved with save_entry().")
    creating = record._state.adding
    with transaction.atomic():
        if isinstance(record, Negotiation):
            _date_state_of_play(record, by=by)
        _store(record, by=by, m2m=m2m, expected_version=expected_version)
        action = ReaderEvent.Action.PUBLISHED if creating else ReaderEvent.Action.UPDATED
        _record_event_of(record, action, creating=creating)
    return record


def _state_of_play_changed(negotiation):
    if negotiation._state.adding:
        return bool(negotiation.state_of_play)
    stored = Negotiation._base_manager.filter(pk=negotiation.pk)
    return stored.values_list("state_of_play", flat=True).first() != negotiation.state_of_play


def _date_state_of_play(negotiation, *, by):
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
                remaining = getattr(referrer, field.name).exclude(pk=record.pk)
                changes[field.name] = list(remaining.values_list("pk", flat=True))
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
