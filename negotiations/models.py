"""The negotiation record.

One timeline spine: every dated item of a negotiation is an ``Entry`` row
(negotiation, date and precision, order within the day, publication, sources,
version) and each kind adds its own fields in a one-to-one child table (Django
multi-table inheritance). The timeline is therefore one indexed query over
``Entry``.

Derived state is never stored twice: a proposal's current status is read from
its latest status change (``ProposalQuerySet.with_status``). Writes go through
``negotiations.domain``.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import pycountry
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import connections, models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .dates import DatePrecision, PartialDate

TITLE_MAX = 200
TEXT_MAX = 10_000


def validate_country(value):
    if value and (not value.isupper() or pycountry.countries.get(alpha_2=value) is None):
        raise ValidationError(
            f'"{value}" is not an ISO 3166-1 alpha-2 country code (e.g. "UA", "US").',
            code="invalid_country",
        )


def validate_currency(value):
    if value and (not value.isupper() or pycountry.currencies.get(alpha_3=value) is None):
        raise ValidationError(
            f'"{value}" is not an ISO 4217 currency code (e.g. "USD", "EUR").',
            code="invalid_currency",
        )


def validate_language(value):
    if value and (not value.islower() or pycountry.languages.get(alpha_2=value) is None):
        raise ValidationError(
            f'"{value}" is not an ISO 639-1 language code (e.g. "uk", "en").',
            code="invalid_language",
        )


# The IANA regions ("Europe/Kyiv") and its fixed offsets ("Etc/GMT-3"). The system's
# zone folder also holds "localtime", "posixrules", "Factory", "posix/…", "right/…" and
# old aliases ("GB", "US/Eastern"), which zoneinfo lists too: none is a region's name.
IANA_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
    "Etc",
)


def validate_timezone(value):
    area, _, place = value.partition("/")
    proper = value == "UTC" or (area in IANA_AREAS and place)
    if value and not (proper and value in zoneinfo.available_timezones()):
        raise ValidationError(
            f'"{value}" is not an IANA time zone (e.g. "Europe/Kyiv").', code="invalid_timezone"
        )


def validate_aliases(value):
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ValidationError("Aliases must be a list of names.", code="invalid_aliases")
    if any(len(alias) > TITLE_MAX for alias in value):
        raise ValidationError(
            f"Each alias may have at most {TITLE_MAX} characters.", code="invalid_aliases"
        )


http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)
wikidata_validator = RegexValidator(
    r"^Q[1-9]\d*$", 'A Wikidata id is "Q" followed by digits, e.g. "Q3881".'
)


class WebAddressField(models.URLField):
    """A URL that readers can follow: http and https only (never javascript: or data:)."""

    default_validators = [http_url_validator]


def long_text(*args, **kwargs):
    return models.TextField(*args, validators=[MaxLengthValidator(TEXT_MAX)], **kwargs)


class RelatedIdsHistory(models.Model):
    """Base of every historical model: the many-to-many ids as they were at that version.

    One history row per save, relations included, so any version can be restored
    whole (see ``negotiations.signals``).
    """

    related_ids = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True


def tracked_history(**options):
    return HistoricalRecords(bases=[RelatedIdsHistory], **options)


def entry_history():
    # Derived from the other fields (and, for ``live_since``, set by publication events):
    # not worth a copy per version.
    return tracked_history(excluded_fields=["search_text", "search_vector", "live_since"])


class TrackedModel(models.Model):
    """Timestamps and the version that guards against lost edits (admin and If-Match)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Actor(TrackedModel):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        GOVERNMENT = "government", "Government"
        ORGANIZATION = "organization", "Organization"
        OTHER = "other", "Other"

    name = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=TITLE_MAX, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(
        "title or role", max_length=TITLE_MAX, blank=True, help_text="E.g. “President of Ukraine”."
    )
    affiliation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # Removing a government must not silently detach its officials.
        on_delete=models.PROTECT,
        related_name="members",
        help_text="The government or organization this actor speaks for.",
    )
    country = models.CharField(
        max_length=2, blank=True, validators=[validate_country], help_text="ISO 3166-1 alpha-2."
    )
    aliases = models.JSONField(
        default=list, blank=True, validators=[validate_aliases], help_text="Other spellings."
    )
    wikidata_id = models.CharField(
        "Wikidata id", max_length=20, blank=True, validators=[wikidata_validator]
    )

    history = tracked_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(affiliation=F("pk")), name="actor_not_affiliated_to_itself"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("negotiations:actor", kwargs={"slug": self.slug})

    def clean(self):
        if self.pk and self.affiliation_id == self.pk:
            raise ValidationError({"affiliation": "An actor cannot be affiliated to itself."})


