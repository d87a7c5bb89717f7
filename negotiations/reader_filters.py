"""The timeline's filters: GET parameters a reader can share as a URL.

``?actor=<slug>&kind=<entry type>&from=2025-02&to=2025-02-23&q=<text>``. Dates are
read as people write them (a year, a month or a day) by the one date parser.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from .dates import PartialDate
from .models import EntryType

TEXT_MAX = 200


class PartialDateField(forms.Field):
    """A year, a month or a day as typed ("2025", "2025-02", "2025-02-23")."""

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": "10", "autocomplete": "off"}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        return PartialDate.parse(value[:40])


class TimelineFilterForm(forms.Form):
    """Built with the actors of the negotiation (no query of its own)."""

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

    def __init__(self, data=None, *, actors=()):
        super().__init__(data or None)
        self.actors = {actor.slug: actor for actor in actors}
        self.fields["actor"].choices = [("", "Anyone")] + [
            (actor.slug, actor.name) for actor in actors
        ]
        # "from" is a Python keyword: declared here so the URL can say ?from=…
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = PartialDateField(
                label=label,
                required=False,
                help_text="2025, 2025-02 or 2025-02-23",
            )
        self.order_fields(["actor", "kind", "from", "to", "q"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start.start > end.end:
            raise ValidationError("“From” must not be after “To”.")
        return cleaned

    @property
    def is_active(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def filters(self):
        """The valid filters, as keyword arguments of ``selectors.filtered``.

        An invalid field is left out (the form shows its error), the others apply.
        """
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name)
            for name in self.fields
            if name in getattr(self, "cleaned_data", {}) and name not in self.errors
        }
        if self.non_field_errors():
            data.pop("from", None)
            data.pop("to", None)
        filters = {}
        if data.get("actor"):
            filters["actor"] = self.actors[data["actor"]]
        if data.get("kind"):
            filters["kind"] = data["kind"]
        if data.get("from"):
            filters["start"] = data["from"]
        if data.get("to"):
            filters["end"] = data["to"]
        if data.get("q"):
            filters["text"] = data["q"]
        return filters


class SinceForm(forms.Form):
    since = forms.DateField(
        label="Since",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    DEFAULT_DAYS = 30

    def day(self, today):
        """The day to look back to: the one asked for (not in the future), else 30 days."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("since"):
            return min(self.cleaned_data["since"], today)
        return today - datetime.timedelta(days=self.DEFAULT_DAYS)
