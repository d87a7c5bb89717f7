"""``POST /api/v1/extractions/``: suggestions for an article; ``…/extractions/accept/``:
the reviewed ones saved as drafts. Journalists and editors only, throttled per user
(``API_THROTTLE_EXTRACTION``)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status, throttling
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from negotiations.api.fields import IdRelatedField, PartialDateField
from negotiations.api.serializers import WebAddressField
from negotiations.api.throttling import UserRateThrottle, _CountingThrottle
from negotiations.extraction import service
from negotiations.extraction.text import InputError
from negotiations.models import (
    Actor,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    Statement,
    user_may_preview,
)


class ExtractionThrottle(_CountingThrottle, throttling.UserRateThrottle):
    """Extraction costs more than a read: its own rate per user, read at each request."""

    scope = "extraction"

    def get_rate(self):
        return settings.API_THROTTLE_EXTRACTION


class IsNewsroom(permissions.BasePermission):
    """Journalists, editors and superusers (those who may see drafts)."""

    message = "Only journalists and editors may extract articles."

    def has_permission(self, request, view):
        return user_may_preview(request.user)


# ----------------------------------------------------------------------------- input


class ExtractionRequestSerializer(serializers.Serializer):
    negotiation = IdRelatedField(queryset=Negotiation.objects.all())
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="The article's text."
    )
    html = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Or the article's HTML: reduced to its text (trafilatura); never fetched, "
        "never stored, its scripts never run.",
    )
    url = WebAddressField(help_text="The article's address (the source drafts will cite).")
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=200)
    published = serializers.DateField(help_text="The article's date: relative dates count from it.")
    dateline = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, data):
        text, html = data.get("text", ""), data.get("html", "")
        if text.strip() and html.strip():
            raise ValidationError({"html": ["Send the article's text or its HTML, not both."]})
        if not text.strip() and not html.strip():
            raise ValidationError({"text": ["Send the article's text (or its HTML in “html”)."]})
        return data


# ---------------------------------------------------------------------------- output


class OffsetsField(serializers.ListField):
    child = serializers.IntegerField()


class SentenceSerializer(serializers.Serializer):
    text = serializers.CharField()
    offsets = OffsetsField(help_text="[start, end) in the analysed text.")


class StoredDateSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="The partial date a draft gets (EDTF).")
    precision = serializers.CharField()
    note = serializers.CharField(help_text="Why a week or season is kept as a month or year.")


class DatePhraseSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    start = serializers.DateField(help_text="First day of the period.")
    end = serializers.DateField(help_text="Last day of the period.")
    precision = serializers.ChoiceField(["day", "week", "month", "season", "year"])
    offsets = OffsetsField(allow_null=True)
    stored = StoredDateSerializer()


class FoundDateSerializer(DatePhraseSerializer):
    id = serializers.CharField()


class SpeakerFields(serializers.Serializer):
    speaker_name = serializers.CharField(help_text="Who said it (empty when not found).")
    actor = serializers.IntegerField(allow_null=True, help_text="The known actor, if any.")
    new_actor = serializers.BooleanField(help_text="A name the record does not know yet.")
    speaker_match = serializers.CharField(
        help_text="How: name, alias, surname, title, country, pronoun or new."
    )


class StatementSuggestionSerializer(SpeakerFields):
    id = serializers.CharField()
    kind = serializers.ChoiceField(["direct", "paraphrase"])
    text = serializers.CharField()
    cue = serializers.CharField()
    offsets = OffsetsField()
    sentence = SentenceSerializer()
    date = DatePhraseSerializer()


class AmountSuggestionSerializer(serializers.Serializer):
    id = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField(help_text="ISO 4217.")
    phrase = serializers.CharField()
    offsets = OffsetsField()
    sentence = SentenceSerializer()
    proposal = serializers.IntegerField(
        allow_null=True, help_text="A known proposal of this amount."
    )
    proposal_title = serializers.CharField()


class HintSerializer(SpeakerFields):
    id = serializers.CharField()
    kind = serializers.ChoiceField(["status", "expectation"])
    status = serializers.CharField(help_text="The suggested status (status hints).")
    cue = serializers.CharField()
    offsets = OffsetsField()
    sentence = SentenceSerializer()
    proposal = serializers.IntegerField(allow_null=True)
    proposal_title = serializers.CharField()
    date = DatePhraseSerializer()
    due = DatePhraseSerializer(allow_null=True)


class ExtractionSerializer(serializers.Serializer):
    negotiation = serializers.IntegerField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    published = serializers.DateField()
    dateline = serializers.CharField()
    text = serializers.CharField(help_text="The text analysed: every offset points into it.")
    statements = StatementSuggestionSerializer(many=True)
    amounts = AmountSuggestionSerializer(many=True)
    dates = FoundDateSerializer(many=True)
    hints = HintSerializer(many=True)


# ----------------------------------------------------------------------------- accept


class SpeakerInput(serializers.Serializer):
    actor = IdRelatedField(queryset=Actor.objects.all(), required=False, allow_null=True)
    speaker_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="A new actor's name."
    )


class StatementDraftSerializer(SpeakerInput):
    text = serializers.CharField(max_length=10_000)
    kind = serializers.ChoiceField(Statement.Kind.choices, default=Statement.Kind.DIRECT)
    date = PartialDateField()
    proposal = IdRelatedField(queryset=Proposal.objects.all(), required=False, allow_null=True)
    context = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class ProposalDraftSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(
        max_digits=20, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    date = PartialDateField()
    proposed_by = IdRelatedField(queryset=Actor.objects.all(), required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class StatusChangeDraftSerializer(SpeakerInput):
    proposal = IdRelatedField(queryset=Proposal.objects.all())
    status = serializers.ChoiceField(ProposalStatus.choices)
    date = PartialDateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class ExpectationDraftSerializer(SpeakerInput):
    text = serializers.CharField(max_length=10_000)
    date = PartialDateField()
    due_date = PartialDateField(required=False, allow_null=True)


class AcceptSerializer(serializers.Serializer):
    negotiation = IdRelatedField(queryset=Negotiation.objects.all())
    url = WebAddressField()
    title = serializers.CharField(required=False, allow_blank=True, max_length=400)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=200)
    published = serializers.DateField(required=False, allow_null=True)
    state = serializers.ChoiceField(
        [PublicationState.DRAFT, PublicationState.REVIEW], default=PublicationState.DRAFT
    )
    statements = StatementDraftSerializer(many=True, required=False)
    proposals = ProposalDraftSerializer(many=True, required=False)
    status_changes = StatusChangeDraftSerializer(many=True, required=False)
    expectations = ExpectationDraftSerializer(many=True, required=False)

    def validate(self, data):
        if not any(data.get(name) for name in service.MODELS):
            raise ValidationError({"statements": ["Accept at least one suggestion."]})
        return data


class CreatedEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    headline = serializers.CharField()
    state = serializers.CharField()


class CreatedActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AcceptedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()


class AcceptedSerializer(serializers.Serializer):
    source = AcceptedSourceSerializer()
    entries = CreatedEntrySerializer(many=True)
    actors_created = CreatedActorSerializer(many=True)


ERRORS = {
    400: OpenApiResponse(description="Bad input: messages keyed by field."),
    401: OpenApiResponse(description="Sign in with a token."),
    403: OpenApiResponse(description="Journalists and editors only."),
    413: OpenApiResponse(description="The body is over 1 MB."),
    429: OpenApiResponse(description="Too many extractions: see Retry-After."),
}


class ExtractionView(GenericAPIView):
    """Suggestions for an article: nothing is stored, nothing is fetched."""

    permission_classes = [IsNewsroom]
    throttle_classes = [UserRateThrottle, ExtractionThrottle]
    serializer_class = ExtractionRequestSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary="Suggest statements, amounts, dates and hints from an article",
        description="The article's text (or HTML) in; proposals out, each with the sentence "
        "it came from and its offsets in the analysed text. Nothing is saved: accept the ones "
        "you keep with POST /api/v1/extractions/accept/.",
        request=ExtractionRequestSerializer,
        responses={200: ExtractionSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            answer = service.suggest(
                negotiation=data["negotiation"],
                published=data["published"],
                text=data.get("text", ""),
                html=data.get("html", ""),
            )
        except InputError as error:
            raise ValidationError({error.field: [error.message]}) from None
        body = {
            "negotiation": data["negotiation"].pk,
            "url": data["url"],
            "publisher": data.get("publisher", ""),
            "published": data["published"].isoformat(),
            "dateline": data.get("dateline", ""),
            **answer,
        }
        return Response(ExtractionSerializer(body).data, status=status.HTTP_200_OK)


class AcceptView(GenericAPIView):
    """The suggestions you keep, saved as drafts citing the article."""

    permission_classes = [IsNewsroom]
    serializer_class = AcceptSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary="Save reviewed suggestions as drafts citing the article",
        description="One transaction: the article becomes (or reuses) a source, new speakers "
        "become actors, and each suggestion a draft (or an entry ready for review) through the "
        "domain's rules. Nothing is published. When any is refused, nothing is saved and the "
        "400 says which (errors keyed by kind and position).",
        request=AcceptSerializer,
        responses={201: AcceptedSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        article = service.Article(
            url=data.pop("url"),
            title=data.pop("title", ""),
            publisher=data.pop("publisher", ""),
            published=data.pop("published", None),
        )
        try:
            accepted = service.accept(
                negotiation=data.pop("negotiation"),
                article=article,
                by=request.user,
                state=data.pop("state"),
                **data,
            )
        except service.RefusedSuggestions as refused:
            errors = {}
            for (group, index), messages in refused.errors.items():
                errors.setdefault(group, {})[str(index)] = messages
            raise ValidationError(errors) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        body = {
            "source": {"id": accepted.source.pk, "url": accepted.source.url},
            "entries": [
                {"id": e.pk, "type": e.entry_type, "headline": e.headline, "state": e.state}
                for e in accepted.entries
            ],
            "actors_created": [{"id": a.pk, "name": a.name} for a in accepted.actors_created],
        }
        return Response(AcceptedSerializer(body).data, status=status.HTTP_201_CREATED)