class Negotiation(TrackedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        STALLED = "stalled", "Stalled"
        SUSPENDED = "suspended", "Suspended"
        CONCLUDED = "concluded", "Concluded"
        COLLAPSED = "collapsed", "Collapsed"

    title = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=TITLE_MAX, unique=True)
    summary = long_text(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    parties = models.ManyToManyField(Actor, blank=True, related_name="negotiations")
    state_of_play = long_text(
        blank=True,
        help_text="Where the talks stand, in a few sentences, written by an editor: readers "
        "see it first. Updating it is news, not a correction.",
    )
    # Set by ``domain.save_record`` when the text changes, never by a form.
    state_of_play_updated_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the state of play was last written.",
    )
    # Moved only by reader events (``domain``), in their transaction: the one key of
    # everything readers get about this negotiation (ETags, Last-Modified, cached pages).
    reader_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Moves by one with each change readers can see in this negotiation.",
    )
    reader_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text="When readers last saw something change here (the latest reader event).",
    )

    # The reader version is bookkeeping of the events, not content: no history of it.
    history = tracked_history(excluded_fields=["reader_version", "reader_changed_at"])

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("negotiations:timeline", kwargs={"slug": self.slug})


class Phase(TrackedModel):
    """A named era of a negotiation ("framework talks", "ratification")."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=TITLE_MAX)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty while the phase lasts.")

    history = tracked_history()

    class Meta:
        ordering = ["negotiation", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="phase_ends_after_it_starts",
                violation_error_message="A phase cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return self.name

    def holds(self, date):
        """Whether the whole period of ``date`` (a PartialDate) lies within this phase."""
        return self.starts_on <= date.start and (self.ends_on is None or date.end <= self.ends_on)

    def overlaps(self, date):
        """Whether some day of the period of ``date`` lies within this phase."""
        return self.starts_on <= date.end and (self.ends_on is None or date.start <= self.ends_on)


@dataclass(frozen=True)
class Placement:
    """Where a dated entry goes among the phases (``place_in_phases``)."""

    phase: Phase | None = None  # the phase that holds its whole period
    before: Phase | None = None  # else the phase it is placed before (None: after them all)
    spans: tuple = ()  # the phases its period overlaps without lying within one


def place_in_phases(date, phases):
    """The one rule of eras, for every page, picture and export: an entry goes in a
    phase only where its whole period lies within it ("February 2025" in a phase from
    1 to 28 February, not in one from 10 February); otherwise it is placed before the
    phases its period overlaps (and its date reads "sometime in …"), or, overlapping
    none, before the next phase to start. Where phases overlap (one begins before the
    other is over) and both hold it, it goes in the one begun last. ``phases`` in order
    of their start."""
    for phase in reversed(phases):
        if phase.holds(date):
            return Placement(phase=phase)
    spans = tuple(phase for phase in phases if phase.overlaps(date))
    if spans:
        return Placement(before=spans[0], spans=spans)
    return Placement(before=next((p for p in phases if p.starts_on > date.end), None))


_URL_PARTS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)(?P<rest>.*)", re.DOTALL
)


def normalize_source_url(url):
    """A source's address as it is stored and looked up: scheme and host in lower case,
    and "/" as the path of a bare host, so that "HTTPS://Example.ORG" is the source
    "https://example.org/". Path, query and fragment keep their case (servers tell
    them apart); what is not a URL is left for validation to refuse."""
    match = _URL_PARTS.fullmatch(url or "")
    if match is None:
        return url
    userinfo, at, host = match["authority"].rpartition("@")
    rest = match["rest"] if match["rest"].startswith("/") else "/" + match["rest"]
    return f"{match['scheme'].lower()}://{userinfo}{at}{host.lower()}{rest}"


class SourceQuerySet(models.QuerySet):
    def published(self, at=None):
        """The sources readers see: those a reader-visible entry cites."""
        cited = Entry.objects.published(at=at).filter(sources=models.OuterRef("pk"))
        return self.filter(models.Exists(cited))

    def visible_to(self, user):
        if user is not None and user_may_preview(user):
            return self
        return self.published()


class Source(TrackedModel):
    """A cited document. One row per URL (``normalize_source_url``), shared by every
    entry that cites it."""

    url = WebAddressField(
        "URL",
        max_length=2000,
        unique=True,
        error_messages={"unique": "This URL is already a source."},
    )
    title = models.CharField(max_length=TITLE_MAX * 2, blank=True)
    publisher = models.CharField(max_length=TITLE_MAX, blank=True)
    published_on = models.DateField(null=True, blank=True)

    objects = SourceQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        self.url = normalize_source_url(self.url)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.url = normalize_source_url(self.url)  # before the uniqueness check


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
    for entry_type, model in ENTRY_MODELS.items():
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

        published = self.filter(live())
        if self.model is StatusChange:
            return published.filter(live("proposal__"))
        if self.model is Entry:
            return published.filter(
                ~Q(entry_type=EntryType.STATUS_CHANGE) | live("as_status_change__proposal__")
            )
        return published

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

    def timeline(self, *, listed_actors=True):
        """Every kind joined in, related rows prefetched: a constant number of queries.
        ``listed_actors=False`` leaves out the addressees of proposals and participants
        of events (``selectors.attach_listed_actors`` reads both in one query)."""
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
            .prefetch_related("sources", *listed)
            .chronological()
        )


def user_may_preview(user):
    """Staff who may see drafts: journalists, editors and superusers (None: nobody)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and user.has_perm("negotiations.view_entry")
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


