"""What happens to entries after they are written: corrections, revisions held for
review, the record's change log and the reader events.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from negotiations.models.entries import Entry
from negotiations.models.fields import long_text, tracked_history
from negotiations.models.record import Negotiation


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
