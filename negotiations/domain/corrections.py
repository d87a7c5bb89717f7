"""Corrections changed or deleted after they were added."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from negotiations.domain.events import ReaderWatch
from negotiations.domain.rules import may_correct
from negotiations.domain.store import _history_user, _log_change, _unstorable_text
from negotiations.models import (
    ReaderEvent,
    RecordChange,
)


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
