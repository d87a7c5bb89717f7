"""List filters: negotiation, actor, kind, status, since/until, q, and ordering."""

import datetime

import django_filters
from django import forms
from django.core.validators import slug_re
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from negotiations.api.fields import EDTF_SCHEMA, is_possible_id
from negotiations.dates import PartialDate, check_range
from negotiations.models import (
    Actor,
    Entry,
    EntryType,
    Event,
    Expectation,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    Source,
    Stance,
    Statement,
    StatusChange,
    search_words,
)
from negotiations.numbers import parse_id


class IdChoiceField(django_filters.fields.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not is_possible_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdOrSlugChoiceField(django_filters.fields.ModelChoiceField):
    """A record by id (the digits 0–9 only) or, any other text, by slug."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = parse_id(value)
        lookup = {"pk": pk} if pk is not None else {"slug": value}
        if pk is not None or slug_re.match(value):
            try:
                return self.queryset.get(**lookup)
            except self.queryset.model.DoesNotExist:
                pass
        name = self.queryset.model._meta.verbose_name
        raise forms.ValidationError(f"No {name} has this id or slug.", code="invalid_choice")


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelChoiceFilter):
    """A record by id (an unknown id is a 400)."""

    field_class = IdChoiceField


@extend_schema_field({"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"})
class IdOrSlugFilter(IdFilter):
    """A record by id (digits only) or by slug (an unknown one is a 400)."""

    field_class = IdOrSlugChoiceField


def readable_proposals(request):
    """The proposals the requester may read: any other id is unknown (a 400), so a
    filter never tells a reader that a draft exists."""
    return Proposal.objects.visible_to(getattr(request, "user", None))


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves the list alone when the request names none of
    its filters: an empty filter set filters nothing, and building its form (a copy of
    every filter and field) cost ≈ 1 ms per request."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None and request.query_params.keys().isdisjoint(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class AliasOrderingFilter(OrderingFilter):
    """``?ordering=`` with API names mapped to model fields (``view.ordering_aliases``)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view) or ()
        aliases = getattr(view, "ordering_aliases", {})
        mapped = []
        for term in ordering:
            sign, name = ("-", term[1:]) if term.startswith("-") else ("", term)
            mapped += [f"{sign}{field}" for field in aliases.get(name, (name,))]
        return mapped


class InstantFormField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time that exists in UTC too (else a 400, not an overflow)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError:
                raise forms.ValidationError("This date-time is out of range.") from None
        return value


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantFormField


class PartialDateFormField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return PartialDate.parse(value) if value else None


@extend_schema_field(EDTF_SCHEMA)
class SinceFilter(django_filters.Filter):
    """On or after the start of the period given ("2025", "2025-02", "2025-02-23")."""

    field_class = PartialDateFormField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(**{f"{self.field_name}__gte": value.start})


@extend_schema_field(EDTF_SCHEMA)
class UntilFilter(SinceFilter):
    """On or before the end of the period given."""

    def filter(self, qs, value):
        return qs if value is None else qs.filter(**{f"{self.field_name}__lte": value.end})


@extend_schema_field(EDTF_SCHEMA)
class PeriodSinceFilter(SinceFilter):
    """Entries whose period ends on or after the start of the period given: "2025-02"
    matches ``since=2025-02-23`` (``EntryQuerySet.overlapping``, as the pages)."""

    def filter(self, qs, value):
        return qs if value is None else qs.overlapping(start=value)


@extend_schema_field(EDTF_SCHEMA)
class PeriodUntilFilter(SinceFilter):
    """Entries whose period starts on or before the end of the period given."""

    def filter(self, qs, value):
        return qs if value is None else qs.overlapping(end=value)


def search(fields, words):
    """Every word in at least one of the fields (case-insensitive)."""
    condition = Q()
    for word in words.split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


class FilterSet(django_filters.FilterSet):
    search_fields = ()

    q = django_filters.CharFilter(
        method="filter_q", max_length=200, label="Search words (all must appear, at most 10)."
    )

    def filter_q(self, queryset, name, value):
        if hasattr(queryset, "search"):  # entries: the model's one full-text search
            return queryset.search(value)
        return queryset.filter(search(self.search_fields, search_words(value)))


