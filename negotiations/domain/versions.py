"""Reading the history of a record: its versions and what a delete left behind."""

from django.core.exceptions import ValidationError
from django.db import models


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
