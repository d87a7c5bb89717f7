"""The timeline's filters and page cursors: GET parameters a reader can share as a URL.

``?actor=<slug>&kind=<entry type>&from=2025-02&to=2025-02-23&q=<text>``. Dates are
read as people write them (a year, a month or a day) by the one date parser.

A long timeline is read a page at a time, by position in the timeline order rather
than by page number (no counting, and a page link stays right while entries are
added): ``?before=2025-02-23.3.1234`` (the entries before that date, order within
the day and id), ``?after=…`` (after it), ``?entry=1234`` (the page starting at an
entry: its permalink). Cursors keep the filters they were made with.
"""

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property

from negotiations.dates import PartialDate, check_range
from negotiations.models import EntryType
from negotiations.numbers import parse_id

TEXT_MAX = 200
# Each filter's GET parameter → its argument of ``EntryQuerySet.matching``.
ARGUMENT = {"actor": "actor", "kind": "kind", "from": "start", "to": "end", "q": "text"}


class ReadingOrder:
    """How a reader reads the timeline (``?order=``): ``newest`` opens at the latest
    entries and lists them newest first; ``oldest`` opens at the first entries, oldest
    first. Neither given: the latest page, oldest first (a ``from`` date opens at its
    start). Every order reads the same entries, a page at a time by the same cursors."""

    NEWEST = "newest"
    OLDEST = "oldest"
    CHOICES = [(NEWEST, "Newest first"), (OLDEST, "Oldest first")]


class PartialDateField(forms.Field):
    """A year, a month or a day as typed ("2025", "2025-02", "2025-02-23")."""

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": "10", "autocomplete": "off"}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        return PartialDate.parse(value[:40])


class TimelineFilterForm(forms.Form):
    """Built with a function giving the actors of the negotiation (no query of its own:
    objects with ``slug`` and ``name``, and ``pk`` for the filter), called only when an
    actor is asked for or the form is drawn."""

    actor = forms.ChoiceField(label="Who", required=False)
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Every kind"), *EntryType.choices],
    )
    q = forms.CharField(
        label="Words",
        required=False,
        max_length=TEXT_MAX,
        strip=True,
        help_text="Entries with every word",
    )

    def __init__(self, data, *, actors):
        super().__init__(data or None)
        self._actors = actors
        # Listed when the form is validated or drawn (a callable: Django reads it then),
        # not for every page read without an actor (hundreds of actors).
        self.fields["actor"].choices = lambda: (
            [("", "Anyone")] + [(actor.slug, actor.name) for actor in self.actors.values()]
        )
        # "from" is a Python keyword: declared here so the URL can say ?from=…
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = PartialDateField(
                label=label,
                required=False,
                help_text="2025, 2025-02 or 2025-02-23",
            )
        self.fields["order"] = forms.ChoiceField(
            label="Order",
            required=False,
            choices=[("", "Latest page"), *ReadingOrder.CHOICES],
            error_messages={
                "invalid_choice": "Choose “newest” or “oldest” (or leave it empty): "
                "“%(value)s” is not an order."
            },
        )
        self.order_fields(["actor", "kind", "from", "to", "q", "order"])

    @cached_property
    def actors(self):
        """The actors listed, by slug."""
        return {actor.slug: actor for actor in self._actors()}

    def clean(self):
        cleaned = super().clean()
        try:
            check_range(cleaned.get("from"), cleaned.get("to"))
        except ValidationError:
            raise ValidationError("“From” must not be after “To”.") from None
        return cleaned

    @property
    def is_active(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def order(self):
        """The reading order asked for (``ReadingOrder``), or None (also when invalid:
        the form shows the error)."""
        if not self.is_bound:
            return None
        self.is_valid()  # an invalid field is not in ``cleaned_data``
        return self.cleaned_data.get("order") or None

    def filters(self):
        """The valid filters, as keyword arguments of ``EntryQuerySet.matching`` (and
        ``actor``); an invalid field is left out (the form shows its error)."""
        if not self.is_bound:
            return {}
        self.is_valid()  # an invalid field is not in ``cleaned_data``
        data = dict(self.cleaned_data)
        if self.non_field_errors():
            data.pop("from", None)
            data.pop("to", None)
        filters = {
            ARGUMENT[name]: value for name, value in data.items() if name in ARGUMENT and value
        }
        if "actor" in filters:
            filters["actor"] = self.actors[filters["actor"]]
        return filters


class SinceForm(forms.Form):
    """``?since=``: a year, a month or a day, as every other date filter takes it."""

    since = PartialDateField(label="Since", required=False, help_text="2025, 2025-02 or 2025-02-20")

    DEFAULT_DAYS = 30

    def day(self, today):
        """The day to look back to: the first of the period asked for (not in the
        future), else 30 days ago."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("since"):
            return min(self.cleaned_data["since"].start, today)
        return today - datetime.timedelta(days=self.DEFAULT_DAYS)


_KEY = re.compile(r"(\d{4}-\d{2}-\d{2})\.(\d{1,9})\.(\d{1,18})", re.ASCII)


@dataclass(frozen=True)
class TimelineKey:
    """A position in the timeline order (date, order within the day, id), written
    ``2025-02-23.3.1234`` in a URL."""

    date_start: datetime.date
    sequence: int
    pk: int

    @classmethod
    def of(cls, entry):
        return cls(entry.date_start, entry.sequence, entry.pk)

    @classmethod
    def parse(cls, token):
        """The key written in ``token``, or None if it is not one."""
        match = _KEY.fullmatch(token or "")
        if not match:
            return None
        try:
            day = datetime.date.fromisoformat(match[1])
        except ValueError:
            return None
        return cls(day, int(match[2]), int(match[3]))

    def __str__(self):
        return f"{self.date_start.isoformat()}.{self.sequence}.{self.pk}"


@dataclass(frozen=True)
class Cursor:
    """Which page of a timeline-ordered list to show (none of them: the default page).

    One cursor at a time, the first of ``entry``, ``before``, ``after`` given; one that
    cannot be read is ignored and marked ``invalid`` (the page says so).
    """

    before: TimelineKey | None = None
    after: TimelineKey | None = None
    entry: int | None = None
    invalid: bool = False

    PARAMETERS = ("before", "after", "entry")

    @classmethod
    def from_query(cls, data, *, entries=True):
        """Read the cursor from GET parameters (``entries``: accept ``?entry=``)."""
        if entries and data.get("entry"):
            pk = parse_id(data["entry"])
            return cls(entry=pk) if pk is not None else cls(invalid=True)
        for name in ("before", "after"):
            if data.get(name):
                key = TimelineKey.parse(data[name].strip())
                return cls(**{name: key}) if key is not None else cls(invalid=True)
        return cls()

    @property
    def is_set(self):
        return self.before is not None or self.after is not None or self.entry is not None
