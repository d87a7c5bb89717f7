"""The admin's "From an article": the article form, then one row form per suggestion.

Rows only translate input; ``service.accept`` (the domain) decides what is valid.
A row that is not accepted is discarded, whatever it holds.
"""

import json
import re

from django import forms
from django.core.exceptions import ValidationError

from negotiations.dates import PartialDate
from negotiations.models import (
    Actor,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    Statement,
)
from negotiations.newsroom.forms import PartialDateField

MAX_UPLOAD = 1024 * 1024
_LOOKS_LIKE_HTML = re.compile(r"<\s*(html|body|article|p|div|head|script)\b", re.I)


class ArticleForm(forms.Form):
    negotiation = forms.ModelChoiceField(Negotiation.objects.all())
    url = forms.URLField(
        label="Article URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Only cited: nothing is fetched. A known address is reused as the source.",
    )
    title = forms.CharField(label="Headline", required=False, max_length=400)
    publisher = forms.CharField(required=False, max_length=200)
    published = forms.DateField(
        label="Published on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="“On Sunday” and “last week” are counted from this date.",
    )
    text = forms.CharField(
        label="Article",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 90}),
        help_text="Paste the story's text (or its HTML: only its text is read).",
    )
    upload = forms.FileField(
        label="Or upload it",
        required=False,
        help_text="A .txt or .html file, up to 1 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.html,.htm,text/plain,text/html"}),
    )

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text") or "", cleaned.get("upload")
        if upload is not None:
            if text.strip():
                raise ValidationError("Paste the article or upload it, not both.")
            if upload.size > MAX_UPLOAD:
                self.add_error("upload", "A file of at most 1 MB.")
                return cleaned
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("upload", "This file is not text (UTF-8): upload a .txt or .html.")
                return cleaned
            is_html = upload.name.lower().endswith((".html", ".htm")) or bool(
                _LOOKS_LIKE_HTML.search(text[:2000])
            )
        else:
            if not text.strip():
                self.add_error("text", "Paste the article's text, or upload it.")
                return cleaned
            is_html = bool(_LOOKS_LIKE_HTML.search(text[:2000]))
        cleaned["content"], cleaned["is_html"] = text, is_html
        return cleaned


class ArticleFields(forms.Form):
    """The article, carried from the paste step to the review step."""

    negotiation = forms.ModelChoiceField(Negotiation.objects.all(), widget=forms.HiddenInput)
    url = forms.URLField(max_length=2000, widget=forms.HiddenInput, assume_scheme="https")
    title = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)
    publisher = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    published = forms.DateField(widget=forms.HiddenInput)
    dates = forms.CharField(required=False, widget=forms.HiddenInput)
    state = forms.ChoiceField(
        label="Save accepted suggestions as",
        choices=[(PublicationState.DRAFT, "Drafts"), (PublicationState.REVIEW, "Ready for review")],
        initial=PublicationState.DRAFT,
    )

    def found_dates(self):
        """The dates found, shown again (display only: anything odd is dropped)."""
        try:
            dates = json.loads(
                self.data.get(self.add_prefix("dates")) or self.initial.get("dates") or "[]"
            )
        except ValueError:
            return []
        keys = {"phrase", "start", "end", "precision", "stored"}
        return [d for d in dates if isinstance(d, dict) and keys <= set(d)][:200]


class RowForm(forms.Form):
    """One suggestion: accepted (saved) or not (discarded)."""

    accept = forms.BooleanField(label="Accept", required=False)
    sentence = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(required=False, widget=forms.HiddenInput)  # how its date was kept
    required_when_accepted = ()

    def __init__(self, *args, actors=(), proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.TypedChoiceField) and field.label in {
                "Speaker",
                "Proposed by",
            }:
                field.choices = [("", "— new or none —"), *actors]
            elif isinstance(field, forms.TypedChoiceField) and field.label == "Proposal":
                field.choices = [("", "—"), *proposals]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("accept"):
            return {"accept": False}
        for name in self.required_when_accepted:
            if cleaned.get(name) in (None, ""):
                self.add_error(name, "Needed to accept this suggestion.")
        return cleaned


