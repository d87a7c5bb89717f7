"""The API's ViewSets: querysets with the visibility rule, writes through the domain."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import slug_re
from django.db import transaction
from django.db.models import Case, F, OuterRef, Prefetch, Subquery, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import get_script_prefix
from django_filters import rest_framework as django_filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import mixins, routers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from negotiations.api import filters, serializers
from negotiations.api.conditional import ConditionalMixin
from negotiations.api.errors import JsonErrorsMixin
from negotiations.api.exceptions import Conflict
from negotiations.api.expand import ExpandMixin
from negotiations.api.items import render_json
from negotiations.api.pagination import KeysetPagination, TimelinePagination
from negotiations.api.parameters import QueryParametersMixin
from negotiations.caching import fragments, reader_http, reader_versions
from negotiations.domain.conflicts import NOT_CHECKED
from negotiations.domain.records import delete_record
from negotiations.domain.review import discard_revision, publish_revision
from negotiations.domain.revisions import changes_are_held, pending_revision, with_pending_revision
from negotiations.domain.rules import may_publish
from negotiations.models import (
    Actor,
    Entry,
    Negotiation,
    ReaderEvent,
    RecordChange,
    Revision,
    Source,
    StatusChange,
    user_may_preview,
)
from negotiations.numbers import parse_id
from negotiations.reader.selectors.home import with_developments
from negotiations.reader.selectors.negotiation import DEVELOPMENTS_LIMIT
from negotiations.reader.selectors.queries import proposal_readable

PRECONDITION = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description='The ETag you read (or "<version>"): a stale one gets 412 and nothing '
    "changes. Required unless the body carries the record's `version` (428 without either). "
    'A whole ETag of an entry also names its pending revision ("<version>.<revision>-…"): '
    'a revision proposed, published or discarded since is a 412; "<version>" and a body '
    "`version` check the version only.",
)
REVISION_PRECONDITION = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Optional: the entry's ETag you read; a stale one (another revision since) "
    "gets 412. Without it, the current pending revision is acted on.",
)
ERRORS = {
    400: OpenApiResponse(description="Bad input: messages keyed by field."),
    403: OpenApiResponse(description="Your role may not do this."),
}
WRITE_ERRORS = {
    **ERRORS,
    412: OpenApiResponse(description="The record changed since you read it (If-Match, version)."),
    428: OpenApiResponse(
        description="No precondition: send If-Match with the ETag you read, or the record's "
        "version in the body."
    ),
}


def crud_docs(noun, plural, serializer):
    """The CRUD operations of a resource; for entries, also their pending revisions'."""
    updates = {200: serializer, **WRITE_ERRORS}
    revisions = {}
    if issubclass(serializer, serializers.EntrySerializer):
        updates[202] = OpenApiResponse(
            serializer,
            description="A journalist's change of a live entry: held as its pending revision "
            "for an editor (readers see the live entry); the entry as staff see it.",
        )
        revisions = revision_docs(serializer)
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}"),
        retrieve=extend_schema(summary=f"Read one {noun}"),
        create=extend_schema(summary=f"Create {noun}", responses={201: serializer, **ERRORS}),
        update=extend_schema(
            summary=f"Replace {noun}", parameters=[PRECONDITION], responses=updates
        ),
        partial_update=extend_schema(
            summary=f"Change {noun}", parameters=[PRECONDITION], responses=updates
        ),
        destroy=extend_schema(
            summary=f"Delete {noun} (editors)",
            parameters=[PRECONDITION],
            responses={
                204: None,
                409: OpenApiResponse(description="Still referred to."),
                **WRITE_ERRORS,
            },
        ),
        **revisions,
    )


def revision_docs(serializer):
    """The pending-revision actions of an entry resource."""
    responses = {
        200: OpenApiResponse(serializer, description="The entry as staff see it now."),
        403: OpenApiResponse(description="Only editors decide on pending revisions."),
        404: OpenApiResponse(description="No such entry, or it has no pending revision."),
        412: OpenApiResponse(description="If-Match names another revision or version."),
    }
    return {
        "publish_revision": extend_schema(
            summary="Publish the pending revision (editors)",
            description="Applies the journalist's change to the live entry. A change of what "
            "readers read of a visible entry needs `correction_note` or `minor_fix`.",
            parameters=[REVISION_PRECONDITION],
            request=serializers.RevisionPublishSerializer,
            responses={
                **responses,
                400: OpenApiResponse(
                    description="Neither (or both) correction_note and minor_fix."
                ),
                409: OpenApiResponse(
                    description="A field the revision changes was changed on the live entry "
                    "since it was proposed: nothing was published."
                ),
            },
        ),
        "discard_revision": extend_schema(
            summary="Discard the pending revision (editors)",
            parameters=[REVISION_PRECONDITION],
            request=None,
            responses=responses,
        ),
    }