class ProposalQuerySet(EntryQuerySet):
    def with_status(self, user=None):
        """Annotate ``current_status``: the status of the latest status change the user may see.

        Latest means the timeline order (date, then order within the day, then id),
        so two changes on one day resolve to the later one.
        """
        changes = StatusChange.objects.filter(proposal=models.OuterRef("pk")).visible_to(user)
        latest = changes.order_by("-date_start", "-sequence", "-pk").values("status")[:1]
        return self.annotate(current_status=models.Subquery(latest))

    def open(self):
        """Proposals still on the table (requires ``with_status``)."""
        return self.filter(
            Q(current_status__isnull=True) | ~Q(current_status__in=ProposalStatus.closed())
        )


class Proposal(Entry):
    ENTRY_TYPE = EntryType.PROPOSAL

    class Relation(models.TextChoices):
        SUPERSEDES = "supersedes", "Supersedes"
        COUNTERS = "counters", "Counters"

    entry_ptr = models.OneToOneField(
        Entry,
        parent_link=True,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="as_proposal",
    )
    title = models.CharField(max_length=TITLE_MAX)
    summary = long_text("terms / summary", blank=True)
    proposed_by = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    addressed_to = models.ManyToManyField(Actor, blank=True, related_name="proposals_received")
    amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency], help_text="ISO 4217, e.g. USD."
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        help_text="The earlier proposal this one replaces or counters.",
    )
    relation = models.CharField(
        "relation to the earlier proposal",
        max_length=12,
        choices=Relation.choices,
        default=Relation.SUPERSEDES,
    )

    M2M_FIELDS = ("addressed_to",)
    SEARCH_FIELDS = ("summary",)

    objects = ProposalQuerySet.as_manager()
    history = entry_history()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="proposal_amount_not_negative",
                violation_error_message="An amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) & Q(currency=""))
                | (Q(amount__isnull=False) & ~Q(currency="")),
                name="proposal_currency_with_amount",
                violation_error_message="Give a currency exactly when there is an amount.",
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("entry_ptr")),
                name="proposal_not_superseding_itself",
                violation_error_message="A proposal cannot supersede itself.",
            ),
        ]

    # What the headline is made of, as lookups from this kind (for lean reads: timeline.py).
    ACTOR_FIELDS = ("proposed_by", "addressed_to")
    HEADLINE_INPUTS = {"title": "title"}

    @staticmethod
    def headline_from(title):
        return title

    @property
    def headline(self):
        return self.headline_from(self.title)

    def clean(self):
        super().clean()
        errors = {}
        # A value the field refused (NaN, text) stays as given: compare numbers only.
        number = isinstance(self.amount, Decimal) and self.amount.is_finite()
        if number and self.amount < 0:
            errors["amount"] = "An amount cannot be negative."
        if self.amount is not None and not self.currency:
            errors["currency"] = "Give the currency of the amount."
        if self.amount is None and self.currency:
            errors["amount"] = "A currency was given without an amount."
        if self.pk and self.supersedes_id == self.pk:
            errors["supersedes"] = "A proposal cannot supersede itself."
        if errors:
            raise ValidationError(errors)


