"""JSON in and out. Serializers check shapes and types only; every rule is the domain's.

Writes build the model instance from the validated data and hand it to
``negotiations.domain`` (``save_record``/``save_entry``), which validates it whole
(``full_clean`` plus the rules across records) and refuses with field-keyed
errors; these come back as a 400 under the API's field names.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from negotiations.api.expand import ExpandableIdField, ExpandableListSerializer
from negotiations.api.fields import DecimalField, IdRelatedField, PartialDateField
from negotiations.api.items import moment, render_json
from negotiations.dates import DatePrecision, PartialDate
from negotiations.domain.conflicts import NOT_CHECKED
from negotiations.domain.entries import save_entry
from negotiations.domain.records import get_or_create_source, save_record
from negotiations.domain.revisions import pending_revision, revision_values
from negotiations.domain.rules import may_publish
from negotiations.models import (
    TEXT_MAX,
    TITLE_MAX,
    Actor,
    Correction,
    Entry,
    EntryType,
    Event,
    Expectation,
    ExpectationProgress,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    RecordChange,
    Source,
    Statement,
    StatusChange,
    http_url_validator,
    user_may_preview,
)
from negotiations.reader.selectors.negotiation import key_developments

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY

# The API resource (URL name) of each record type of the change log and timeline.
ROUTE_OF = {
    "actor": "actor",
    "negotiation": "negotiation",
    "source": "source",
    "proposal": "proposal",
    "status_change": "status-change",
    "statement": "statement",
    "event": "event",
    "expectation": "expectation",
}

# Model field names that the API shows under another name.
ERROR_KEYS = {
    "date_start": "date",
    "date_precision": "date",
    "due_date_start": "due_date",
    "due_date_precision": "due_date",
    "__all__": NON_FIELD,
}


def record_url(record_type, pk, request):
    return reverse(f"api:{ROUTE_OF[record_type]}-detail", kwargs={"pk": pk}, request=request)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$", "nullable": True})
class ClockTimeField(serializers.TimeField):
    """A time of day as "14:30"."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


@extend_schema_field({"type": "string", "format": "uri", "maxLength": 2000})
class WebAddressField(serializers.CharField):
    """An http(s) address (one message when it is not one)."""

    def __init__(self, **kwargs):
        validators = [http_url_validator, *kwargs.pop("validators", [])]
        super().__init__(max_length=2000, validators=validators, **kwargs)


class ApiModelSerializer(serializers.ModelSerializer):
    """Model serializer whose writes go through the domain functions."""

    serializer_related_field = IdRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: DecimalField,
    }
    version = serializers.IntegerField(
        required=False,
        help_text="The record's version, moved by every change. On PUT/PATCH, the version you "
        "read (instead of If-Match): a stale one gets 412 and nothing changes.",
    )

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # Free text limited by a validator (not max_length): say the limit in the schema too.
        limits = [v for v in kwargs.get("validators", []) if isinstance(v, MaxLengthValidator)]
        if limits and "max_length" not in kwargs:
            kwargs["max_length"] = limits[0].limit_value
            kwargs["validators"] = [v for v in kwargs["validators"] if v not in limits]
        return field_class, kwargs

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        embeddable = EMBEDDABLE.get(relation_info.related_model)
        if embeddable is not None:  # ?expand= embeds the record (negotiations.api.expand)
            field_class = ExpandableIdField
            kwargs["expand_name"], kwargs["embed"] = embeddable
        return field_class, kwargs

    def create(self, validated_data):
        validated_data.pop("version", None)  # a new record has none yet
        return self._write(self.Meta.model(), validated_data, locks={})

    def update(self, instance, validated_data):
        # The view checked the body's version against the record (preconditions) and
        # passes on the lock it read: the domain compares it again inside the write.
        validated_data.pop("version", None)
        locks = {
            name: validated_data.pop(name)
            for name in ("expected_version", "expected_revision")
            if name in validated_data
        }
        return self._write(instance, validated_data, locks=locks)

    def _write(self, instance, data, *, locks):
        # No savepoint: the request's transaction, rolled back whole by the error handler.
        try:
            return self.write(instance, data, **locks)
        except DjangoValidationError as error:
            raise serializers.ValidationError(self.api_errors(error)) from None

    def write(self, instance, data, *, expected_version=None, expected_revision=None):
        raise NotImplementedError

    @property
    def user(self):
        return self.context["request"].user

    def api_errors(self, error):
        """The domain's messages, keyed by the API's field names."""
        if not hasattr(error, "error_dict"):
            return {NON_FIELD: error.messages}
        errors = {}
        for name, messages in error.message_dict.items():
            key = ERROR_KEYS.get(name, name)
            if key != NON_FIELD and key not in self.fields:
                key, messages = NON_FIELD, [f"{name}: {message}" for message in messages]
            errors.setdefault(key, []).extend(messages)
        return errors


