"""An editor's decision on a held revision: publish it or discard it."""

from django.core.exceptions import ValidationError
from django.db import transaction

from negotiations.domain.entries import save_entry
from negotiations.domain.revisions import (
    _check_decider,
    _decide,
    _decoded,
    _locked_pending,
    _revised_values,
    _same,
)
from negotiations.domain.versions import _existing, _label
from negotiations.models import (
    Entry,
    Revision,
)


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
