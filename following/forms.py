from django import forms
from django.core.exceptions import ValidationError

from negotiations.models import Actor, EntryType, Negotiation, Proposal, validate_timezone

from .models import Frequency


class FollowForm(forms.Form):
    """The Follow form of the reader pages: an address, how often, and what (hidden
    fields the page fills in: a negotiation and its timeline filters, an actor, or a
    proposal). Only what readers can see may be followed."""

    email = forms.EmailField(label="Your email address", max_length=254)
    frequency = forms.ChoiceField(
        label="How often", choices=Frequency.choices, initial=Frequency.IMMEDIATE, required=False
    )
    time_zone = forms.CharField(
        label="Time zone of the digest",
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="An IANA name such as Europe/Kyiv; UTC when empty.",
    )
    negotiation = forms.SlugField(required=False, widget=forms.HiddenInput)
    actor = forms.SlugField(required=False, widget=forms.HiddenInput)
    proposal = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The timeline's filters, for a negotiation follow.
    filter_actor = forms.SlugField(required=False, widget=forms.HiddenInput)
    filter_kind = forms.ChoiceField(
        required=False, choices=[("", ""), *EntryType.choices], widget=forms.HiddenInput
    )
    filter_q = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        given = [name for name in ("negotiation", "actor", "proposal") if data.get(name)]
        if len(given) != 1:
            raise ValidationError("Follow one negotiation, actor or proposal.")
        target = {}
        if data.get("negotiation"):
            target["negotiation"] = Negotiation.objects.filter(slug=data["negotiation"]).first()
        if data.get("actor"):
            target["actor"] = Actor.objects.filter(slug=data["actor"]).first()
        if data.get("proposal"):
            target["proposal"] = Proposal.objects.published().filter(pk=data["proposal"]).first()
        if None in target.values():
            raise ValidationError("There is nothing to follow here.")
        filters = {
            "actor": data.get("filter_actor") or "",
            "kind": data.get("filter_kind") or "",
            "q": (data.get("filter_q") or "").strip(),
        }
        filters = {key: value for key, value in filters.items() if value}
        if filters and "negotiation" not in target:
            raise ValidationError("Only a negotiation's timeline can be followed with filters.")
        data["target"] = target
        data["filters"] = filters
        data["frequency"] = data.get("frequency") or Frequency.IMMEDIATE
        data["time_zone"] = data.get("time_zone") or "UTC"
        return data


class ManageForm(forms.Form):
    """One change on the manage page."""

    action = forms.ChoiceField(
        choices=[("stop", "stop"), ("frequency", "frequency"), ("timezone", "timezone")]
    )
    follow = forms.IntegerField(required=False, min_value=1)
    frequency = forms.ChoiceField(required=False, choices=Frequency.choices)
    time_zone = forms.CharField(required=False, max_length=64, validators=[validate_timezone])
