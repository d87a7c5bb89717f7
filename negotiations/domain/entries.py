"""Saving entries: the entry rules applied, publication, the kinds' constructors,
corrections added.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from negotiations.dates import PartialDate
from negotiations.domain.conflicts import NOT_CHECKED
from negotiations.domain.embargoes import _live_since, _schedule_lapse, _schedule_lift
from negotiations.domain.events import ReaderWatch
from negotiations.domain.revisions import _hold, changes_are_held, check_revision
from negotiations.domain.rules import (
    _correction_errors,
    _date_moved,
    _entry_rule_errors,
    may_correct,
    may_publish,
)
from negotiations.domain.store import _history_user, _log_change, _store, _unstorable_text
from negotiations.models import (
    Correction,
    Entry,
    Event,
    Expectation,
    Proposal,
    PublicationState,
    ReaderEvent,
    RecordChange,
    Statement,
    StatusChange,
)
from negotiations.quotes import without_outer_quotes


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

    with transaction.atomic():  # a savepoint: callers recover from its errors
        if expected_revision is not NOT_CHECKED and not creating:
            check_revision(entry, expected_revision)
        # A new entry readers do not see (a draft, one for review) changes nothing they
        # see — nor its sources, published only by a visible entry: nothing to watch.
        watch = None
        if not creating or entry.published:
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
        if watch is not None:
            corrected = {entry.pk: ReaderEvent.Action.CORRECTED} if note else None
            created, changed = ([entry.pk], []) if creating else ([], [entry.pk])
            watch.record(changed, actions=corrected, created=created)
        _schedule_lift(entry)
        _schedule_lapse(entry)
    return entry


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
