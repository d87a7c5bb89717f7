"""The record's spine: actors, negotiations and their phases, sources."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from negotiations.models.fields import (
    TITLE_MAX,
    TrackedModel,
    WebAddressField,
    long_text,
    tracked_history,
    validate_aliases,
    validate_country,
    wikidata_validator,
)


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


def user_may_preview(user):
    """Staff who may see drafts: journalists, editors and superusers (None: nobody)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and user.has_perm("negotiations.view_entry")
    )


class SourceQuerySet(models.QuerySet):
    def published(self, at=None):
        """The sources readers see: those a reader-visible entry cites."""
        cited = (
            apps.get_model("negotiations", "Entry")
            .objects.published(at=at)
            .filter(sources=models.OuterRef("pk"))
        )
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