def _split_many_to_many(instance, data):
    names = {field.name for field in instance._meta.many_to_many}
    return {name: data.pop(name) for name in list(data) if name in names}


class RecordSerializer(ApiModelSerializer):
    """Actors, negotiations and sources: saved with ``save_record``."""

    def write(self, instance, data, *, expected_version=None, expected_revision=None):
        m2m = _split_many_to_many(instance, data)
        for name, value in data.items():
            setattr(instance, name, value)
        return save_record(instance, by=self.user, m2m=m2m, expected_version=expected_version)


TRACKING_FIELDS = ["version", "created_at", "updated_at"]


class ActorSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:actor-detail")
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=TITLE_MAX),
        required=False,
        help_text="Other spellings of the name.",
    )

    class Meta:
        model = Actor
        fields = [
            "id",
            "url",
            "name",
            "slug",
            "kind",
            "title",
            "affiliation",
            "country",
            "aliases",
            "wikidata_id",
            *TRACKING_FIELDS,
        ]
        read_only_fields = TRACKING_FIELDS


class DevelopmentSerializer(serializers.Serializer):
    """A key development: a key entry or a status change (``EntryQuerySet.developments``)."""

    type = serializers.ChoiceField(choices=EntryType.choices, source="entry_type")
    id = serializers.IntegerField(source="pk")
    date = PartialDateField()
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    title = serializers.CharField(source="headline", help_text="One line a reader understands.")
    url = serializers.SerializerMethodField(help_text="The entry itself, at its resource.")

    def get_url(self, entry) -> str:
        return record_url(entry.entry_type, entry.pk, self.context["request"])


class NegotiationSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:negotiation-detail")
    state_of_play = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Where the talks stand, written by an editor (editors only may change it; "
        "an update is news, not a correction).",
    )
    key_developments = serializers.SerializerMethodField(
        help_text="The latest key developments (key entries and status changes), newest first."
    )
    timeline = serializers.HyperlinkedIdentityField(
        view_name="api:negotiation-timeline", help_text="Every entry, in reading order."
    )

    changed_at = serializers.DateTimeField(
        source="reader_changed_at",
        read_only=True,
        allow_null=True,
        help_text="When readers last saw something change in this negotiation.",
    )

    class Meta:
        model = Negotiation
        fields = [
            "id",
            "url",
            "title",
            "slug",
            "summary",
            "state_of_play",
            "state_of_play_updated_at",
            "key_developments",
            "status",
            "parties",
            "timeline",
            "changed_at",
            *TRACKING_FIELDS,
        ]
        read_only_fields = ["changed_at", "state_of_play_updated_at", *TRACKING_FIELDS]

    @extend_schema_field(DevelopmentSerializer(many=True))
    def get_key_developments(self, negotiation):
        # Read with the negotiations (``with_developments``); after a write, anew.
        developments = getattr(negotiation, "developments", None)
        if developments is None:
            developments = key_developments(negotiation, self.user)
        return DevelopmentSerializer(developments, many=True, context=self.context).data


class SourceSerializer(RecordSerializer):
    """A cited document; its ``url`` is the document's address, ``api_url`` this record's."""

    api_url = serializers.HyperlinkedIdentityField(view_name="api:source-detail")
    url = WebAddressField(
        validators=[UniqueValidator(Source.objects.all(), message="This URL is already a source.")],
        help_text="The document's address (http or https).",
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "api_url",
            "url",
            "title",
            "publisher",
            "published_on",
            *TRACKING_FIELDS,
        ]
        read_only_fields = TRACKING_FIELDS


class InlineSourceSerializer(serializers.Serializer):
    """A source as written on an entry: only ``url`` is required; a known URL is reused."""

    id = serializers.IntegerField(read_only=True)
    url = WebAddressField(help_text="The document's address; a known one is reused.")
    title = serializers.CharField(max_length=TITLE_MAX * 2, required=False, allow_blank=True)
    publisher = serializers.CharField(max_length=TITLE_MAX, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)


class EntrySourceListSerializer(ExpandableListSerializer):
    expand_name = "sources"
    embed = SourceSerializer


class EntrySourceSerializer(InlineSourceSerializer):
    """An entry's sources: inline, or whole records with ``?expand=sources``."""

    class Meta:
        list_serializer_class = EntrySourceListSerializer


class CorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Correction
        fields = ["note", "made_at"]
        read_only_fields = fields


ENTRY_FIELDS = [
    "id",
    "url",
    "type",
    "negotiation",
    "date",
    "date_precision",
    "key",
    "published",
    "state",
    "publish_at",
    "pending_revision",
    "correction_note",
    "minor_fix",
    "sources",
    "corrections",
    *TRACKING_FIELDS,
]
# What only the newsroom reads: readers' responses leave them out.
STAFF_ONLY_FIELDS = ("state", "publish_at", "pending_revision")


def staff_only_fields_not_required(result, generator, request, public):
    """Schema hook: an entry's staff-only fields are absent from readers' responses, so no
    component requires them (drf-spectacular requires every read-only field)."""
    for component in result.get("components", {}).get("schemas", {}).values():
        required = component.get("required")
        if required and "pending_revision" in component.get("properties", {}):
            component["required"] = [name for name in required if name not in STAFF_ONLY_FIELDS]
    return result


class PendingRevisionSerializer(serializers.Serializer):
    """A journalist's change of a live entry, waiting for an editor."""

    id = serializers.IntegerField()
    changes = serializers.DictField(
        help_text="The proposed values, by API field name, as this resource writes them."
    )
    proposed_by = serializers.CharField(allow_null=True, help_text="The proposer's username.")
    proposed_at = serializers.DateTimeField()
    base_version = serializers.IntegerField(help_text="The entry's version when proposed.")


class RevisionPublishSerializer(serializers.Serializer):
    """What publishing a pending revision says, when it changes what readers read."""

    correction_note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Shown to readers as a correction.",
    )
    minor_fix = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Spelling or formatting: recorded in history, not shown as a correction.",
    )