class ApiViewMixin(ExpandMixin, QueryParametersMixin, ConditionalMixin):
    lookup_value_regex = r"[0-9]+"
    slug_lookup = False
    pagination_class = KeysetPagination
    filter_backends = [filters.FilterBackend, filters.AliasOrderingFilter]

    def lookup_filter(self):
        """The record the address names: an id (the digits 0–9), or else its slug where the
        resource has one (``SlugLookupMixin``); anything else names nothing (404)."""
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        pk = parse_id(value)
        if pk is not None:
            return {"pk": pk}
        if self.slug_lookup and slug_re.match(value):
            return {"slug": value}
        raise Http404

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        record = get_object_or_404(queryset, **self.lookup_filter())
        self.check_object_permissions(self.request, record)
        return record


class SlugLookupMixin:
    """Records with a slug: ``/<slug>/`` names them as ``/<id>/`` does."""

    slug_lookup = True
    lookup_value_regex = r"[^/.]+"


class RecordViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Create and update through the serializer (and so the domain); delete through the domain."""

    def get_object(self):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            # Lock the row holding the version for the request's transaction: If-Match and
            # every rule are then checked against the current record, not a stale read.
            model = self.get_queryset().model
            owner = model._meta.get_field("version").model
            rows = owner._base_manager.select_for_update().filter(**self.lookup_filter())
            list(rows.values_list("pk"))
        return super().get_object()

    def pending_of(self, instance):
        """The record's pending revision for the preconditions (entries only)."""
        return pending_revision(instance) if isinstance(instance, Entry) else NOT_CHECKED

    def update(self, request, *args, **kwargs):
        """Preconditions (428/412) first, then the body (400), then the domain."""
        instance = self.get_object()
        expected_version, expected_revision = self.preconditions(
            instance, pending=self.pending_of(instance)
        )
        serializer = self.get_serializer(
            instance, data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        held = isinstance(instance, Entry) and changes_are_held(instance, by=request.user)
        serializer.save(expected_version=expected_version, expected_revision=expected_revision)
        if held:
            # Readers see nothing new; staff see the live entry and its pending revision.
            return self.as_staff_see_it(instance, status.HTTP_202_ACCEPTED)
        if getattr(instance, "_prefetched_objects_cache", None):
            instance._prefetched_objects_cache = {}  # the relations as written
        return Response(serializer.data)

    def as_staff_see_it(self, instance, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data, code)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        expected_version, _ = self.preconditions(instance, pending=self.pending_of(instance))
        with transaction.atomic():
            delete_record(instance, by=request.user, expected_version=expected_version)
        return Response(status=status.HTTP_204_NO_CONTENT)


@crud_docs("an actor", "actors", serializers.ActorSerializer)
class ActorViewSet(SlugLookupMixin, RecordViewSet):
    """People, governments and organizations."""

    queryset = Actor.objects.all()
    serializer_class = serializers.ActorSerializer
    filterset_class = filters.ActorFilterSet
    ordering_fields = ["name", "slug", "created_at", "updated_at", "id"]
    ordering = ["name"]


@crud_docs("a negotiation", "negotiations", serializers.NegotiationSerializer)
class NegotiationViewSet(SlugLookupMixin, RecordViewSet):
    serializer_class = serializers.NegotiationSerializer
    filterset_class = filters.NegotiationFilterSet
    ordering_fields = ["title", "slug", "changed_at", "created_at", "updated_at", "id"]
    ordering_aliases = {"changed_at": ("reader_changed_at",)}
    ordering = ["title"]

    def get_queryset(self):
        if self.action == "timeline":
            return Entry.objects.visible_to(self.request.user)
        negotiations = Negotiation.objects.prefetch_related("parties")
        if self.request.method in ("GET", "HEAD"):
            return with_developments(negotiations, self.request.user, limit=DEVELOPMENTS_LIMIT)
        return negotiations

    @extend_schema(
        summary="A negotiation's timeline",
        description="Every entry kind merged in reading order (date, then order within the "
        "day). Anonymous readers see published entries only.",
        responses=serializers.TimelineItemSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=filters.TimelineFilterSet,
        filter_backends=[filters.FilterBackend],
        pagination_class=TimelinePagination,
        serializer_class=serializers.TimelineItemSerializer,
        ordering=["date_start", "sequence", "pk"],
    )
    def timeline(self, request, pk=None):
        lookup = self.lookup_filter()
        negotiation_id = lookup.get("pk") or get_object_or_404(
            Negotiation.objects.values_list("pk", flat=True), **lookup
        )
        current = reader_versions.current(negotiation_id)
        if current is None:
            raise Http404
        preview = user_may_preview(request.user)
        context = None if preview else fragments.context()

        def page_spine():
            """The page's ids and versions: one keyset query."""
            entries = self.get_queryset().filter(negotiation_id=negotiation_id)
            return self.paginate_queryset(
                self.filter_queryset(entries).values_list(
                    *fragments.SPINE, "entry_type", named=True
                )
            )

        def items(spine):
            """``(item, url)`` of each entry of the page, ``item`` its JSON but for the
            ``url``: from the cache (``fragments``), the misses read (five queries)."""
            found = fragments.cached(
                fragments.API,
                spine,
                context,
                lambda ids: serializers.timeline_items_json(self.get_queryset().filter(pk__in=ids)),
            )
            detail_url = serializers.detail_urls(request)
            return [
                (found[row.pk], detail_url(row.entry_type, row.pk))
                for row in spine
                if row.pk in found
            ]

        # Compact JSON is joined from the items as kept (``render_json``); the browsable
        # API and indented JSON go through DRF, validated by their bytes.
        compact = request.accepted_renderer.format == "json"
        if not compact or "indent" in request.accepted_media_type:
            found = [{**json.loads(item), "url": url} for item, url in items(page_spine())]
            return self.get_paginated_response(found)

        def page():
            """The page's items joined, kept whole under its entries' ids and versions and
            the address its items name: a page read again is its keyset query and one cache
            read."""
            spine = page_spine()
            results = fragments.cached_whole(
                "api-page",
                (
                    tuple((row.pk, row.version, row.shown_version) for row in spine),
                    request.build_absolute_uri(get_script_prefix()),
                ),
                context,
                lambda: joined_items(items(spine)),
            )
            return self.joined(results)

        # Validated by the negotiation's reader version, rendered once per change (a
        # preview: once per change of the record, ``caching.tokens``).
        return reader_http.respond(
            request,
            page,
            validators=reader_http.stamp_validators(negotiation_id, current, request, extra="api"),
            preview=preview,
        )

    def joined(self, results):
        """The page as DRF's JSON renderer writes it (``TimelinePagination``'s links, then
        the results: ``joined_items``)."""
        links = render_json(
            {"next": self.paginator.get_next_link(), "previous": self.paginator.get_previous_link()}
        )
        content = links[:-1] + b',"results":[' + results + b"]}"
        return self.finalize_response(
            self.request,
            HttpResponse(content, content_type=self.request.accepted_renderer.media_type),
        )


def joined_items(items):
    """A readers' page's results as DRF's JSON renderer writes them, joined from the items'
    JSON (``(item, url)``), each with its ``url`` added last."""
    return b",".join(item[:-1] + b',"url":' + render_json(url) + b"}" for item, url in items)


@crud_docs("a source", "sources", serializers.SourceSerializer)
class SourceViewSet(RecordViewSet):
    """Cited documents, one per URL (entries write theirs inline)."""

    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilterSet
    ordering_fields = ["title", "publisher", "created_at", "updated_at", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        # Readers see only the sources an entry they can see cites (the rule: Source.objects).
        return Source.objects.visible_to(self.request.user)


class EntryViewSet(RecordViewSet):
    """Timeline entries of one kind; anonymous readers see published ones only."""

    ordering_fields = ["date", "created_at", "updated_at", "id"]
    ordering_aliases = {"date": ("date_start", "sequence")}
    ordering = ["date_start", "sequence"]

    def get_queryset(self):
        model = self.serializer_class.Meta.model
        entries = model.objects.visible_to(self.request.user).prefetch_related(
            "sources", "corrections", *model.M2M_FIELDS
        )
        if user_may_preview(self.request.user):
            pending = Revision.objects.filter(status=Revision.Status.PENDING)
            entries = entries.prefetch_related(
                Prefetch(
                    "revisions",
                    queryset=pending.select_related("created_by"),
                    to_attr="pending_revisions",
                )
            )
        return entries

    def get_object(self):
        entry = super().get_object()
        if self.action in ("update", "partial_update") and changes_are_held(
            entry, by=self.request.user
        ):
            # A journalist edits the live entry's pending revision, as the admin does.
            return with_pending_revision(entry)
        return entry

    def _pending_to_decide(self, request):
        """The entry and its pending revision, for an editor; If-Match when given."""
        entry = self.get_object()
        if not may_publish(request.user):
            raise PermissionDenied("Only editors can publish or discard pending revisions.")
        revision = pending_revision(entry)
        if revision is None:
            raise NotFound("This entry has no pending revision.")
        if "If-Match" in request.headers:
            self.preconditions(entry, pending=revision)
        return entry, revision

    @action(detail=True, methods=["post"], url_path="revision/publish")
    def publish_revision(self, request, pk=None):
        entry, revision = self._pending_to_decide(request)
        decision = serializers.RevisionPublishSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        try:
            publish_revision(
                revision, by=request.user, expected_version=entry.version, **decision.validated_data
            )
        except DjangoValidationError as error:
            if getattr(error, "code", None) == "stale_revision":
                raise Conflict(error.messages[0]) from None
            raise
        return self.as_staff_see_it(entry)

    @action(detail=True, methods=["post"], url_path="revision/discard")
    def discard_revision(self, request, pk=None):
        entry, revision = self._pending_to_decide(request)
        discard_revision(revision, by=request.user)
        return self.as_staff_see_it(entry)


@crud_docs("a proposal", "proposals", serializers.ProposalSerializer)
class ProposalViewSet(EntryViewSet):
    serializer_class = serializers.ProposalSerializer
    filterset_class = filters.ProposalFilterSet

    def get_queryset(self):
        user = self.request.user
        changes = StatusChange.objects.visible_to(user).chronological()
        return (
            super()
            .get_queryset()
            .with_status(user)
            .annotate(supersedes_named=proposal_readable(user, "supersedes_id"))
            .prefetch_related(
                Prefetch("status_changes", queryset=changes, to_attr="visible_status_changes")
            )
        )


@crud_docs("a status change", "status changes", serializers.StatusChangeSerializer)
class StatusChangeViewSet(EntryViewSet):
    """A proposal's status over time; the negotiation is the proposal's."""

    serializer_class = serializers.StatusChangeSerializer
    filterset_class = filters.StatusChangeFilterSet


@crud_docs("a statement", "statements", serializers.StatementSerializer)
class StatementViewSet(EntryViewSet):
    serializer_class = serializers.StatementSerializer
    filterset_class = filters.StatementFilterSet

    def get_queryset(self):
        return super().get_queryset().annotate(proposal_named=proposal_readable(self.request.user))


@crud_docs("an event", "events", serializers.EventSerializer)
class EventViewSet(EntryViewSet):
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilterSet


@crud_docs("an expectation", "expectations", serializers.ExpectationSerializer)
class ExpectationViewSet(EntryViewSet):
    serializer_class = serializers.ExpectationSerializer
    filterset_class = filters.ExpectationFilterSet


class ChangesFilterSet(django_filters.FilterSet):
    """Over the staff's change log and the readers' events alike (both have ``at``)."""

    since = filters.InstantFilter(
        field_name="at", lookup_expr="gte", label="ISO 8601 date-time; inclusive."
    )


@extend_schema_view(
    list=extend_schema(
        summary="What changed",
        description="Every record created, updated or deleted since `since` (record time, "
        "not event date), one item per record at its latest change, oldest first. "
        "Anonymous readers get what they could see: a record that became visible reads as "
        "created (when it became visible), one that stopped being visible as deleted, and "
        "one never visible to them (drafts, embargoes, sources cited by those) not at all.",
    )
)
class ChangeViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.ChangeSerializer
    filterset_class = ChangesFilterSet
    filter_backends = [filters.FilterBackend]
    ordering = ["at", "id"]

    def get_queryset(self):
        if user_may_preview(self.request.user):
            changes = RecordChange.objects.filter(record_type__in=list(serializers.ROUTE_OF))
            return changes.annotate(at=F("changed_at"), shown_action=F("action"))
        return public_changes()


def public_changes():
    """The changes feed as anonymous readers see it (``ChangeViewSet``'s description): the
    latest reader event of each record; one they never saw has none."""
    latest = (
        ReaderEvent.objects.filter(
            record_type=OuterRef("record_type"), record_id=OuterRef("record_id")
        )
        .order_by("-at", "-pk")
        .values("pk")[:1]
    )
    gone = [ReaderEvent.Action.UNPUBLISHED, ReaderEvent.Action.DELETED]
    return (
        ReaderEvent.objects.filter(record_type__in=list(serializers.ROUTE_OF))
        .filter(pk=Subquery(latest))
        .annotate(
            shown_action=Case(
                When(action__in=gone, then=Value(RecordChange.Action.DELETED)),
                When(action=ReaderEvent.Action.PUBLISHED, then=Value(RecordChange.Action.CREATED)),
                default=Value(RecordChange.Action.UPDATED),
            )
        )
    )


class SchemaView(JsonErrorsMixin, ConditionalMixin, SpectacularAPIView):
    pass


class SwaggerView(JsonErrorsMixin, ConditionalMixin, SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is a separate request (``?script``), not inline,
    so the Content Security Policy needs no inline script."""


class RedocView(JsonErrorsMixin, ConditionalMixin, SpectacularRedocView):
    pass


class RootView(QueryParametersMixin, ConditionalMixin, routers.APIRootView):
    """Parley's REST API v1. Documentation: /api/v1/docs/."""

    schema = None  # as DRF's root: not an operation of the schema