class StatusChange(Entry):
    ENTRY_TYPE = EntryType.STATUS_CHANGE
    SEARCH_FIELDS = ("note",)

    entry_ptr = models.OneToOneField(
        Entry,
        parent_link=True,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="as_status_change",
    )
    # A status change means nothing without its proposal.
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=20, choices=ProposalStatus.choices)
    actor = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_changes",
        help_text="Who caused the change.",
    )
    note = long_text(blank=True)

    objects = EntryQuerySet.as_manager()
    history = entry_history()

    ACTOR_FIELDS = ("actor",)
    HEADLINE_INPUTS = {"proposal_title": "proposal__title", "status": "status"}

    @staticmethod
    def headline_from(proposal_title, status):
        # Not yet validated when the domain builds the search text: never raise here.
        label = ProposalStatus(status).label if status in ProposalStatus.values else status
        return f"{proposal_title}: {label.lower()}"

    @property
    def headline(self):
        return self.headline_from(self.proposal.title, self.status)


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    OPPOSES = "opposes", "Opposes"
    CONDITIONAL = "conditional", "Conditional"
    NEUTRAL = "neutral", "Neutral"


class Statement(Entry):
    ENTRY_TYPE = EntryType.STATEMENT
    SEARCH_FIELDS = ("text", "context", "original_text")

    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct quote"
        PARAPHRASE = "paraphrase", "Paraphrase"
        REPORTED = "reported", "Reported second-hand"
        DOCUMENT = "document", "Written document or post"

    entry_ptr = models.OneToOneField(
        Entry,
        parent_link=True,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="as_statement",
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="statements", verbose_name="speaker"
    )
    text = long_text()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DIRECT)
    context = long_text(blank=True, help_text="Where and to whom it was said.")
    proposal = models.ForeignKey(
        Proposal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
        help_text="The proposal this statement is about.",
    )
    stance = models.CharField(
        max_length=12, choices=Stance.choices, blank=True, help_text="The speaker's stance on it."
    )
    original_language = models.CharField(
        max_length=2, blank=True, validators=[validate_language], help_text="ISO 639-1, e.g. uk."
    )
    original_text = long_text(blank=True)

    objects = EntryQuerySet.as_manager()
    history = entry_history()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stance="") | Q(proposal__isnull=False),
                name="statement_stance_needs_proposal",
                violation_error_message="A stance needs the proposal it is about.",
            ),
        ]

    ACTOR_FIELDS = ("actor",)
    HEADLINE_INPUTS = {"actor_name": "actor__name", "kind": "kind", "text": "text"}

    @staticmethod
    def headline_from(actor_name, kind, text):
        text = text if len(text) <= 120 else text[:119].rstrip() + "…"
        if kind == Statement.Kind.DIRECT:
            return f"{actor_name}: “{text}”"
        return f"{actor_name}: {text}"

    @property
    def headline(self):
        return self.headline_from(self.actor.name, self.kind, self.text)

    def clean(self):
        super().clean()
        if self.stance and not self.proposal_id:
            raise ValidationError({"stance": "A stance needs the proposal it is about."})


