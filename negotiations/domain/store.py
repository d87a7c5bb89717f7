"""Storing a record: text checks, the version compare-and-swap, history and the change log."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.events import record_type_of
from negotiations.models import (
    Actor,
    Entry,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    RecordChange,
    Statement,
    StatusChange,
)


def _log_change(record, action, *, negotiation_id=None, at):
    """The record's one line in the change log, written or rewritten by one statement
    (an upsert on ``record_change_one_per_record``; ``update_or_create`` takes a
    SELECT, an INSERT and two savepoints)."""
    change = RecordChange(
        record_type=record_type_of(record),
        record_id=record.pk,
        action=action,
        changed_at=at,
        negotiation_id=negotiation_id,
    )
    RecordChange.objects.bulk_create(
        [change],
        update_conflicts=True,
        unique_fields=["record_type", "record_id"],
        update_fields=["action", "changed_at", "negotiation_id"],
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
    # No savepoint: its callers (save_entry, save_record) hold one around it.
    with transaction.atomic(savepoint=False):
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
            related = getattr(record, name)
            if creating:  # none to compare with: ``set`` would read them first
                related.add(*values)
            else:
                related.set(values)
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
