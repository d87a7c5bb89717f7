"""A whole negotiation as JSON: export, and import into another database.

The export holds everything the record is made of — the negotiation and its
phases, the actors and sources it uses, every entry of every kind (drafts
included) with its date in EDTF, its sources and corrections, status changes
pointing at their proposal — and nothing that belongs to one database: no ids
(actors are named by slug, sources by URL, entries by a reference ``e1``, ``e2``…
in timeline order), no versions, no users, no history. Keys are sorted and lists
have a fixed order, so the same record always gives the same text, and
export → import into an empty database → export gives it back identical.

The import goes through the domain functions in one transaction: the same
validation and rules as any other write, and nothing is kept if any part fails.
An actor or source already in the database (same slug or URL) is reused as it
is; a negotiation that already exists is refused.
"""

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from negotiations.caching import publication
from negotiations.dates import PartialDate
from negotiations.domain.entries import add_correction, save_entry
from negotiations.domain.records import get_or_create_source, save_record
from negotiations.models import ENTRY_MODELS, Actor, Entry, Negotiation, Phase, Proposal, Source
from negotiations.numbers import NOT_ASCII, written_in_ascii

FORMAT = "parley-negotiation"
FORMAT_VERSION = 1
IMPORT_REASON = "Imported from a negotiation export"

ACTOR_FIELDS = ("name", "kind", "title", "country", "aliases", "wikidata_id")
SOURCE_FIELDS = ("title", "publisher")
NEGOTIATION_FIELDS = ("title", "summary", "status")
# The spine's fields written as they are (the date, sources and order are handled apart).
ENTRY_FIELDS = ("time", "timezone", "sequence", "state", "publish_at", "key")
# Kind fields stored in two columns and written as one EDTF string.
PARTIAL_DATE_FIELDS = {"due_date": ("due_date_start", "due_date_precision")}


class ExchangeError(Exception):
    """A file that cannot be imported; the message says why, in a sentence."""


# --------------------------------------------------------------------------- #
# Values
# --------------------------------------------------------------------------- #


def _datetime_out(value):
    return value.astimezone(datetime.UTC).isoformat() if value else None


def _created(item):
    """When a record was created: as exported, or now for files written by hand."""
    return _datetime_in(item.get("created_at")) or timezone.now()


def _datetime_in(value):
    if value in (None, ""):
        return None
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"the time “{value}” has no time zone offset")
    return parsed


def _iso(value):
    return value.isoformat() if value is not None else None


def _date_in(value):
    return datetime.date.fromisoformat(value) if value else None


def _integer(value, name):
    """A whole number from the file: an int, or text of the digits 0–9."""
    if isinstance(value, bool | float) or not written_in_ascii(value):
        raise ValueError(f"{name} “{value}” is not a whole number written with the digits 0 to 9")
    return int(value)


def _time_in(value):
    return datetime.time.fromisoformat(value) if value else None


def _kind_fields(model):
    """The kind's own fields, in a fixed order (the link to the spine left out)."""
    return [
        field
        for field in model._meta.local_concrete_fields
        if not field.primary_key and field.name not in _partial_date_columns()
    ]


def _partial_date_columns():
    return {column for pair in PARTIAL_DATE_FIELDS.values() for column in pair}


# --------------------------------------------------------------------------- #
# Export
# --------------------------------------------------------------------------- #


def export_negotiation(negotiation):
    """The record of ``negotiation`` as a dict ready for ``json.dumps(sort_keys=True)``."""
    entries = list(
        Entry.objects.for_negotiation(negotiation).chronological().prefetch_related("sources")
    )
    refs = {entry.pk: f"e{index}" for index, entry in enumerate(entries, start=1)}
    actor_ids = set(negotiation.parties.values_list("pk", flat=True))
    source_ids = set()
    exported_entries = []
    for entry in entries:
        item, used_actors = _export_entry(entry.specific, refs)
        actor_ids |= used_actors
        source_ids |= {source.pk for source in entry.sources.all()}
        exported_entries.append(item)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "negotiation": _export_negotiation(negotiation),
        "actors": _export_actors(actor_ids),
        "sources": [
            {
                "url": source.url,
                "title": source.title,
                "publisher": source.publisher,
                "published_on": _iso(source.published_on),
                "created_at": _datetime_out(source.created_at),
            }
            for source in Source.objects.filter(pk__in=source_ids).order_by("url")
        ],
        "entries": exported_entries,
    }


