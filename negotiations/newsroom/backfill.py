"""Bulk backfill of timeline entries from CSV.

One row per entry. Every row is checked by the same domain functions as any other
write (inside a savepoint, so later rows can refer to proposals created by earlier
ones); every bad row is reported by its line number with the reason; and if any
row is bad, nothing at all is imported — the whole file is one transaction.

Columns (header names, in any order; only ``type`` and ``date`` are always needed):

==============  ==============================================================
negotiation     slug of the negotiation (or ``--negotiation`` for the whole file)
type            statement, event, status_change, proposal or expectation
date            EDTF: "2025", "2025-02" or "2025-02-23"
time, timezone  optional, e.g. "14:00" and "Europe/Kyiv" (needs a full date)
speaker         actor slug, name or alias: who spoke (statement), expects
                (expectation), proposed (proposal), caused a status change;
                for an event, several separated by ";"
text            the statement or expectation; the note of a status change, the
                description of an event, the summary of a proposal
title           of an event or a proposal
kind            of a statement (direct, paraphrase, …) or an event (meeting, …)
proposal        title of a proposal of the same negotiation (status change, statement)
status          the new status (status change)
stance          the speaker's stance on the proposal (statement)
amount          and ``currency`` of a proposal
due_date        of an expectation, EDTF
source_url      one or more URLs separated by spaces; new ones become sources
source_title    title of the first source, if it is new
state           draft (default), review or published
key             yes/no: a key entry
==============  ==============================================================
"""

import csv
import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from negotiations.caching import publication
from negotiations.dates import PartialDate
from negotiations.domain.entries import save_entry
from negotiations.domain.records import get_or_create_source
from negotiations.models import (
    ENTRY_MODELS,
    Actor,
    Event,
    Expectation,
    Negotiation,
    Proposal,
    PublicationState,
    Statement,
    StatusChange,
)
from negotiations.numbers import NOT_ASCII, written_in_ascii

COLUMNS = (
    "negotiation",
    "type",
    "date",
    "time",
    "timezone",
    "speaker",
    "text",
    "title",
    "kind",
    "proposal",
    "status",
    "stance",
    "amount",
    "currency",
    "due_date",
    "source_url",
    "source_title",
    "state",
    "key",
)
TRUE, FALSE = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}

# Which column a model field's error is about.
ERROR_COLUMNS = {
    "actor": "speaker",
    "proposed_by": "speaker",
    "actors": "speaker",
    "note": "text",
    "description": "text",
    "summary": "text",
    "date_start": "date",
    "date_precision": "date",
    "due_date_start": "due_date",
    "sources": "source_url",
    "url": "source_url",
    "negotiation": "negotiation",
}


class BackfillError(Exception):
    """The file as a whole cannot be read (not CSV, unknown columns, …)."""


class RowError(Exception):
    """One row cannot be imported; the message is the reason."""


@dataclass
class Report:
    rows: int = 0
    created: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)  # (line, reason), in file order
    imported: bool = False


def import_entries_csv(stream, *, negotiation=None, by=None, dry_run=False):
    """Import the entries of a CSV text stream; see the module for the columns.

    Returns a ``Report``: ``imported`` is true only when every row was valid and
    this was not a dry run; otherwise nothing was written.
    """
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames or []
    except (csv.Error, UnicodeDecodeError) as error:
        raise BackfillError(f"Line 1 cannot be read: {error}.") from None
    _check_header(header, negotiation)
    report = Report()
    rows = _Rows(negotiation=negotiation, by=by)
    try:
        with publication.together():  # one build and one purge once every row is in
            line = reader.line_num
            while True:
                start = line + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except (csv.Error, UnicodeDecodeError) as error:
                    raise BackfillError(f"Line {start} cannot be read: {error}.") from None
                line = reader.line_num
                if not any((value or "").strip() for value in row.values()):
                    continue
                report.rows += 1
                try:
                    with transaction.atomic():
                        entry = rows.import_row(row)
                    report.created[entry.get_entry_type_display().lower()] += 1
                except (RowError, ValidationError, PermissionDenied) as error:
                    report.errors.append((start, _reason(error)))
            if report.errors or dry_run:
                raise _RollBack
    except _RollBack:
        return report
    report.imported = True
    return report


class _RollBack(Exception):
    pass


def _check_header(header, negotiation):
    names = [(name or "").strip() for name in header]
    if not any(names):
        raise BackfillError("The file is empty: the first line must name the columns.")
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise BackfillError(
            f"Line 1 names unknown columns: {', '.join(unknown)}. "
            f"Known columns: {', '.join(COLUMNS)}."
        )
    needed = ["type", "date"] + ([] if negotiation else ["negotiation"])
    missing = [name for name in needed if name not in names]
    if missing:
        raise BackfillError(f"Line 1 lacks the column(s): {', '.join(missing)}.")
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise BackfillError(f"Line 1 names a column twice: {', '.join(repeated)}.")