class Event(Entry):
    ENTRY_TYPE = EntryType.EVENT

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        SIGNING = "signing", "Signing"
        VOTE = "vote", "Vote"
        DEADLINE = "deadline", "Deadline"
        ANNOUNCEMENT = "announcement", "Announcement"
        OTHER = "other", "Other"

    entry_ptr = models.OneToOneField(
        Entry, parent_link=True, primary_key=True, on_delete=models.CASCADE, related_name="as_event"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=TITLE_MAX)
    description = long_text(blank=True)
    actors = models.ManyToManyField(Actor, blank=True, related_name="events")

    M2M_FIELDS = ("actors",)
    SEARCH_FIELDS = ("description",)

    objects = EntryQuerySet.as_manager()
    history = entry_history()

    ACTOR_FIELDS = ("actors",)
    HEADLINE_INPUTS = {"title": "title"}

    @staticmethod
    def headline_from(title):
        return title

    @property
    def headline(self):
        return self.headline_from(self.title)

    @property
    def is_scheduled(self):
        return self.date.end >= timezone.localdate()


class ExpectationProgress(models.TextChoices):
    """Where an expectation stands, in the one word every page, feed, export and the API
    give it (``Expectation.progress_on``)."""

    PENDING = "pending", "Pending"
    OVERDUE = "overdue", "Overdue"
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    MISSED = "missed", "Missed"
    MOOT = "moot", "Moot"


class Expectation(Entry):
    """An actor's stated expectation or deadline; ``date`` is when it was stated."""

    ENTRY_TYPE = EntryType.EXPECTATION
    SEARCH_FIELDS = ("resolution_note",)
    # Resolving an expectation is news, not a correction.
    NOT_CONTENT_FIELDS = Entry.NOT_CONTENT_FIELDS | {"outcome", "resolved_on", "resolution_note"}

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        MET = "met", "Met"
        PARTLY_MET = "partly_met", "Partly met"
        MISSED = "missed", "Missed"
        MOOT = "moot", "Moot"

    entry_ptr = models.OneToOneField(
        Entry,
        parent_link=True,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="as_expectation",
    )
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="expectations")
    text = long_text()
    due_date_start = models.DateField(null=True, blank=True)
    due_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    resolved_on = models.DateField(null=True, blank=True)
    resolution_note = long_text(blank=True)

    objects = EntryQuerySet.as_manager()
    history = entry_history()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="pending") | Q(resolved_on__isnull=True),
                name="expectation_pending_not_resolved",
                violation_error_message="A pending expectation has no resolution date.",
            ),
        ]

    @property
    def due_date(self):
        if self.due_date_start is None:
            return None
        return PartialDate(self.due_date_start, self.due_date_precision)

    @due_date.setter
    def due_date(self, value):
        if value in (None, ""):
            self.due_date_start, self.due_date_precision = None, DatePrecision.DAY
            return
        parsed = PartialDate.parse(value)
        self.due_date_start, self.due_date_precision = parsed.start, parsed.precision

    def progress_on(self, today):
        """Pending until its due period has ended, overdue after that while no outcome
        is recorded (with no due date it stays pending); else its outcome. Text that
        shows it changes with the date alone: reader ETags key on the day."""
        if self.outcome != self.Outcome.PENDING:
            return ExpectationProgress(self.outcome)
        lapses_on = self.lapses_on
        if lapses_on is not None and today >= lapses_on:
            return ExpectationProgress.OVERDUE
        return ExpectationProgress.PENDING

    @property
    def lapses_on(self):
        """The first day a pending expectation is overdue: the day after its due period
        ends; None without a due date (or one at the end of the calendar)."""
        due = self.due_date
        if due is None or due.end >= datetime.date.max:
            return None
        return due.end + datetime.timedelta(days=1)

    @property
    def progress(self):
        """``progress_on`` today (the server's local date)."""
        return self.progress_on(timezone.localdate())

    ACTOR_FIELDS = ("actor",)
    HEADLINE_INPUTS = {"actor_name": "actor__name", "text": "text"}

    @staticmethod
    def headline_from(actor_name, text):
        return f"{actor_name} expects: {text}"

    @property
    def headline(self):
        return self.headline_from(self.actor.name, self.text)

    def clean(self):
        super().clean()
        if self.outcome == self.Outcome.PENDING and self.resolved_on:
            raise ValidationError({"resolved_on": "A pending expectation has no resolution date."})


