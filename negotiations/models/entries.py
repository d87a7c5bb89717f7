"""The timeline entry: the one table every dated item is a row of, and its QuerySet."""

import datetime
import zoneinfo

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone

from negotiations.dates import DatePrecision, PartialDate
from negotiations.models.fields import TrackedModel, validate_timezone
from negotiations.models.record import Actor, Negotiation, Source, user_may_preview


class EntryType(models.TextChoices):
    """The kinds of timeline entry; ``entry.as_<value>`` reaches the child row."""

    PROPOSAL = "proposal", "Proposal"
    STATUS_CHANGE = "status_change", "Status change"
    STATEMENT = "statement", "Statement"
    EVENT = "event", "Event"
    EXPECTATION = "expectation", "Expectation"


class PublicationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "Ready for review"
    PUBLISHED = "published", "Published"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    UNDER_DISCUSSION = "under_discussion", "Under discussion"
    COUNTERED = "countered", "Countered"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUSPENDED = "suspended", "Suspended"
    SUPERSEDED = "superseded", "Superseded"
    AGREED_IN_PRINCIPLE = "agreed_in_principle", "Agreed in principle"
    SIGNED = "signed", "Signed"
    RATIFIED = "ratified", "Ratified"
    IN_FORCE = "in_force", "In force"
    IMPLEMENTED = "implemented", "Implemented"
    LAPSED = "lapsed", "Lapsed"

    @classmethod
    def closed(cls):
        """Statuses after which a proposal is no longer on the table."""
        return [cls.REJECTED, cls.WITHDRAWN, cls.SUPERSEDED, cls.LAPSED]

    @classmethod
    def is_closed(cls, status):
        """Whether a proposal with this current status is no longer on the table."""
        return status in cls.closed()

    @classmethod
    def label_of(cls, status):
        """What readers read for a current status (None: no status change yet)."""
        if not status:
            return "No status recorded"
        return cls(status).label if status in cls.values else status


SEARCH_CONFIG = "english"


SEARCH_WORDS_MAX = 10


def search_words(text):
    """What a search box's text is searched as: its first ten words."""
    return " ".join((text or "").split()[:SEARCH_WORDS_MAX])


def ending_on_or_after(day, prefix=""):
    """Periods (``<prefix>date_start`` and its precision) whose last day is ``day`` or
    later: a day from ``day`` on, a month from ``day``'s month on, a year likewise."""
    start, precision = f"{prefix}date_start", f"{prefix}date_precision"
    return (
        Q(**{precision: DatePrecision.DAY, f"{start}__gte": day})
        | Q(**{precision: DatePrecision.MONTH, f"{start}__gte": day.replace(day=1)})
        | Q(**{precision: DatePrecision.YEAR, f"{start}__gte": day.replace(month=1, day=1)})
    )


def speaking_for(actor):
    """The ids of the actor and of everyone speaking for it (its members, by
    ``affiliation``), as a subquery."""
    return Actor.objects.filter(Q(pk=actor.pk) | Q(affiliation=actor.pk)).values("pk")


def participation(actors):
    """Each way ``actors`` (ids, or a subquery of ids) take part in entries, written
    once from the kinds' ``ACTOR_FIELDS``: {(entry type, field): queryset of the kind}.
    A many-to-many way is read through its own table (no duplicate rows)."""
    ways = {}
    kinds = [m for m in apps.get_app_config("negotiations").get_models() if m.__base__ is Entry]
    for model in kinds:
        entry_type = model.ENTRY_TYPE
        for name in model.ACTOR_FIELDS:
            field = model._meta.get_field(name)
            if field.many_to_many:
                through = field.remote_field.through
                column = field.m2m_field_name()
                ids = through.objects.filter(actor__in=actors).values(f"{column}_id")
                ways[entry_type, name] = model.objects.filter(pk__in=ids)
            else:
                ways[entry_type, name] = model.objects.filter(**{f"{name}__in": actors})
    return ways