def _id_field(label, required=False):
    return forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=None)


class StatementRow(RowForm):
    speaker = _id_field("Speaker")
    speaker_name = forms.CharField(label="or new speaker", required=False, max_length=200)
    kind = forms.ChoiceField(choices=Statement.Kind.choices)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 70}), max_length=10_000)
    date = PartialDateField(label="Date", required=False)
    proposal = _id_field("Proposal")
    required_when_accepted = ("text", "date")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accept") and not (cleaned.get("speaker") or cleaned.get("speaker_name")):
            self.add_error("speaker_name", "Choose the speaker or name a new one.")
        return cleaned


class ProposalRow(RowForm):
    title = forms.CharField(max_length=200, required=False)
    amount = forms.DecimalField(max_digits=20, decimal_places=2, required=False)
    currency = forms.CharField(max_length=3, required=False)
    date = PartialDateField(label="Date", required=False)
    proposed_by = _id_field("Proposed by")
    known = forms.CharField(required=False, widget=forms.HiddenInput)  # a proposal of this amount
    required_when_accepted = ("title", "amount", "currency", "date")


class StatusChangeRow(RowForm):
    proposal = _id_field("Proposal")
    status = forms.ChoiceField(choices=ProposalStatus.choices)
    speaker = _id_field("Speaker")
    date = PartialDateField(label="Date", required=False)
    text = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 2, "cols": 70}), required=False
    )
    cue = forms.CharField(required=False, widget=forms.HiddenInput)
    required_when_accepted = ("proposal", "status", "date")


class ExpectationRow(RowForm):
    speaker = _id_field("Speaker")
    speaker_name = forms.CharField(label="or new speaker", required=False, max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 70}), required=False)
    date = PartialDateField(label="Date", required=False)
    due_date = PartialDateField(label="Due", required=False)
    cue = forms.CharField(required=False, widget=forms.HiddenInput)
    required_when_accepted = ("text", "date")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accept") and not (cleaned.get("speaker") or cleaned.get("speaker_name")):
            self.add_error("speaker_name", "Choose who expects it or name a new actor.")
        return cleaned


ROWS = {
    "statements": StatementRow,
    "proposals": ProposalRow,
    "status_changes": StatusChangeRow,
    "expectations": ExpectationRow,
}
PREFIXES = {"statements": "st", "proposals": "pr", "status_changes": "sc", "expectations": "ex"}


def initial_rows(answer):
    """The review rows for an extraction answer, by kind."""

    def date_of(suggestion):
        return suggestion["date"]["stored"]["date"]

    def note_of(suggestion):
        date = suggestion["date"]
        shown = f"“{date['phrase']}”: " if date["phrase"] else ""
        return shown + (date["stored"]["note"] or f"{date['precision']}")

    rows = {name: [] for name in ROWS}
    for item in answer["statements"]:
        rows["statements"].append(
            {
                "speaker": item["actor"],
                "speaker_name": item["speaker_name"] if item["new_actor"] else "",
                "kind": item["kind"],
                "text": item["text"],
                "date": date_of(item),
                "sentence": item["sentence"]["text"],
                "note": note_of(item),
            }
        )
    for item in answer["amounts"]:
        rows["proposals"].append(
            {
                "title": " ".join(item["sentence"]["text"].split()[:12])[:200],
                "amount": item["value"],
                "currency": item["currency"],
                "date": answer["published"],
                "sentence": item["sentence"]["text"],
                "known": item["proposal_title"],
                "note": item["phrase"],
            }
        )
    for item in answer["hints"]:
        common = {
            "speaker": item["actor"],
            "date": date_of(item),
            "sentence": item["sentence"]["text"],
            "note": note_of(item),
            "cue": item["cue"],
        }
        if item["kind"] == "status":
            rows["status_changes"].append(
                {
                    **common,
                    "proposal": item["proposal"],
                    "status": item["status"],
                    "text": item["sentence"]["text"],
                }
            )
        else:
            due = item["due"]
            rows["expectations"].append(
                {
                    **common,
                    "speaker_name": item["speaker_name"] if item["new_actor"] else "",
                    "text": item["sentence"]["text"],
                    "due_date": PartialDate.parse(due["stored"]["date"]).edtf if due else "",
                }
            )
    return rows


