"""Forms shared by the admin: partial dates, aliases, versions and the domain's rules.

The forms only translate input; every rule they report comes from the model's
validation or from ``negotiations.domain.entries.check_entry_rules``.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape

from negotiations.dates import PARTIAL_DATE_HELP, PartialDate
from negotiations.domain.conflicts import ConflictError
from negotiations.domain.entries import check_entry_rules
from negotiations.domain.revisions import changes_are_held, check_revision, pending_revision
from negotiations.models import (
    Actor,
    EntryType,
    Event,
    Expectation,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    Stance,
    Statement,
    StatusChange,
)
from negotiations.numbers import NOT_ASCII, parse_id, written_in_ascii

QUICK_ADD = [
    (EntryType.STATEMENT, Statement),
    (EntryType.STATUS_CHANGE, StatusChange),
    (EntryType.EVENT, Event),
    (EntryType.PROPOSAL, Proposal),
    (EntryType.EXPECTATION, Expectation),
]

# Fields that read a number or a record's id from what was sent.
NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.ModelChoiceField)


class PlainHelpTextsMixin:
    """Help texts are written as plain text, but Django treats a form field's help text
    as HTML: the admin renders it with ``|safe``, so "<date>" became a tag and vanished
    or, typed as "&lt;", showed as written. Each help text is escaped here, once, when
    the form is built (text already marked safe is left as it is)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.help_text:
                field.help_text = conditional_escape(field.help_text)


def refuse_other_digits(form):
    """Django's number and choice-of-record fields read "٥" or "５" as 5: such input is an
    error on its field (``negotiations.numbers``)."""
    for name, field in form.fields.items():
        if not isinstance(field, NUMBER_FIELDS):
            continue
        sent = form[name].data
        values = sent if isinstance(sent, list | tuple) else [sent]
        if not all(written_in_ascii(value) for value in values):
            form.add_error(name, ValidationError(NOT_ASCII, code="not_ascii"))


class PartialDateField(forms.Field):
    """A year, month or day typed as people write it in ISO order ("2025-02")."""

    widget = forms.TextInput(attrs={"maxlength": 10, "size": 10, "placeholder": "2025-02-23"})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        return PartialDate.parse(value)

    def prepare_value(self, value):
        return value.edtf if isinstance(value, PartialDate) else value


class AliasesField(forms.CharField):
    """Aliases, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Other spellings, one per line (e.g. “Zelensky”).")
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        value = super().to_python(value) or ""
        return [line.strip() for line in value.splitlines() if line.strip()]


class PlainModelForm(PlainHelpTextsMixin, forms.ModelForm):
    """The admin's default form: a model form whose help texts are plain text."""