def _reason(error):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        parts = []
        for name, messages in error.message_dict.items():
            text = " ".join(messages)
            parts.append(text if name == "__all__" else f"{ERROR_COLUMNS.get(name, name)}: {text}")
        return "; ".join(parts)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class _Rows:
    def __init__(self, *, negotiation, by):
        self.negotiation, self.by = negotiation, by
        self.negotiations = {}
        self._names = None

    # -- lookups ------------------------------------------------------------ #

    def find_negotiation(self, slug):
        if not slug:
            if self.negotiation is None:
                raise RowError("negotiation: give the slug of the negotiation.")
            return self.negotiation
        if slug not in self.negotiations:
            self.negotiations[slug] = Negotiation.objects.filter(slug=slug).first()
        if self.negotiations[slug] is None:
            raise RowError(f"negotiation: there is no negotiation “{slug}”.")
        return self.negotiations[slug]

    def find_actor(self, value):
        if self._names is None:
            self._names = {}
            for actor in Actor.objects.all():
                for name in {actor.slug, actor.name, *actor.aliases}:
                    self._names.setdefault(name.casefold(), set()).add(actor)
        found = self._names.get(value.strip().casefold(), set())
        if not found:
            raise RowError(
                f"speaker: “{value}” is not a known actor (give a slug, a name or an alias)."
            )
        if len(found) > 1:
            slugs = ", ".join(sorted(actor.slug for actor in found))
            raise RowError(f"speaker: “{value}” could be {slugs}; give the slug.")
        return next(iter(found))

    def find_proposal(self, title, negotiation):
        matches = list(
            Proposal.objects.filter(negotiation=negotiation, title__iexact=title.strip())
        )
        if not matches:
            raise RowError(
                f"proposal: no proposal titled “{title}” in “{negotiation.slug}” "
                "(a proposal row earlier in the file counts)."
            )
        if len(matches) > 1:
            raise RowError(f"proposal: {len(matches)} proposals are titled “{title}”.")
        return matches[0]

    # -- one row ------------------------------------------------------------ #

    def import_row(self, row):
        row = {name.strip(): (value or "").strip() for name, value in row.items() if name}
        kind = row.get("type", "").lower().replace(" ", "_")
        model = ENTRY_MODELS.get(kind)
        if model is None:
            raise RowError(
                f"type: “{row.get('type', '')}” is not one of {', '.join(sorted(ENTRY_MODELS))}."
            )
        negotiation = self.find_negotiation(row.get("negotiation"))
        entry = model(negotiation=negotiation)
        try:
            entry.date = PartialDate.parse(row.get("date", ""))
        except ValidationError as error:
            raise RowError(f"date: {' '.join(error.messages)}") from None
        entry.time = _time(row.get("time", ""))
        entry.timezone = row.get("timezone", "")
        entry.state = _state(row.get("state", ""))
        entry.key = _yes_no(row.get("key", ""), "key")
        m2m = self._kind_fields(entry, row, negotiation)
        sources = self._sources(row)
        return save_entry(entry, by=self.by, sources=sources, m2m=m2m)

    def _kind_fields(self, entry, row, negotiation):
        speaker = row.get("speaker", "")
        text = row.get("text", "")
        m2m = {}
        if isinstance(entry, Statement | Expectation):
            entry.actor = self.find_actor(speaker) if speaker else None
            entry.text = text
            if entry.actor is None:
                raise RowError("speaker: a statement or an expectation needs its speaker.")
        if isinstance(entry, Statement):
            entry.kind = row.get("kind") or Statement.Kind.DIRECT
            entry.stance = row.get("stance", "")
            if row.get("proposal"):
                entry.proposal = self.find_proposal(row["proposal"], negotiation)
        if isinstance(entry, Expectation) and row.get("due_date"):
            try:
                entry.due_date = row["due_date"]
            except ValidationError as error:
                raise RowError(f"due_date: {' '.join(error.messages)}") from None
        if isinstance(entry, StatusChange):
            if not row.get("proposal"):
                raise RowError("proposal: a status change needs the title of its proposal.")
            entry.proposal = self.find_proposal(row["proposal"], negotiation)
            entry.status = row.get("status", "")
            entry.note = text
            entry.actor = self.find_actor(speaker) if speaker else None
        if isinstance(entry, Event):
            entry.title = row.get("title", "")
            entry.description = text
            entry.kind = row.get("kind") or Event.Kind.OTHER
            names = [name for name in speaker.split(";") if name.strip()]
            m2m["actors"] = [self.find_actor(name) for name in names]
        if isinstance(entry, Proposal):
            entry.title = row.get("title", "")
            entry.summary = text
            entry.proposed_by = self.find_actor(speaker) if speaker else None
            entry.currency = row.get("currency", "").upper()
            entry.amount = _amount(row.get("amount", ""))
        return m2m

    def _sources(self, row):
        sources = []
        for index, url in enumerate(row.get("source_url", "").split()):
            title = row.get("source_title", "") if index == 0 else ""
            try:
                sources.append(get_or_create_source(url=url, by=self.by, title=title))
            except ValidationError as error:
                raise RowError(f"source_url: {url}: {' '.join(error.messages)}") from None
        return sources


def _time(value):
    if not value:
        return None
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        raise RowError(f"time: “{value}” is not a time such as 14:00.") from None


def _state(value):
    value = value.lower() or PublicationState.DRAFT
    if value not in PublicationState.values:
        raise RowError(f"state: “{value}” is not one of {', '.join(PublicationState.values)}.")
    return value


def _yes_no(value, column):
    value = value.lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RowError(f"{column}: “{value}” is neither yes nor no.")


def _amount(value):
    if not value:
        return None
    if not written_in_ascii(value):
        raise RowError(f"amount: “{value}”: {NOT_ASCII}")
    try:
        return Decimal(value.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise RowError(f"amount: “{value}” is not a number.") from None
