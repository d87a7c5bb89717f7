"""The kinds of entry: proposals and their status changes, statements, events, expectations."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from negotiations.dates import DatePrecision, PartialDate
from negotiations.models.entries import Entry, EntryQuerySet, EntryType, ProposalStatus
from negotiations.models.fields import (
    TITLE_MAX,
    entry_history,
    long_text,
    validate_currency,
    validate_language,
)
from negotiations.models.record import Actor


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

    objects = EntryQuerySet.as_manager()
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

    ACTOR_FIELDS = ("proposed_by", "addressed_to")

    @property
    def headline(self):
        return self.title

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

    @property
    def headline(self):
        # Not yet validated when the domain builds the search text: never raise here.
        status = self.status
        label = ProposalStatus(status).label if status in ProposalStatus.values else status
        return f"{self.proposal.title}: {label.lower()}"


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

    @property
    def headline(self):
        text = self.text if len(self.text) <= 120 else self.text[:119].rstrip() + "…"
        if self.kind == Statement.Kind.DIRECT:
            return f"{self.actor.name}: “{text}”"
        return f"{self.actor.name}: {text}"

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

    @property
    def headline(self):
        return self.title

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

    @property
    def headline(self):
        return f"{self.actor.name} expects: {self.text}"

    def clean(self):
        super().clean()
        if self.outcome == self.Outcome.PENDING and self.resolved_on:
            raise ValidationError({"resolved_on": "A pending expectation has no resolution date."})


ENTRY_MODELS = {
    model.ENTRY_TYPE: model for model in (Proposal, StatusChange, Statement, Event, Expectation)
}