class VersionedForm(PlainModelForm):
    """Refuses a save when the record changed since the form was opened.

    The hidden ``expected_version`` carries the version the editor saw; the
    domain functions compare it again inside the write (compare-and-swap).
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        refuse_other_digits(self)
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
            if current is not None and current.version != expected:
                raise ValidationError(str(ConflictError(current)), code="conflict")
        return cleaned


class ActorForm(VersionedForm):
    aliases = AliasesField()


CORRECTION_NOTE_HELP = (
    "Shown to readers as “Corrected on 23 February 2025: …”, under the entry. Changing what "
    "readers read of a visible entry needs a correction note or a minor fix."
)
MINOR_FIX_HELP = (
    "Spelling or formatting only: recorded in the history with your name, not shown to "
    "readers as a correction."
)


def correction_fields():
    """The two ways an editor says what a change of a visible entry is."""
    return {
        "correction_note": forms.CharField(
            label="Correction note",
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=CORRECTION_NOTE_HELP,
        ),
        "minor_fix": forms.BooleanField(
            label="Minor fix", required=False, help_text=MINOR_FIX_HELP
        ),
    }


class EntryForm(VersionedForm):
    """Base form of every entry kind: a partial ``date`` and the cross-record rules.

    Editing an entry readers see, those who may correct get ``correction_note`` and
    ``minor_fix`` (a change of its content needs one of them). The hidden
    ``expected_revision`` carries the pending revision the form was opened with.
    """

    date = PartialDateField(label="Date")
    correction_note, minor_fix = correction_fields().values()
    expected_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Set by the admin: who edits, and whether to offer the correction fields.
    user = None
    offer_correction = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or self.instance.date_start:
            self.initial.setdefault("date", self.instance.date)
        if self.instance.pk:
            pending = pending_revision(self.instance)
            self.fields["expected_revision"].initial = pending.pk if pending else None
            if pending and changes_are_held(self.instance, by=self.user):
                # A journalist edits the pending revision: its many-to-many values too.
                for name, ids in pending.changes.items():
                    if name in self.fields:
                        self.initial[name] = ids
        if not (self.offer_correction and self.instance.pk):
            self.fields.pop("correction_note", None)
            self.fields.pop("minor_fix", None)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date"):
            self.instance.date = cleaned["date"]
        if isinstance(self.instance, StatusChange):
            # A status change belongs to its proposal's negotiation (in an inline, the
            # proposal is the parent being saved, perhaps not yet in the database).
            proposal = cleaned.get("proposal") or getattr(self.instance, "proposal", None)
            if proposal is not None:
                self.instance.negotiation = proposal.negotiation
        if self.instance.pk and "expected_revision" in self.fields:
            try:
                check_revision(self.instance, cleaned.get("expected_revision"))
            except ConflictError as error:
                raise ValidationError(str(error), code="conflict") from None
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        sources = self.cleaned_data.get("sources")
        if sources is None:
            sources = self.instance.sources.all() if self.instance.pk else []
        m2m = {
            name: self.cleaned_data[name]
            for name in self.instance.M2M_FIELDS
            if name in self.cleaned_data
        }
        try:
            check_entry_rules(
                self.instance,
                sources=sources,
                by=self.user,
                m2m=m2m,
                correction_note=self.cleaned_data.get("correction_note", ""),
                minor_fix=self.cleaned_data.get("minor_fix", False),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class RevisionDecisionForm(PlainHelpTextsMixin, forms.Form):
    """An editor publishes or discards a pending revision; publishing a change of a
    visible entry's content asks what it is, as an edit does."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    correction_note, minor_fix = correction_fields().values()

    def __init__(self, *args, offer_correction=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not offer_correction:
            self.fields.pop("correction_note")
            self.fields.pop("minor_fix")


class ExpectationForm(EntryForm):
    due_date = PartialDateField(label="Due date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.due_date:
            self.initial.setdefault("due_date", self.instance.due_date)

    def clean(self):
        cleaned = super().clean()
        if "due_date" in cleaned:
            self.instance.due_date = cleaned["due_date"]
        return cleaned


# Which kinds of entry each quick-add field serves (the rest serve every kind). The
# page shows only the chosen kind's fields (CSS ``:has``), and without CSS all of them.
QUICK_ADD_FIELD_KINDS = {
    "speaker": ("statement", "status_change", "event", "proposal", "expectation"),
    "new_speaker_name": ("statement", "status_change", "event", "proposal", "expectation"),
    "new_speaker_kind": ("statement", "status_change", "event", "proposal", "expectation"),
    "new_speaker_affiliation": ("statement", "status_change", "event", "proposal", "expectation"),
    "title": ("event", "proposal"),
    "statement_kind": ("statement",),
    "event_kind": ("event",),
    "proposal": ("statement", "status_change"),
    "stance": ("statement",),
    "status": ("status_change",),
    "amount": ("proposal",),
    "currency": ("proposal",),
    "due_date": ("expectation",),
}
# What the next entry keeps from the one just logged: the same article, usually.
QUICK_ADD_KEPT = (
    "kind",
    "source_url",
    "source_title",
    "source_publisher",
    "source_published_on",
    "negotiation",
    "date",
    "state",
)
NEW_SPEAKER_FIELDS = ("new_speaker_name", "new_speaker_kind", "new_speaker_affiliation")
# The form's parts, in the order a journalist fills them in.
QUICK_ADD_GROUPS = (
    (
        "The article",
        (
            "source_url",
            "source_title",
            "source_publisher",
            "source_published_on",
            "negotiation",
            "date",
        ),
    ),
    ("Kind and speaker", ("kind", "speaker")),
    ("Or a new speaker", NEW_SPEAKER_FIELDS),
    (
        "The entry",
        (
            "title",
            "text",
            "statement_kind",
            "event_kind",
            "proposal",
            "stance",
            "status",
            "amount",
            "currency",
            "due_date",
            "state",
        ),
    ),
)


class QuickAddForm(PlainHelpTextsMixin, forms.Form):
    """The on-deadline form: any kind of entry from a source URL, a new speaker inline.

    It only reads the input; ``quick_add`` decides what is valid and its
    errors come back keyed by these field names.
    """

    source_url = forms.URLField(
        label="Source URL",
        max_length=2000,
        assume_scheme="https",
        help_text="A known address is reused; a new one becomes a source.",
    )
    source_title = forms.CharField(
        label="Source title", required=False, max_length=400, help_text="For a new source."
    )
    source_publisher = forms.CharField(
        label="Publisher", required=False, max_length=200, help_text="E.g. “AP”."
    )
    source_published_on = forms.DateField(
        label="Published on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The article's date.",
    )
    negotiation = forms.ModelChoiceField(
        Negotiation.objects.all(),
        required=False,
        help_text="For a status change, the proposal's negotiation is used.",
    )
    date = PartialDateField(label="Date", help_text="When it happened. " + PARTIAL_DATE_HELP)
    kind = forms.ChoiceField(
        label="What happened",
        choices=[(kind, model._meta.verbose_name.capitalize()) for kind, model in QUICK_ADD],
        widget=forms.RadioSelect,
        initial=EntryType.STATEMENT,
    )
    speaker = forms.ModelChoiceField(
        Actor.objects.all(),
        required=False,
        help_text="Who said it, caused it, proposed it or took part; or name a new one below.",
    )
    new_speaker_name = forms.CharField(
        label="New speaker", required=False, max_length=200, help_text="Not in the record yet."
    )
    new_speaker_kind = forms.ChoiceField(
        label="Kind of actor",
        choices=Actor.Kind.choices,
        initial=Actor.Kind.PERSON,
        required=False,
    )
    new_speaker_affiliation = forms.ModelChoiceField(
        Actor.objects.all(),
        label="Affiliation",
        required=False,
        help_text="The government or organization the new speaker speaks for.",
    )
    title = forms.CharField(
        label="Title", required=False, max_length=200, help_text="An event's or a proposal's."
    )
    text = forms.CharField(
        label="Text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The statement or expectation; a note, description or terms otherwise.",
    )
    statement_kind = forms.ChoiceField(
        label="Kind of statement", choices=Statement.Kind.choices, initial=Statement.Kind.DIRECT
    )
    event_kind = forms.ChoiceField(
        label="Kind of event",
        choices=Event.Kind.choices,
        initial=Event.Kind.OTHER,
        required=False,
    )
    proposal = forms.ModelChoiceField(
        Proposal.objects.all(),
        required=False,
        help_text="The proposal whose status changed, or that the statement is about.",
    )
    stance = forms.ChoiceField(
        label="Stance",
        choices=[("", "---------"), *Stance.choices],
        required=False,
        help_text="The speaker's stance on the proposal.",
    )
    status = forms.ChoiceField(
        label="New status",
        choices=[("", "---------"), *ProposalStatus.choices],
        required=False,
    )
    amount = forms.DecimalField(label="Amount", required=False, max_digits=20, decimal_places=2)
    currency = forms.CharField(
        label="Currency", required=False, max_length=3, help_text="ISO 4217, e.g. USD."
    )
    due_date = PartialDateField(
        label="Due date", required=False, help_text="When it is expected. " + PARTIAL_DATE_HELP
    )
    state = forms.ChoiceField(
        label="Publication", choices=PublicationState.choices, initial=PublicationState.DRAFT
    )

    def __init__(self, *args, may_publish=False, widgets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_publish:
            self.fields["state"].choices = [
                choice for choice in PublicationState.choices if choice[0] != "published"
            ]
        for name, widget in (widgets or {}).items():
            field = self.fields[name]
            widget.choices, widget.is_required = field.choices, field.required
            field.widget = widget

    @classmethod
    def kept(cls, data):
        """The query string that opens the form for the next entry of the same article."""
        return {name: data[name] for name in QUICK_ADD_KEPT if data.get(name)}

    @classmethod
    def initial_from(cls, query):
        """Initial values from ``kept``'s query string (only the kept fields; a
        negotiation that is no id is left out, as if it had not been given)."""
        initial = {name: query[name] for name in QUICK_ADD_KEPT if query.get(name)}
        if "negotiation" in initial and parse_id(initial["negotiation"]) is None:
            del initial["negotiation"]
        return initial

    def groups(self):
        """The form's parts: a legend and its rows, each row a field and the CSS
        classes of the kinds it serves ("" when it serves every kind)."""
        for legend, names in QUICK_ADD_GROUPS:
            rows = []
            for name in names:
                kinds = QUICK_ADD_FIELD_KINDS.get(name)
                rows.append((self[name], " ".join(f"for-{kind}" for kind in kinds or ())))
            yield legend, rows

    def clean(self):
        cleaned = super().clean()
        refuse_other_digits(self)
        return cleaned

    def domain_arguments(self):
        """``cleaned_data`` as ``quick_add`` takes it."""
        data = dict(self.cleaned_data)
        new_speaker = {
            "name": data.pop("new_speaker_name", ""),
            "kind": data.pop("new_speaker_kind", ""),
            "affiliation": data.pop("new_speaker_affiliation", None),
        }
        return {**data, "new_speaker": new_speaker}

    def add_domain_errors(self, error):
        """Show the domain's refusal on the fields it names (the rest above the form)."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
