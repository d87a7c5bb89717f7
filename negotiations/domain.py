"""Every write to the record goes through these functions.

Admin, API, management commands and imports call them, so the rules are
checked once: field and constraint validation (``full_clean``), the rules across
records, publication rights, optimistic locking by ``version``, the history user,
the change log and the negotiation's change stamp.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from .dates import PartialDate
from .models import (
    Correction,
    Entry,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    PublicationState,
    RecordChange,
    Source,
    Statement,
    StatusChange,
)

PUBLISH_PERMISSION = "negotiations.publish_entry"


class ConflictError(Exception):
    """The record changed since the editor loaded it; nothing was written."""

    def __init__(self, record):
        self.record = record
        latest = record.history.order_by("-history_date").select_related("history_user").first()
        self.changed_by = latest.history_user if latest else None
        self.changed_at = latest.history_date if latest else None
        who = self.changed_by.get_username() if self.changed_by else "someone else"
        when = f" at {self.changed_at:%Y-%m-%d %H:%M} UTC" if self.changed_at else ""
        super().__init__(
            f"{record._meta.verbose_name.capitalize()} “{record}” was changed by {who}{when} "
            "after you opened it. Nothing was saved: reload it and apply your change again."
        )


def record_type_of(record):
    if isinstance(record, Entry):
        return record.entry_type
    return record._meta.model_name


def touch_negotiations(negotiation_ids=None, *, at=None):
    """Move the change stamp (ETag and cache key) of the given negotiations, or of all.

    The stamp is derived bookkeeping, not content, so it is written without history.
    """
    negotiations = Negotiation.objects.all()
    if negotiation_ids is not None:
        negotiations = negotiations.filter(pk__in=negotiation_ids)
    negotiations.update(changed_at=at or timezone.now())


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
    claimed = model._base_manager.filter(pk=record.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise ConflictError(model._base_manager.get(pk=record.pk))
    record.version = expected_version + 1


def _store(record, *, by, m2m=None, expected_version=None, validate_extra=None):
    """Validate, save with history, set many-to-many values, log and stamp."""
    creating = record._state.adding
    m2m = m2m or {}
    errors = {}
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
        record.updated_at = now
        record._history_user = _history_user(by)
        record._pending_related_ids = {
            name: [getattr(value, "pk", value) for value in values] for name, values in m2m.items()
        }
        record.save()
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
        touch_negotiations(negotiation_ids, at=now)
    return record


def save_record(record, *, by, m2m=None, expected_version=None):
    """Create or update an actor, negotiation, phase or source."""
    if isinstance(record, Entry):
        raise TypeError("Timeline entries are saved with save_entry().")
    return _store(record, by=by, m2m=m2m, expected_version=expected_version)


def delete_record(record, *, by, expected_version=None):
    """Delete any record, leaving a history row and a tombstone in the change log."""
    with transaction.atomic():
        if expected_version is not None:
            _claim_version(record, expected_version)
        negotiation_ids = _negotiation_ids_of(record)
        record_type, record_pk = record_type_of(record), record.pk
        if isinstance(record, Proposal):
            # Its status changes go with it: give them tombstones too.
            for change in record.status_changes.all():
                delete_record(change, by=by)
        record._history_user = _history_user(by)
        record._pending_related_ids = {
            field.name: list(getattr(record, field.name).values_list("pk", flat=True))
            for field in record._meta.many_to_many
        }
        record.delete()
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
        touch_negotiations(negotiation_ids, at=now)


def get_or_create_source(*, url, by=None, **details):
    """The source for a URL: reused when known (details fill only its blanks), else created."""
    url = (url or "").strip()
    source = Source.objects.filter(url=url).first()
    if source is None:
        return save_record(Source(url=url, **details), by=by)
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


def check_entry_rules(entry, *, sources):
    """The rules across records that ``save_entry`` would refuse, for forms to show."""
    errors = _entry_rule_errors(entry, list(sources))
    if errors:
        raise ValidationError(errors)


def save_entry(entry, *, by, sources=None, m2m=None, expected_version=None):
    """Create or update a timeline entry of any kind.

    ``sources`` (Source rows) replaces the entry's sources when given. Only users
    who may publish can save an entry as published or change a published one's state.
    """
    if isinstance(entry, StatusChange) and entry.proposal_id and not entry.negotiation_id:
        entry.negotiation_id = entry.proposal.negotiation_id
    creating = entry._state.adding
    if sources is None:
        sources = entry.sources.all() if not creating else []
    sources = list(sources)
    _check_publication_right(entry, by)
    if creating and entry.created_by_id is None and by is not None and by.is_authenticated:
        entry.created_by = by
    if creating or _date_moved(entry):
        entry.sequence = _next_sequence(entry) if entry.negotiation_id else 0
    return _store(
        entry,
        by=by,
        m2m={"sources": sources, **(m2m or {})},
        expected_version=expected_version,
        validate_extra=lambda: _entry_rule_errors(entry, sources),
    )


def _date_moved(entry):
    stored = Entry.objects.filter(pk=entry.pk).values_list("date_start", flat=True).first()
    return stored is not None and stored != entry.date_start


def _check_publication_right(entry, by):
    # ``by=None`` is the system itself (management commands run by an operator).
    if by is None or may_publish(by):
        return
    stored_state = (
        None
        if entry._state.adding
        else Entry.objects.filter(pk=entry.pk).values_list("state", flat=True).first()
    )
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


def add_correction(entry, *, note, by):
    """Mark an edit as a public correction ("Corrected on <date>: <note>")."""
    correction = Correction(entry=entry, note=note, made_by=by)
    correction.full_clean()
    with transaction.atomic():
        correction.save()
        now = timezone.now()
        _log_change(entry, RecordChange.Action.UPDATED, negotiation_id=entry.negotiation_id, at=now)
        touch_negotiations([entry.negotiation_id], at=now)
    return correction