# What a line naming an entry reads (``EntryQuerySet.with_headlines``, the admin's lists).
HEADLINE_RELATED = (
    "negotiation",
    "as_proposal",
    "as_status_change__proposal",
    "as_statement__actor",
    "as_event",
    "as_expectation__actor",
)


class EntryQuerySet(models.QuerySet):
    def published(self, at=None):
        """What anonymous readers see: published and live (``live_since``, set by the
        publication event: the editor's, or the task that lifts an embargo), with the
        publish time reached as a second guard that never shows anything early; a
        status change only while its proposal is too (it reads as the proposal's title).

        The one place the visibility rule is written. ``at`` defaults to now.
        """
        now = at or timezone.now()

        def live(prefix=""):
            return (
                Q(**{f"{prefix}state": PublicationState.PUBLISHED})
                & Q(**{f"{prefix}live_since__isnull": False})
                & (
                    Q(**{f"{prefix}publish_at__isnull": True})
                    | Q(**{f"{prefix}publish_at__lte": now})
                )
            )

        condition = live()
        if self.model is apps.get_model("negotiations", "StatusChange"):
            condition &= live("proposal__")
        elif self.model is Entry:
            condition &= ~Q(entry_type=EntryType.STATUS_CHANGE) | live(
                "as_status_change__proposal__"
            )
        return self.filter(condition)  # one filter: the same SQL as two, built once

    def embargo_due(self, at=None):
        """Published entries whose publish time came but which readers do not see yet:
        what ``domain.lift_due_embargoes`` makes live."""
        return self.filter(
            state=PublicationState.PUBLISHED,
            live_since__isnull=True,
            publish_at__lte=at or timezone.now(),
        )

    def visible_to(self, user):
        if user is not None and user_may_preview(user):
            return self
        return self.published()

    def for_negotiation(self, negotiation):
        return self.filter(negotiation=negotiation)

    def with_status(self, user=None):
        """Annotate ``current_status`` (of proposals; None on other entries): the status of
        the latest status change the user may see.

        Latest means the timeline order (date, then order within the day, then id),
        so two changes on one day resolve to the later one.
        """
        status_changes = apps.get_model("negotiations", "StatusChange").objects
        changes = status_changes.filter(proposal=models.OuterRef("pk")).visible_to(user)
        latest = changes.order_by("-date_start", "-sequence", "-pk").values("status")[:1]
        return self.annotate(current_status=models.Subquery(latest))

    def open(self):
        """Proposals still on the table (requires ``with_status``)."""
        return self.filter(
            Q(current_status__isnull=True) | ~Q(current_status__in=ProposalStatus.closed())
        )

    def search(self, text):
        """Entries matching every word of ``text``.

        On PostgreSQL a web-search query over ``search_vector`` (``search_text`` as
        a tsvector), answered by the GIN index ``entry_search``; elsewhere every word
        as a case-insensitive substring of ``search_text``.
        """
        # NUL can be in no stored text, and PostgreSQL refuses it in a parameter.
        text = search_words((text or "").replace("\x00", ""))
        if not text:
            return self
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
            return self.filter(search_vector=query)
        matches = self
        for word in text.split():
            matches = matches.filter(search_text__icontains=word)
        return matches

    def of_kinds(self, *kinds):
        """Entries of the kinds given (every kind when none is)."""
        kinds = [kind for kind in kinds if kind]
        return self.filter(entry_type__in=kinds) if kinds else self

    def overlapping(self, start=None, end=None):
        """Entries whose period overlaps [start, end] (PartialDates; either may be None):
        "February 2025" overlaps 20–28 February. The one date-range rule of the pages'
        ``from``/``to`` and the API's ``since``/``until``."""
        condition = Q()
        if end is not None:
            condition &= Q(date_start__lte=end.end)
        if start is not None:
            condition &= ending_on_or_after(start.start)
        return self.filter(condition)

    def involving(self, actor):
        """Entries the actor, or anyone speaking for it (``speaking_for``), takes part in
        (``Entry.ACTOR_FIELDS`` of each kind): the actor filter of pages and API."""
        condition = Q(pk__in=[])
        for way in participation(speaking_for(actor)).values():
            condition |= Q(pk__in=way.values("pk"))
        return self.filter(condition)

    def matching(self, *, kind=None, start=None, end=None, text=None, actor=None):
        """The timeline filters, one definition for the pages and the API: kind, a
        date range overlapping each entry's period, every word, an actor taking part."""
        entries = self.of_kinds(*(kind if isinstance(kind, list | tuple) else [kind]))
        if start is not None or end is not None:
            entries = entries.overlapping(start, end)
        if text:
            entries = entries.search(text)
        if actor is not None:
            entries = entries.involving(actor)
        return entries

    def chronological(self):
        return self.order_by("date_start", "sequence", "pk")

    def developments(self):
        """The key developments of the record, newest first: the entries marked key and
        every status change (a proposal made, rejected, withdrawn, signed…)."""
        return self.filter(Q(key=True) | Q(entry_type=EntryType.STATUS_CHANGE)).order_by(
            "-date_start", "-sequence", "-pk"
        )

    def with_headlines(self):
        """What a line naming each entry reads (``headline``, its date, due date and
        link) joined in, and no more: six kinds' rows and two actors, where ``timeline``
        joins seventeen tables, which PostgreSQL takes tens of milliseconds to plan."""
        return self.select_related(*HEADLINE_RELATED)

    def timeline(self, *, listed_actors=True):
        """Every kind joined in, related rows prefetched: a constant number of queries.
        ``listed_actors=False`` leaves out the addressees of proposals and participants
        of events (pages that do not show them)."""
        listed = ("as_proposal__addressed_to", "as_event__actors") if listed_actors else ()
        return (
            self.select_related(
                "negotiation",
                "as_proposal__proposed_by",
                "as_proposal__supersedes",
                "as_status_change__proposal",
                "as_status_change__actor",
                "as_statement__actor",
                "as_statement__proposal",
                "as_event",
                "as_expectation__actor",
            )
            .prefetch_related(*listed, "sources")
            .chronological()
        )


