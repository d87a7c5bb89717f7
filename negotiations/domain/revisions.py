"""Revisions held for review: changes to a published entry that wait for an editor."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from negotiations.domain.conflicts import NOT_CHECKED, ConflictError, _revision_conflict
from negotiations.domain.rules import _entry_rule_errors, may_publish
from negotiations.domain.store import _history_user, _unstorable_text
from negotiations.models import (
    Entry,
    PublicationState,
    Revision,
)

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
