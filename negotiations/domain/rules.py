"""The entry rules and who may do what: publish, correct, delete."""

from negotiations.models import (
    Entry,
    Proposal,
    PublicationState,
    Statement,
    StatusChange,
)

PUBLISH_PERMISSION = "negotiations.publish_entry"


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