def export_json(negotiation):
    """The deterministic JSON text of ``export_negotiation``."""
    return (
        json.dumps(export_negotiation(negotiation), sort_keys=True, indent=2, ensure_ascii=False)
        + "\n"
    )


def _export_negotiation(negotiation):
    return {
        "slug": negotiation.slug,
        **{name: getattr(negotiation, name) for name in NEGOTIATION_FIELDS},
        "parties": sorted(negotiation.parties.values_list("slug", flat=True)),
        "created_at": _datetime_out(negotiation.created_at),
        "phases": [
            {
                "name": phase.name,
                "starts_on": _iso(phase.starts_on),
                "ends_on": _iso(phase.ends_on),
                "created_at": _datetime_out(phase.created_at),
            }
            for phase in negotiation.phases.order_by("starts_on", "name", "pk")
        ],
    }


def _export_actors(actor_ids):
    """The actors used, and the governments or organizations they belong to."""
    actors = {}
    pending = set(actor_ids)
    while pending:
        found = Actor.objects.filter(pk__in=pending).select_related("affiliation")
        pending = set()
        for actor in found:
            actors[actor.pk] = actor
            if actor.affiliation_id and actor.affiliation_id not in actors:
                pending.add(actor.affiliation_id)
    return [
        {
            "slug": actor.slug,
            **{name: getattr(actor, name) for name in ACTOR_FIELDS},
            "affiliation": actor.affiliation.slug if actor.affiliation_id else None,
            "created_at": _datetime_out(actor.created_at),
        }
        for actor in sorted(actors.values(), key=lambda actor: actor.slug)
    ]


def _export_entry(entry, refs):
    actor_ids = set()
    item = {
        "ref": refs[entry.pk],
        "type": entry.entry_type,
        "date": entry.date.edtf,
        **{name: getattr(entry, name) for name in ENTRY_FIELDS},
        "sources": sorted(source.url for source in entry.sources.all()),
        "created_at": _datetime_out(entry.created_at),
        "corrections": [
            {"note": correction.note, "made_at": _datetime_out(correction.made_at)}
            for correction in entry.corrections.order_by("made_at", "pk")
        ],
    }
    item["time"] = _iso(entry.time)
    item["publish_at"] = _datetime_out(entry.publish_at)
    for field in _kind_fields(type(entry)):
        value = getattr(entry, field.attname)
        if isinstance(field, models.ForeignKey) and field.related_model is Actor:
            if value is not None:
                actor_ids.add(value)
                value = Actor.objects.values_list("slug", flat=True).get(pk=value)
        elif isinstance(field, models.ForeignKey) and field.related_model is Proposal:
            value = refs.get(value) if value is not None else None
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        item[field.name] = value
    for name, (start, precision) in PARTIAL_DATE_FIELDS.items():
        if hasattr(entry, start):
            value = getattr(entry, start)
            item[name] = PartialDate(value, getattr(entry, precision)).edtf if value else None
    for name in type(entry).M2M_FIELDS:
        related = list(getattr(entry, name).all())
        actor_ids |= {actor.pk for actor in related}
        item[name] = sorted(actor.slug for actor in related)
    return item, actor_ids


# --------------------------------------------------------------------------- #
# Import
# --------------------------------------------------------------------------- #


def _reason(error):
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
                for field, messages in error.message_dict.items()
            )
        return " ".join(error.messages)
    if isinstance(error, KeyError):
        return f"the field “{error.args[0]}” is missing"
    return str(error)


class _About:
    """Re-raise any problem met while importing one item as an ExchangeError naming it."""

    def __init__(self, label):
        self.label = label

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, ExchangeError):
            return False
        if isinstance(error, ValidationError | KeyError | TypeError | ValueError | LookupError):
            raise ExchangeError(f"{self.label}: {_reason(error).rstrip('.')}.") from error
        return False


def _items(data, key, label):
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ExchangeError(f"“{key}” in {label} must be a list of objects.")
    return value