class Entry(TrackedModel):
    """The timeline spine: what every kind of entry shares."""

    M2M_FIELDS = ()  # the kind's own many-to-many fields, set through the domain functions
    # Who takes part in an entry of the kind: its actor fields (foreign keys or
    # many-to-many), the first the one who acted.
    ACTOR_FIELDS = ()
    SEARCH_FIELDS = ()  # the kind's own texts, besides its headline, that search finds
    # Editable fields whose change is not a change of what readers read: publication
    # decisions, order, emphasis and citations. A change of any other field of a visible
    # entry is a correction or a minor fix (``domain.save_entry``).
    NOT_CONTENT_FIELDS = frozenset({"state", "publish_at", "sequence", "key", "sources"})

    negotiation = models.ForeignKey(
        Negotiation,
        # Deleting a negotiation would silently delete its whole record.
        on_delete=models.PROTECT,
        related_name="entries",
    )
    entry_type = models.CharField(max_length=20, choices=EntryType.choices, editable=False)
    date_start = models.DateField(help_text="First day of the period the date names.")
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    time = models.TimeField(null=True, blank=True)
    timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone], help_text="IANA name."
    )
    sequence = models.PositiveIntegerField(
        default=0, help_text="Order among entries of the same date; later entries come after."
    )
    state = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT
    )
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A published entry appears at this time; empty means at once.",
    )
    live_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Since when readers see this entry as it is published: set by its "
        "publication (or the lifting of its embargo), cleared when it stops being public.",
    )
    key = models.BooleanField("key entry", default=False)
    shown_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Moves when what the entry shows of other records changes: with the "
        "version, the key of its cached text.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="entries")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    search_text = models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text="Derived from the entry's own texts by the domain functions, for search.",
    )
    # Matching a stored vector costs a fraction of making one from the text for every
    # row a search reads (a common word: 0.8 ms instead of 2–5 ms at 100,000 entries).
    search_vector = SearchVectorField(
        null=True,
        editable=False,
        help_text="search_text as PostgreSQL's tsvector, kept by a trigger (migration "
        "0006); empty on SQLite, which searches search_text by substring.",
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["date_start", "sequence", "pk"]
        permissions = [("publish_entry", "Can publish and unpublish entries")]
        indexes = [
            models.Index(
                fields=["negotiation", "date_start", "sequence", "id"], name="entry_timeline"
            ),
            # The embargoes to lift (``EntryQuerySet.embargo_due``), oldest first.
            models.Index(
                fields=["publish_at"],
                name="entry_embargoed",
                condition=Q(state="published", live_since__isnull=True),
            ),
            # Created on PostgreSQL only (migration 0006); SQLite searches by substring.
            GinIndex(fields=["search_vector"], name="entry_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(time__isnull=True) | Q(date_precision=DatePrecision.DAY),
                name="entry_time_needs_day_precision",
                violation_error_message="A time can only be given with a full date (day).",
            ),
            models.CheckConstraint(
                condition=Q(timezone="") | Q(time__isnull=False),
                name="entry_timezone_needs_time",
                violation_error_message="A time zone can only be given with a time.",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.entry_type = getattr(self, "ENTRY_TYPE", self.entry_type)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.negotiation.get_absolute_url()}#entry-{self.pk}"

    @property
    def date(self):
        return PartialDate(self.date_start, self.date_precision)

    @date.setter
    def date(self, value):
        parsed = PartialDate.parse(value)
        self.date_start, self.date_precision = parsed.start, parsed.precision

    @property
    def published(self):
        return self.state == PublicationState.PUBLISHED

    @property
    def specific(self):
        """The child row (Proposal, Statement, …) of this entry."""
        if type(self) is not Entry:
            return self
        return getattr(self, f"as_{self.entry_type}")

    @property
    def happened_at(self):
        """When it happened, as an aware datetime in its own time zone (the site's when
        none is given), or None: no time, or a date known only to the month or year."""
        if self.time is None or self.date_precision != DatePrecision.DAY:
            return None
        zone = zoneinfo.ZoneInfo(self.timezone or settings.TIME_ZONE)
        return datetime.datetime.combine(self.date_start, self.time, tzinfo=zone)

    @property
    def time_label(self):
        """ "14:30 EET (Europe/Kyiv)": an entry's time always says its time zone."""
        moment = self.happened_at
        if moment is None:
            return ""
        zone = self.timezone or settings.TIME_ZONE
        name = moment.tzname()
        return f"{moment:%H:%M} {name} ({zone})" if name != zone else f"{moment:%H:%M} {zone}"

    @property
    def is_development(self):
        """A key development (``EntryQuerySet.developments``, for one entry in hand):
        marked key, or a status change. The lanes picture labels these."""
        return self.key or self.entry_type == EntryType.STATUS_CHANGE

    @property
    def headline(self):
        """One line a reader understands."""
        specific = self.specific
        if specific is self and type(self) is Entry:
            return f"{self.get_entry_type_display()} of {self.date.human}"
        return specific.headline

    @property
    def actor_ids(self):
        """Who takes part in the entry (its kind's ``ACTOR_FIELDS``), once each, in that
        order: the one definition (the filters' ways are ``participation``)."""
        specific = self.specific
        ids = []
        for name in specific.ACTOR_FIELDS:
            field = specific._meta.get_field(name)
            if field.many_to_many:
                found = [actor.pk for actor in getattr(specific, name).all()]
            else:
                found = [getattr(specific, field.attname)]
            ids += [pk for pk in found if pk is not None and pk not in ids]
        return ids

    @classmethod
    def content_fields(cls):
        """The names of the editable fields (many-to-many included) whose change readers
        read as a change of the entry's content."""
        fields = [*cls._meta.concrete_fields, *cls._meta.many_to_many]
        return [
            field.name
            for field in fields
            if field.editable
            and not field.primary_key
            and not field.one_to_one
            and field.name not in cls.NOT_CONTENT_FIELDS
        ]

    def build_search_text(self):
        specific = self.specific
        texts = [specific.headline, *(getattr(specific, name) for name in specific.SEARCH_FIELDS)]
        return "\n".join(text for text in texts if text)