ENTRY_MODELS = {
    model.ENTRY_TYPE: model for model in (Proposal, StatusChange, Statement, Event, Expectation)
}


class Correction(models.Model):
    """A public correction of an entry: readers see "Corrected on <date>: <note>"."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="corrections")
    note = long_text()
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Readers see it: rewording or withdrawing one is recorded like any other edit.
    history = tracked_history()

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self):
        return f"Corrected on {self.made_at:%Y-%m-%d}: {self.note}"


class Revision(models.Model):
    """A change of a live entry proposed by someone who may not publish (Wagtail's
    live version plus latest revision): readers see the live entry until an editor
    publishes the revision (``domain.publish_revision``) or discards it.

    Append-only: a later proposal marks the pending one ``replaced``; each row keeps
    who proposed it and who decided it, and when.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an editor"
        PUBLISHED = "published", "Published"
        DISCARDED = "discarded", "Discarded"
        REPLACED = "replaced", "Replaced by a later revision"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    changes = models.JSONField(
        encoder=DjangoJSONEncoder,
        help_text="The proposed values of the fields that differ from the live entry "
        "(attribute names; many-to-many as sorted id lists).",
    )
    base = models.JSONField(
        encoder=DjangoJSONEncoder,
        help_text="The live values of those fields when they were proposed.",
    )
    base_version = models.PositiveIntegerField(help_text="The entry's version when proposed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="pending"),
                name="revision_one_pending_per_entry",
                violation_error_message="An entry has at most one pending revision.",
            ),
        ]

    def __str__(self):
        return f"Revision #{self.pk} of entry #{self.entry_id} ({self.get_status_display()})"


class RecordChange(models.Model):
    """The latest change of each record, for sync clients and "what changed".

    One row per record (kind, id), rewritten at each change: the API's changes
    feed reads it oldest first, deletions included as tombstones.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    negotiation = models.ForeignKey(
        Negotiation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id"], name="record_change_one_per_record"
            ),
        ]
        indexes = [models.Index(fields=["changed_at", "id"], name="record_change_order")]

    def __str__(self):
        return f"{self.record_type} {self.record_id} {self.action} at {self.changed_at}"


class ReaderEvent(models.Model):
    """A change readers can see, written by the domain functions in the transaction that
    makes it (and by the task that lifts an embargo). Append-only: the reader changes
    feed, and the reason a negotiation's ``reader_version`` moved.

    Hidden work (drafts, review, embargoed entries, pending revisions) writes none.
    """

    class Action(models.TextChoices):
        PUBLISHED = "published", "Published"
        UPDATED = "updated", "Updated"
        CORRECTED = "corrected", "Corrected"
        UNPUBLISHED = "unpublished", "Unpublished"
        DELETED = "deleted", "Deleted"
        # An expectation's due date passed with no outcome (``domain.record_lapsed_expectations``).
        OVERDUE = "overdue", "Overdue"

    negotiation = models.ForeignKey(
        Negotiation,
        null=True,
        blank=True,
        # The negotiation's own tombstone outlives it.
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for actors and sources, which negotiations share.",
    )
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["at", "id"], name="reader_event_order"),
            models.Index(fields=["record_type", "record_id", "at"], name="reader_event_record"),
        ]

    def __str__(self):
        return f"{self.record_type} {self.record_id} {self.action} at {self.at}"