class EntrySerializer(ApiModelSerializer):
    """What every timeline entry shares; saved with ``save_entry``."""

    type = serializers.CharField(source="entry_type", read_only=True)
    date = PartialDateField()
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices, read_only=True)
    published = serializers.BooleanField(
        required=False,
        help_text="Published entries are public; drafts exist only for the newsroom. "
        "Only editors may publish or unpublish. Default false.",
    )
    state = serializers.ChoiceField(
        choices=PublicationState.choices,
        required=False,
        help_text="Staff only: draft, review or published. Journalists set draft and review; "
        "only editors publish or unpublish. Must agree with published when both are sent.",
    )
    publish_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Staff only: when a published entry appears (ISO 8601; in the future, it "
        "is embargoed). Editors only, and only on a published entry.",
    )
    pending_revision = serializers.SerializerMethodField(
        help_text="Staff only: a journalist's change of this live entry waiting for an "
        "editor (readers see the live entry), or null."
    )
    correction_note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Editors: changing what readers read of a visible entry needs this "
        "(shown to readers as a correction) or minor_fix.",
    )
    minor_fix = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Editors: the change of a visible entry is a spelling or formatting fix "
        "(recorded in history, not shown as a correction).",
    )
    sources = EntrySourceSerializer(many=True, required=False)
    corrections = CorrectionSerializer(many=True, read_only=True)

    @extend_schema_field(PendingRevisionSerializer(allow_null=True))
    def get_pending_revision(self, entry):
        if not self.staff:
            return None  # left out of readers' responses (to_representation)
        revision = pending_revision(entry)
        if revision is None:
            return None
        return {
            "id": revision.pk,
            "changes": self._revision_changes(entry, revision),
            "proposed_by": revision.created_by.get_username() if revision.created_by else None,
            "proposed_at": moment(revision.created_at),
            "base_version": revision.base_version,
        }

    def _revision_changes(self, entry, revision):
        """A revision's proposed values under the API's field names, as written here."""
        values = revision_values(revision, entry)
        changes = {}
        for name, value in values.items():
            key = ERROR_KEYS.get(name, name)
            if key in ("date", "due_date"):
                start = values.get(f"{key}_start", getattr(entry, f"{key}_start"))
                precision = values.get(f"{key}_precision", getattr(entry, f"{key}_precision"))
                changes[key] = PartialDate(start, precision).edtf if start else None
            elif name == "sources":
                found = Source.objects.in_bulk(value)
                rows = [found[pk] for pk in value if pk in found]
                changes[key] = InlineSourceSerializer(rows, many=True).data
            elif entry._meta.get_field(name).is_relation or value is None:
                changes[key] = value  # ids of related records, or null
            else:
                changes[key] = self.fields[key].to_representation(value)
        return changes

    @cached_property
    def staff(self):
        return user_may_preview(self.user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.staff:
            for name in STAFF_ONLY_FIELDS:
                data.pop(name, None)
        return data

    def write(self, instance, data, *, expected_version=None, expected_revision=NOT_CHECKED):
        sources = data.pop("sources", None)
        published = data.pop("published", None)
        state = data.pop("state", None)
        publish_at_given = "publish_at" in data
        publish_at = data.pop("publish_at", None)
        note = data.pop("correction_note", "")
        minor_fix = data.pop("minor_fix", False)
        both = state is not None and published is not None
        if both and published != (state == PublicationState.PUBLISHED):
            raise DjangoValidationError(
                {"state": [f"state “{state}” and published {str(published).lower()} disagree."]}
            )
        was_published = instance.state == PublicationState.PUBLISHED
        m2m = _split_many_to_many(instance, data)
        for name, value in data.items():
            setattr(instance, name, value)
        if state is not None:
            instance.state = state
        elif published:
            instance.state = PublicationState.PUBLISHED
        elif published is not None and was_published:
            instance.state = PublicationState.DRAFT
        if publish_at_given and publish_at is not None and not may_publish(self.user):
            raise PermissionDenied("Only editors can set a publish time.")
        if publish_at_given:
            instance.publish_at = publish_at
        if instance.state != PublicationState.PUBLISHED:
            if publish_at_given and publish_at is not None:
                raise DjangoValidationError(
                    {"publish_at": ["A publish time is for a published entry: publish it too."]}
                )
            if was_published:
                instance.publish_at = None
        if sources is not None:
            sources = [get_or_create_source(by=self.user, **source) for source in sources]
        saved = save_entry(
            instance,
            by=self.user,
            sources=sources,
            m2m=m2m,
            expected_version=expected_version,
            expected_revision=expected_revision,
            correction_note=note,
            minor_fix=minor_fix,
        )
        # A change held as a pending revision returns the revision: the entry is unchanged.
        return saved if isinstance(saved, Entry) else instance


class StatusHistoryItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:status-change-detail")
    date = PartialDateField()

    class Meta:
        model = StatusChange
        fields = ["id", "status", "date", "date_precision", "actor", "note", "url"]
        read_only_fields = fields


class ProposalSerializer(EntrySerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:proposal-detail")
    status = serializers.ChoiceField(
        choices=ProposalStatus.choices,
        source="current_status",
        read_only=True,
        allow_null=True,
        help_text="The latest status change's status; null until the first one is posted.",
    )
    status_history = serializers.SerializerMethodField(
        help_text="Every status change, oldest first (by date, then entry order)."
    )

    class Meta:
        model = Proposal
        fields = [
            *ENTRY_FIELDS,
            "title",
            "summary",
            "proposed_by",
            "addressed_to",
            "amount",
            "currency",
            "supersedes",
            "relation",
            "status",
            "status_history",
        ]
        read_only_fields = TRACKING_FIELDS

    @extend_schema_field(StatusHistoryItemSerializer(many=True))
    def get_status_history(self, proposal):
        changes = getattr(proposal, "visible_status_changes", None)
        if changes is None:
            changes = proposal.status_changes.visible_to(self.user).chronological()
        return StatusHistoryItemSerializer(changes, many=True, context=self.context).data

    def to_representation(self, instance):
        if not hasattr(instance, "current_status"):
            # A proposal just written: read its status as a list would.
            current = Proposal.objects.filter(pk=instance.pk).with_status(self.user)
            instance.current_status = current.values_list("current_status", flat=True).first()
        data = super().to_representation(instance)
        if not getattr(instance, "supersedes_named", True):
            data["supersedes"] = None  # a proposal the reader may not see (a draft)
        return data


class ProposalSummarySerializer(serializers.ModelSerializer):
    """A proposal as other records embed it (``?expand=proposal``)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:proposal-detail")
    date = PartialDateField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "url",
            "negotiation",
            "date",
            "date_precision",
            "title",
            "proposed_by",
            "amount",
            "currency",
        ]
        read_only_fields = fields


# What ``?expand=`` embeds where a record names one of these (negotiations.api.expand).
EMBEDDABLE = {
    Actor: ("actor", ActorSerializer),
    Proposal: ("proposal", ProposalSummarySerializer),
}


class StatusChangeSerializer(EntrySerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:status-change-detail")
    negotiation = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The proposal's negotiation."
    )

    class Meta:
        model = StatusChange
        fields = [*ENTRY_FIELDS, "proposal", "status", "actor", "note"]
        read_only_fields = TRACKING_FIELDS


class StatementSerializer(EntrySerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:statement-detail")

    class Meta:
        model = Statement
        fields = [
            *ENTRY_FIELDS,
            "actor",
            "text",
            "kind",
            "context",
            "proposal",
            "stance",
            "original_language",
            "original_text",
        ]
        read_only_fields = TRACKING_FIELDS

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "proposal_named", True):
            # About a proposal the reader may not see (a draft): neither it nor the stance.
            data["proposal"], data["stance"] = None, ""
        return data


class EventSerializer(EntrySerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:event-detail")
    time = ClockTimeField(required=False, allow_null=True, help_text='Time of day, "14:30".')

    class Meta:
        model = Event
        fields = [
            *ENTRY_FIELDS,
            "kind",
            "title",
            "description",
            "actors",
            "time",
            "timezone",
        ]
        read_only_fields = TRACKING_FIELDS


class ExpectationSerializer(EntrySerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:expectation-detail")
    date = PartialDateField(help_text="When the expectation was stated.")
    due_date = PartialDateField(
        required=False, allow_null=True, help_text="When it is due, in the same format as date."
    )
    due_date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, read_only=True, allow_null=True
    )
    progress = serializers.ChoiceField(
        choices=ExpectationProgress.choices,
        read_only=True,
        help_text="Where it stands today, the word every page gives it: its outcome, or "
        "pending until the due period has ended and overdue after that.",
    )

    class Meta:
        model = Expectation
        fields = [
            *ENTRY_FIELDS,
            "actor",
            "text",
            "due_date",
            "due_date_precision",
            "progress",
            "outcome",
            "resolved_on",
            "resolution_note",
        ]
        read_only_fields = TRACKING_FIELDS

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.due_date is None:
            data["due_date_precision"] = None
        return data


class CachedTimelineItemSerializer(serializers.Serializer):
    """A timeline item as the cache keeps it (``timeline_items_json``): all but its
    ``url``, which names the host the page was asked at, so the view adds it last
    (``NegotiationViewSet.joined``)."""

    type = serializers.ChoiceField(choices=EntryType.choices, source="entry_type")
    id = serializers.IntegerField(source="pk")
    date = PartialDateField()
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    title = serializers.CharField(source="headline", help_text="One line a reader understands.")
    actors = serializers.ListField(child=serializers.IntegerField(), source="actor_ids")
    sources = InlineSourceSerializer(many=True)
    key = serializers.BooleanField()
    published = serializers.BooleanField()
    corrections = CorrectionSerializer(many=True)


class TimelineItemSerializer(CachedTimelineItemSerializer):
    """One item of a negotiation's timeline, whatever its kind."""

    url = serializers.SerializerMethodField(help_text="The entry itself, at its resource.")

    def get_url(self, entry) -> str:
        return record_url(entry.entry_type, entry.pk, self.context["request"])


def timeline_items_json(entries):
    """``{id: JSON}`` of these entries as timeline items (``CachedTimelineItemSerializer``,
    written as ``render_json`` writes it): their lines' rows joined in, their actors,
    sources and corrections prefetched (five queries)."""
    entries = entries.with_headlines().prefetch_related(
        "as_proposal__addressed_to",
        "as_event__actors",
        "sources",
        "corrections",
    )
    return {entry.pk: render_json(CachedTimelineItemSerializer(entry).data) for entry in entries}


def detail_urls(request):
    """``(record_type, pk) -> absolute URL``, reversing each route once per request.

    The router puts a record at its list's address plus ``<pk>/``.
    """
    prefixes = {}

    def detail_url(record_type, pk):
        if record_type not in prefixes:
            prefixes[record_type] = reverse(f"api:{ROUTE_OF[record_type]}-list", request=request)
        return f"{prefixes[record_type]}{pk}/"

    return detail_url


class ChangeSerializer(serializers.Serializer):
    """A record's latest change; a deletion is a tombstone with ``deleted_at`` and no ``url``."""

    type = serializers.ChoiceField(choices=list(ROUTE_OF), source="record_type")
    id = serializers.IntegerField(source="record_id")
    action = serializers.ChoiceField(choices=RecordChange.Action.choices)
    changed_at = serializers.DateTimeField(required=False, help_text="Absent on deletions.")
    deleted_at = serializers.DateTimeField(required=False, help_text="Only on deletions.")
    url = serializers.URLField(required=False, help_text="Absent on deletions.")

    def to_representation(self, change):
        at = moment(change.at)
        action = change.shown_action
        data = {"type": change.record_type, "id": change.record_id, "action": action}
        if action == RecordChange.Action.DELETED:
            data["deleted_at"] = at
        else:
            data["changed_at"] = at
            data["url"] = record_url(change.record_type, change.record_id, self.context["request"])
        return data