class Review:
    """The review step: the article and a formset per kind of suggestion."""

    def __init__(self, data=None, *, negotiation=None, initial_article=None, rows=None):
        self.article = ArticleFields(data, initial=initial_article)
        negotiation = negotiation or (
            initial_article["negotiation"] if initial_article else _negotiation_of(data)
        )
        actors = list(Actor.objects.order_by("name").values_list("pk", "name"))
        proposals = list(
            Proposal.objects.filter(negotiation=negotiation)
            .order_by("date_start", "pk")
            .values_list("pk", "title")
        )
        self.formsets = {}
        for name, row in ROWS.items():
            formset = forms.formset_factory(row, extra=0)
            self.formsets[name] = formset(
                data,
                initial=(rows or {}).get(name),
                prefix=PREFIXES[name],
                form_kwargs={"actors": actors, "proposals": proposals},
            )

    def is_valid(self):
        return self.article.is_valid() and all(f.is_valid() for f in self.formsets.values())

    def accept_everything(self):
        """ "Accept all": every row counts as accepted."""
        data = self.article.data.copy()
        for formset in self.formsets.values():
            for form in formset.forms:
                data[form.add_prefix("accept")] = "on"
        return data

    def accepted(self):
        """The accepted rows, as ``service.accept`` takes them, with their form."""
        actors = Actor.objects.in_bulk(
            [
                f.cleaned_data.get(k)
                for fs in self.formsets.values()
                for f in fs.forms
                for k in ("speaker", "proposed_by")
                if f.cleaned_data.get(k)
            ]
        )
        proposals = Proposal.objects.in_bulk(
            [
                f.cleaned_data["proposal"]
                for fs in self.formsets.values()
                for f in fs.forms
                if f.cleaned_data.get("proposal")
            ]
        )
        groups, forms_of = {name: [] for name in ROWS}, {}
        for name, formset in self.formsets.items():
            for form in formset.forms:
                data = form.cleaned_data
                if not data.get("accept"):
                    continue
                item = {"date": data.get("date")}
                if name == "statements":
                    item |= {
                        "actor": actors.get(data.get("speaker")),
                        "speaker_name": data.get("speaker_name", ""),
                        "text": data["text"],
                        "kind": data["kind"],
                        "proposal": proposals.get(data.get("proposal")),
                        "context": data.get("sentence", ""),
                    }
                elif name == "proposals":
                    item |= {
                        "title": data["title"],
                        "amount": data["amount"],
                        "currency": (data.get("currency") or "").upper(),
                        "proposed_by": actors.get(data.get("proposed_by")),
                        "summary": data.get("sentence", ""),
                    }
                elif name == "status_changes":
                    item |= {
                        "proposal": proposals.get(data.get("proposal")),
                        "status": data["status"],
                        "actor": actors.get(data.get("speaker")),
                        "note": data.get("text", ""),
                    }
                else:
                    item |= {
                        "actor": actors.get(data.get("speaker")),
                        "speaker_name": data.get("speaker_name", ""),
                        "text": data["text"],
                        "due_date": data.get("due_date"),
                    }
                forms_of[(name, len(groups[name]))] = form
                groups[name].append(item)
        return groups, forms_of


def _negotiation_of(data):
    value = (data or {}).get("negotiation")
    return Negotiation.objects.filter(pk=value).first() if str(value or "").isdigit() else None
