"""Reading the history: versions of a record as people read them, and what changed.

django-simple-history keeps one row per save (``record.history``) with the
many-to-many ids of that version in ``related_ids``. This module turns two rows
into a readable list of changes (dates with their precision, names instead of
ids, a word-by-word diff of texts) and finds deleted records. Writing — restoring
a version, bringing a record back — is ``negotiations.domain``'s.
"""

import datetime
import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from negotiations.dates import PartialDate

# Bookkeeping, not content: shown nowhere in a diff.
HIDDEN_FIELDS = {
    "id",
    "entry_ptr",
    "entry_type",
    "created_at",
    "updated_at",
    "version",
    "sequence",
    "created_by",
    "search_text",  # derived, and not kept in history
    "search_vector",
    "live_since",  # set by publication events, not kept in history
    "shown_version",  # the cached text's bookkeeping, not kept in history
    "reader_version",  # the reader events' bookkeeping, not kept in history
    "reader_changed_at",
}
# Stored as two columns, read as one partial date.
PARTIAL_DATES = {
    "date_start": ("date_precision", "date"),
    "due_date_start": ("due_date_precision", "due date"),
}
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str
    inline: str | None = None  # word-by-word diff (safe HTML) for texts


def previous_version(version):
    """The history row saved just before ``version`` for the same record, or None."""
    model = version.instance_type
    attname = model._meta.pk.attname
    return (
        type(version)
        .objects.filter(**{attname: getattr(version, attname)}, history_id__lt=version.history_id)
        .order_by("-history_id")
        .first()
    )


def _related_label(model, pk, cache):
    key = (model, pk)
    if key not in cache:
        obj = model._base_manager.filter(pk=pk).first()
        name = model._meta.verbose_name
        cache[key] = str(obj) if obj is not None else f"{name} #{pk} (deleted)"
    return cache[key]


def _display(field, value, cache):
    if value is None or value == "" or value == []:
        return EMPTY
    if field.is_relation:
        return _related_label(field.related_model, value, cache)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def version_values(version, cache=None):
    """``{field: (label, shown value, raw value, is text)}`` for one history row, in model order."""
    return _values(version.instance_type, version, version.related_ids or {}, cache)


def _values(model, record, related_ids, cache=None):
    """The same for ``record`` (a history row or a model instance) of ``model``, with the
    many-to-many ids ``related_ids``."""
    cache = {} if cache is None else cache
    values = {}
    precision_fields = {precision for precision, _ in PARTIAL_DATES.values()}
    for field in model._meta.concrete_fields:
        if field.name in HIDDEN_FIELDS or field.name in precision_fields:
            continue
        raw = getattr(record, field.attname)
        if field.name in PARTIAL_DATES:
            precision_name, label = PARTIAL_DATES[field.name]
            precision = getattr(record, precision_name)
            partial = PartialDate(raw, precision) if raw else None
            shown = EMPTY
            if partial:
                shown = partial.human
                if partial.human != partial.edtf:
                    shown += f" ({partial.edtf})"
            values[label] = (label, shown, partial.edtf if partial else None, False)
            continue
        is_text = isinstance(field, models.CharField | models.TextField) and not field.choices
        values[field.name] = (str(field.verbose_name), _display(field, raw, cache), raw, is_text)
    for field in model._meta.many_to_many:
        ids = sorted(related_ids.get(field.name, []))
        names = sorted(_related_label(field.related_model, pk, cache) for pk in ids)
        values[field.name] = (str(field.verbose_name), "; ".join(names) or EMPTY, ids, False)
    return values


def inline_diff(old, new):
    """Words removed and added, as safe HTML (``<del>``/``<ins>``)."""
    tokens = re.compile(r"\s+|\w+|[^\w\s]")
    before, after = tokens.findall(old or ""), tokens.findall(new or "")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    parts = []
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            parts.append(escape("".join(before[a1:a2])))
            continue
        if a2 > a1:
            parts.append(format_html("<del>{}</del>", "".join(before[a1:a2])))
        if b2 > b1:
            parts.append(format_html("<ins>{}</ins>", "".join(after[b1:b2])))
    return mark_safe("".join(str(part) for part in parts))  # every part is escaped above


def diff_versions(old, new):
    """What changed from history row ``old`` to ``new`` (``old=None``: everything set)."""
    cache = {}
    after = version_values(new, cache)
    before = version_values(old, cache) if old is not None else None
    return _diff(before, after)


def diff_revision(live, proposed, revision):
    """What publishing ``revision`` changes: the ``live`` entry against ``proposed`` (the
    same entry with the revision applied in memory, ``domain.with_pending_revision``)."""
    model = type(live)
    live_ids = {
        field.name: list(getattr(live, field.name).values_list("pk", flat=True))
        for field in model._meta.many_to_many
    }
    proposed_ids = {name: revision.changes.get(name, ids) for name, ids in live_ids.items()}
    cache = {}
    return _diff(
        _values(model, live, live_ids, cache), _values(model, proposed, proposed_ids, cache)
    )


def _diff(before, after):
    """The changes between two ``_values`` (``before=None``: everything set)."""
    changes = []
    for name, (label, shown, raw, is_text) in after.items():
        _, old_shown, old_raw, _ = (before or {}).get(name, (label, EMPTY, None, is_text))
        if before is not None and old_raw == raw:
            continue
        if before is None and shown == EMPTY:
            continue
        inline = None
        if is_text and old_raw and raw:
            inline = inline_diff(old_raw, raw)
        changes.append(Change(name, label, old_shown, shown, inline))
    return changes


def describe(version):
    """A one-line name for the record as it was at that version."""
    try:
        return str(version.instance)
    except ObjectDoesNotExist:  # a related row it names is gone
        model = version.instance_type
        return f"{model._meta.verbose_name.capitalize()} #{version.instance.pk}"


def deleted_records(model, *, limit=200):
    """The tombstones (last history rows) of deleted records of ``model``, newest first."""
    history = model.history.model
    attname = model._meta.pk.attname
    rows = (
        history.objects.filter(history_type="-")
        .exclude(**{f"{attname}__in": model._base_manager.values("pk")})
        .select_related("history_user")
        .order_by("-history_id")
    )
    seen, tombstones = set(), []
    for row in rows.iterator():
        pk = getattr(row, attname)
        if pk in seen:
            continue
        seen.add(pk)
        row.description = describe(row)
        tombstones.append(row)
        if len(tombstones) >= limit:
            break
    return tombstones