def read_export(text):
    """Parse the text of an export file, or say in a sentence why it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExchangeError(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExchangeError(
            f"The file is not a Parley negotiation export (its “format” is not “{FORMAT}”)."
        )
    if data.get("format_version") != FORMAT_VERSION:
        raise ExchangeError(
            f"The file is in export format version {data.get('format_version')!r}; "
            f"this Parley reads version {FORMAT_VERSION}."
        )
    if not isinstance(data.get("negotiation"), dict):
        raise ExchangeError("The file has no “negotiation” object.")
    return data


def import_negotiation(data, *, by=None):
    """Restore an export (as parsed by ``read_export``) in one transaction; returns a summary."""
    with _About("The negotiation"):
        slug = data["negotiation"]["slug"]
    if Negotiation.objects.filter(slug=slug).exists():
        raise ExchangeError(
            f"A negotiation “{slug}” already exists in this database; nothing was imported."
        )
    actors_data = _items(data, "actors", "the file")
    sources_data = _items(data, "sources", "the file")
    entries_data = _items(data, "entries", "the file")
    with publication.together():  # one build and one purge once it is all in
        actors, new_actors = _import_actors(actors_data, by=by)
        sources = {}
        for item in sources_data:
            with _About(f"Source {item.get('url', '?')}"):
                sources[item["url"]] = get_or_create_source(
                    url=item["url"],
                    by=by,
                    title=item.get("title", ""),
                    publisher=item.get("publisher", ""),
                    published_on=_date_in(item.get("published_on")),
                    created_at=_created(item),
                )
        negotiation = _import_negotiation_record(data["negotiation"], actors, by=by)
        importer = _EntryImporter(entries_data, negotiation, actors, sources, by=by)
        importer.run()
    return {
        "negotiation": negotiation,
        "actors": len(actors_data),
        "new_actors": new_actors,
        "sources": len(sources_data),
        "entries": len(entries_data),
        "corrections": importer.corrections,
    }


def _mark(record):
    record._change_reason = IMPORT_REASON
    return record


def _actor(actors, slug, label):
    if slug in (None, ""):
        return None
    if slug in actors:
        return actors[slug]
    found = Actor.objects.filter(slug=slug).first()
    if found is None:
        raise ExchangeError(f"{label}: the actor “{slug}” is neither in the file nor known here.")
    actors[slug] = found
    return found


def _import_actors(items, *, by):
    """Create the actors not known yet, each after the one it is affiliated to."""
    actors, pending, new = {}, {}, 0
    for item in items:
        with _About("An actor"):
            slug = item["slug"]
        existing = Actor.objects.filter(slug=slug).first()
        if existing is not None:
            actors[slug] = existing
        else:
            pending[slug] = item
    while pending:
        ready = [
            slug
            for slug, item in pending.items()
            if not item.get("affiliation")
            or item["affiliation"] in actors
            or (
                item["affiliation"] not in pending
                and Actor.objects.filter(slug=item["affiliation"]).exists()
            )
        ]
        if not ready:
            names = ", ".join(sorted(pending))
            raise ExchangeError(
                f"The actors {names} are affiliated to actors that are neither in the file "
                "nor known here (or to each other in a loop)."
            )
        for slug in sorted(ready):
            item = pending.pop(slug)
            with _About(f"Actor “{slug}”"):
                actor = Actor(
                    slug=slug,
                    affiliation=_actor(actors, item.get("affiliation"), f"Actor “{slug}”"),
                    created_at=_created(item),
                    **{name: item[name] for name in ACTOR_FIELDS if name in item},
                )
                actors[slug] = save_record(_mark(actor), by=by)
                new += 1
    return actors, new


def _import_negotiation_record(item, actors, *, by):
    with _About(f"Negotiation “{item.get('slug')}”"):
        negotiation = Negotiation(
            slug=item["slug"],
            created_at=_created(item),
            **{name: item[name] for name in NEGOTIATION_FIELDS if name in item},
        )
        parties = [_actor(actors, slug, "The negotiation's parties") for slug in item["parties"]]
        save_record(_mark(negotiation), by=by, m2m={"parties": parties})
    for index, phase in enumerate(_items(item, "phases", "the negotiation"), start=1):
        with _About(f"Phase {index} (“{phase.get('name', '?')}”)"):
            save_record(
                _mark(
                    Phase(
                        negotiation=negotiation,
                        name=phase["name"],
                        starts_on=_date_in(phase["starts_on"]),
                        ends_on=_date_in(phase.get("ends_on")),
                        created_at=_created(phase),
                    )
                ),
                by=by,
            )
    return negotiation


class _EntryImporter:
    """Entries in file order; a proposal another entry points to is created first."""

    def __init__(self, items, negotiation, actors, sources, *, by):
        self.items = items
        self.by_ref = {}
        for index, item in enumerate(items, start=1):
            ref = item.get("ref")
            if not isinstance(ref, str) or ref in self.by_ref:
                raise ExchangeError(f"Entry {index} has a missing or repeated “ref”.")
            self.by_ref[ref] = item
        self.negotiation, self.actors, self.sources, self.by = negotiation, actors, sources, by
        self.created, self.in_progress, self.corrections = {}, set(), 0

    def run(self):
        for item in self.items:
            self.create(item["ref"])

    def proposal(self, ref, label):
        if ref in (None, ""):
            return None
        if ref not in self.by_ref:
            raise ExchangeError(f"{label}: it points to “{ref}”, which is not in the file.")
        if ref in self.in_progress:
            raise ExchangeError(f"{label}: proposals point to each other in a loop.")
        entry = self.create(ref)
        if not isinstance(entry, Proposal):
            raise ExchangeError(f"{label}: “{ref}” is not a proposal.")
        return entry

    def create(self, ref):
        if ref in self.created:
            return self.created[ref]
        item = self.by_ref[ref]
        label = f"Entry {ref} ({item.get('type', '?')} of {item.get('date', '?')})"
        self.in_progress.add(ref)
        with _About(label):
            model = ENTRY_MODELS.get(item["type"])
            if model is None:
                kinds = ", ".join(sorted(ENTRY_MODELS))
                raise ValueError(f"the type “{item['type']}” is not one of {kinds}")
            entry = model(negotiation=self.negotiation)
            entry.date = PartialDate.parse(item["date"])
            entry.time = _time_in(item.get("time"))
            entry.timezone = item.get("timezone") or ""
            entry.sequence = _integer(item.get("sequence") or 0, "sequence")
            entry.state = item.get("state", "draft")
            entry.publish_at = _datetime_in(item.get("publish_at"))
            entry.key = bool(item.get("key", False))
            entry.created_at = _created(item)
            self._kind_values(entry, item, label)
            m2m = {
                name: [_actor(self.actors, slug, label) for slug in item.get(name, [])]
                for name in model.M2M_FIELDS
            }
            sources = []
            for url in item.get("sources", []):
                if url not in self.sources:
                    raise ExchangeError(f"{label}: its source {url} is not among the sources.")
                sources.append(self.sources[url])
            save_entry(_mark(entry), by=self.by, sources=sources, m2m=m2m, keep_sequence=True)
            for correction in _items(item, "corrections", label):
                add_correction(
                    entry,
                    note=correction["note"],
                    by=self.by,
                    made_at=_datetime_in(correction["made_at"]),
                )
                self.corrections += 1
        self.in_progress.discard(ref)
        self.created[ref] = entry
        return entry

    def _kind_values(self, entry, item, label):
        for field in _kind_fields(type(entry)):
            if field.name not in item:
                continue
            value = item[field.name]
            if isinstance(field, models.ForeignKey) and field.related_model is Actor:
                value = _actor(self.actors, value, label)
            elif isinstance(field, models.ForeignKey) and field.related_model is Proposal:
                value = self.proposal(value, label)
            elif isinstance(field, models.DecimalField) and value not in (None, ""):
                if not written_in_ascii(value):
                    raise ValueError(f"{field.name} “{value}”: {NOT_ASCII}")
                try:
                    value = Decimal(str(value))
                except InvalidOperation:
                    raise ValueError(f"{field.name} “{value}” is not a number") from None
            elif isinstance(field, models.DateField) and value:
                value = datetime.date.fromisoformat(value)
            setattr(entry, field.name, value)
        for name, (start, precision) in PARTIAL_DATE_FIELDS.items():
            if hasattr(entry, start) and item.get(name):
                parsed = PartialDate.parse(item[name])
                setattr(entry, start, parsed.start)
                setattr(entry, precision, parsed.precision)
