"""Who follows what, and what was sent to whom.

Readers follow by email (``Subscriber`` and its ``Follow`` rows, confirmed by double
opt-in); API consumers register webhook endpoints (``WebhookEndpoint``). Both are fed
by the reader events of entries (``negotiations.models.ReaderEvent``): ``FanOut``
marks an event planned, ``Alert`` and ``WebhookDelivery`` are what it planned, one row
per recipient and event under a unique constraint (docs/architecture.md).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from negotiations.models import Actor, Negotiation, Proposal, ReaderEvent, validate_timezone


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "At once"
    DAILY = "daily", "A daily digest at 07:00"


class Subscriber(models.Model):
    """An email address that asked to follow something. Never shown on any page, feed
    or API; removed with its last follow."""

    email = models.EmailField(unique=True, help_text="Stored lower-cased.")
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Daily digests are sent at 07:00 in this time zone.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="At most one confirmation mail an hour."
    )

    def __str__(self):
        return f"Subscriber #{self.pk}"


class FollowQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True)


class Follow(models.Model):
    """One thing an address follows: a negotiation (optionally narrowed by the
    timeline's filters), an actor, or a proposal."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="follows")
    negotiation = models.ForeignKey(
        Negotiation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The timeline filters of a negotiation follow, as the timeline's query string reads
    # them: {"actor": slug, "kind": entry type, "q": words}; empty for the whole of it.
    filters = models.JSONField(default=dict, blank=True)
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The digest's time zone asked for; the address's once confirmed.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(negotiation__isnull=False, actor__isnull=True, proposal__isnull=True)
                    | Q(negotiation__isnull=True, actor__isnull=False, proposal__isnull=True)
                    | Q(negotiation__isnull=True, actor__isnull=True, proposal__isnull=False)
                ),
                name="follow_one_target",
                violation_error_message="Follow one negotiation, actor or proposal.",
            ),
            models.CheckConstraint(
                condition=Q(filters={}) | Q(negotiation__isnull=False),
                name="follow_filters_need_negotiation",
            ),
        ]
        indexes = [
            models.Index(fields=["negotiation"], name="follow_negotiation"),
            models.Index(fields=["actor"], name="follow_actor"),
            models.Index(fields=["proposal"], name="follow_proposal"),
        ]

    def __str__(self):
        return f"Follow #{self.pk} of {self.target}"

    @property
    def target(self):
        return self.negotiation or self.actor or self.proposal


class FanOut(models.Model):
    """An entry's reader event whose alerts and deliveries are planned (``Alert`` and
    ``WebhookDelivery`` rows written); the worker plans the events that lack one."""

    event = models.OneToOneField(
        ReaderEvent, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    planned_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Fan-out of event #{self.event_id}"


class Alert(models.Model):
    """One event for one follower: sent at once or in the next digest. At most once:
    the row is written before the mail, and a claimed row is never sent again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Handed to the mail server"  # or lost with a killed worker
        SENT = "sent", "Sent"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="alerts")
    event = models.ForeignKey(ReaderEvent, on_delete=models.CASCADE, related_name="+")
    digest = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "event"], name="alert_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="alert_event_status"),
            models.Index(fields=["subscriber", "status"], name="alert_subscriber_status"),
        ]

    def __str__(self):
        return f"Alert of event #{self.event_id} ({self.status})"


def new_webhook_secret():
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(disabled_at__isnull=True)


class WebhookEndpoint(models.Model):
    """An API consumer's URL that gets signed deliveries of the events it follows: one
    negotiation, actor or proposal, or (none given) everything."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    negotiation = models.ForeignKey(
        Negotiation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # One worker delivers to an endpoint at a time, in order (``webhooks.deliver``).
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(actor__isnull=True, proposal__isnull=True)
                    | Q(negotiation__isnull=True, proposal__isnull=True)
                    | Q(negotiation__isnull=True, actor__isnull=True)
                ),
                name="webhook_at_most_one_target",
                violation_error_message="Follow one negotiation, actor or proposal, or none.",
            ),
        ]

    def __str__(self):
        return self.url

    def signing_secrets(self, now=None):
        """The secrets that sign a delivery: the current one, and the previous one for
        24 hours after a rotation."""
        now = now or timezone.now()
        found = [self.secret]
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            found.append(self.previous_secret)
        return found


class WebhookDelivery(models.Model):
    """One message to one endpoint (an event, or a ping), retried with the same
    ``msg_id`` and body until it succeeds or the endpoint is disabled."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (endpoint disabled)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        ReaderEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    msg_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    body = models.TextField(help_text="The JSON body exactly as sent, the same on each retry.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(event__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
        ]
        indexes = [models.Index(fields=["endpoint", "status", "id"], name="webhook_delivery_queue")]

    def __str__(self):
        return f"{self.type} to {self.endpoint_id} ({self.status})"


class ApiConsumer(models.Model):
    """Who an API consumer key belongs to: a user with no staff or newsroom rights, whose
    token reads what anonymous readers read and manages its own webhooks."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_consumer"
    )
    name = models.CharField(max_length=150, unique=True)
    email = models.EmailField(blank=True, help_text="Told when one of its webhooks is disabled.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "API consumer"

    def __str__(self):
        return self.name
