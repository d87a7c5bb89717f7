"""Restoring earlier versions and deleted records from the history."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.entries import save_entry
from negotiations.domain.records import save_record
from negotiations.domain.rules import may_delete, may_publish
from negotiations.domain.store import _history_user
from negotiations.domain.versions import (
    _deleted_with_reason,
    _history_content,
    _missing_relations,
    latest_version,
)
from negotiations.models import (
    Correction,
    Entry,
    Proposal,
    StatusChange,
)


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