class ActorFilterSet(FilterSet):
    search_fields = ("name", "title", "aliases")

    affiliation = IdOrSlugFilter(queryset=Actor.objects.all())
    negotiation = IdOrSlugFilter(
        field_name="negotiations", queryset=Negotiation.objects.all(), label="A party to it."
    )
    kind = django_filters.ChoiceFilter(choices=Actor.Kind.choices)

    class Meta:
        model = Actor
        fields = ["kind", "country", "affiliation", "negotiation"]


class NegotiationFilterSet(FilterSet):
    search_fields = ("title", "summary")

    actor = IdOrSlugFilter(field_name="parties", queryset=Actor.objects.all(), label="A party.")
    status = django_filters.ChoiceFilter(choices=Negotiation.Status.choices)

    class Meta:
        model = Negotiation
        fields = ["status", "actor"]


class SourceFilterSet(FilterSet):
    search_fields = ("url", "title", "publisher")

    since = SinceFilter(field_name="published_on")
    until = UntilFilter(field_name="published_on")
    publisher = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Source
        fields = ["publisher", "since", "until"]


class PeriodRangeForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        try:
            check_range(cleaned.get("since"), cleaned.get("until"))
        except forms.ValidationError as error:
            raise forms.ValidationError({"until": error.messages}) from None
        return cleaned


class EntryFilterSet(FilterSet):
    negotiation = IdOrSlugFilter(queryset=Negotiation.objects.all())
    actor = IdOrSlugFilter(
        queryset=Actor.objects.all(), method="filter_actor", label="An actor taking part."
    )
    since = PeriodSinceFilter(field_name="date_start")
    until = PeriodUntilFilter(field_name="date_start")
    key = django_filters.BooleanFilter()
    published = django_filters.BooleanFilter(method="filter_published")

    def get_form_class(self):
        """The filters' form, checking that ``since`` is not after ``until`` (a 400)."""
        return type(f"{type(self).__name__}Form", (PeriodRangeForm, super().get_form_class()), {})

    def filter_actor(self, queryset, name, value):
        return queryset.involving(value) if value else queryset

    def filter_published(self, queryset, name, value):
        condition = Q(state=PublicationState.PUBLISHED)
        return queryset.filter(condition if value else ~condition)


class ProposalFilterSet(EntryFilterSet):
    proposed_by = IdOrSlugFilter(queryset=Actor.objects.all())
    status = django_filters.ChoiceFilter(
        field_name="current_status", choices=ProposalStatus.choices, label="Current status."
    )

    class Meta:
        model = Proposal
        fields = ["negotiation", "proposed_by", "status", "key"]


class StatusChangeFilterSet(EntryFilterSet):
    proposal = IdFilter(queryset=readable_proposals)
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)

    class Meta:
        model = StatusChange
        fields = ["negotiation", "proposal", "status", "key"]


class StatementFilterSet(EntryFilterSet):
    kind = django_filters.ChoiceFilter(choices=Statement.Kind.choices)
    proposal = IdFilter(queryset=readable_proposals)
    stance = django_filters.ChoiceFilter(choices=Stance.choices)

    class Meta:
        model = Statement
        fields = ["negotiation", "proposal", "kind", "stance", "key"]


class EventFilterSet(EntryFilterSet):
    kind = django_filters.ChoiceFilter(choices=Event.Kind.choices)

    class Meta:
        model = Event
        fields = ["negotiation", "kind", "key"]


class ExpectationFilterSet(EntryFilterSet):
    outcome = django_filters.ChoiceFilter(choices=Expectation.Outcome.choices)

    class Meta:
        model = Expectation
        fields = ["negotiation", "outcome", "key"]


class TimelineFilterSet(EntryFilterSet):
    negotiation = None  # the timeline is one negotiation's
    type = django_filters.MultipleChoiceFilter(
        method="filter_type", choices=EntryType.choices, label="Entry kinds (repeatable)."
    )

    def filter_type(self, queryset, name, value):
        return queryset.of_kinds(*value)

    class Meta:
        model = Entry
        fields = ["type", "actor", "since", "until", "key"]
