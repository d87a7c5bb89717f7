"""The worker's side of following: fan an event out, send alerts and digests, deliver
webhooks. Every task is idempotent, short (a batch, then a continuation) and on the
``follow`` queue at a low priority (but the confirmation mail, which a reader waits
for), so a large fan-out never delays the publication tasks (``negotiations.tasks``)
that a worker processing both queues picks first.
"""

import contextlib
import datetime
import logging
import smtplib

from django.core.mail import mailers
from django.tasks import task
from django.utils import timezone

from negotiations.models import ReaderEvent

from . import domain, mail, webhooks
from .models import Alert, Subscriber, WebhookDelivery

logger = logging.getLogger(__name__)

QUEUE = "follow"
PRIORITY = -10
SEND_BATCH = 100  # mails per task: about a second, then others get a turn
RETRY_MAIL_AFTER = 60  # seconds, when the mail server cannot be reached


def follow_task(function):
    return task(queue_name=QUEUE, priority=PRIORITY)(function)


def schedule_fan_out(event_ids):
    """Enqueue the fan-out of some reader events (called on commit by
    ``negotiations.domain.events.record_events``). A failure is logged, not raised: the write
    has committed, and the worker plans what is unplanned when it starts."""
    try:
        fan_out.enqueue(list(event_ids))
    except Exception:
        logger.exception("Could not enqueue the fan-out of events %s", event_ids)


@follow_task
def fan_out(event_ids):
    """Plan each event's alerts and deliveries (once), then enqueue their sending."""
    for event in ReaderEvent.objects.filter(pk__in=event_ids).order_by("pk"):
        immediate, digests, endpoints = domain.plan(event)
        # Webhooks first: one short request each, where the alerts are many mails.
        for endpoint_id in endpoints:
            deliver_webhooks.enqueue(endpoint_id)
        if immediate:
            send_alerts.enqueue(event.pk)
        for subscriber in Subscriber.objects.filter(pk__in=digests):
            send_digest.using(run_after=domain.next_digest_time(subscriber)).enqueue(subscriber.pk)


def _connection():
    """An open connection to the mail server, or None when it cannot be reached."""
    connection = mailers.default
    try:
        connection.open()
    except (OSError, smtplib.SMTPException):
        logger.exception("The mail server cannot be reached; retrying in %ss", RETRY_MAIL_AFTER)
        return None
    return connection


def _close(connection):
    with contextlib.suppress(OSError, smtplib.SMTPException):
        connection.close()


def _send_each(alerts, compose):
    """Hand each alert's mail to the mail server over one connection, claiming each
    just before (``domain.take``) and marking it sent just after: a worker killed
    midway loses at most the one mail it was handing over, and never sends one twice.
    Returns whether the mail server took them all (else the rest stay pending)."""
    connection = _connection()
    if connection is None:
        return False
    try:
        for alert in alerts:
            if not domain.take(alert):
                continue  # another worker has it
            try:
                connection.send_messages([compose(alert)])
            except (OSError, smtplib.SMTPException):
                logger.exception("Could not send alert %s", alert.pk)
                return False
            domain.mark_sent([alert])
    finally:
        _close(connection)
    return True


def _retry_later(enqueueable, *args):
    when = timezone.now() + datetime.timedelta(seconds=RETRY_MAIL_AFTER)
    enqueueable.using(run_after=when).enqueue(*args)


@follow_task
def send_alerts(event_id):
    """Mail one event to its immediate followers, a batch per task."""
    event = ReaderEvent.objects.filter(pk=event_id).first()
    entry = domain.entry_of(event) if event else None
    if entry is None:
        # Gone before it was mailed: nothing true to say any more.
        Alert.objects.filter(event_id=event_id, status=Alert.Status.PENDING).delete()
        return 0
    item = {"sentence": domain.sentence(event, entry), "link": domain.entry_link(entry)}
    waiting = Alert.objects.filter(
        event_id=event_id, digest=False, status=Alert.Status.PENDING
    ).select_related("subscriber")
    alerts = list(waiting.order_by("pk")[:SEND_BATCH])
    if not alerts:
        return 0
    if not _send_each(alerts, lambda alert: mail.alert(alert.subscriber, item)):
        _retry_later(send_alerts, event_id)
    elif len(alerts) == SEND_BATCH:
        send_alerts.enqueue(event_id)
    return len(alerts)


@follow_task
def send_digest(subscriber_id):
    """Mail a subscriber's waiting alerts as one digest at 07:00 in its time zone."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return 0
    if not domain.digest_due(subscriber):
        return 0  # another task, at the subscriber's next 07:00, sends them
    alerts = domain.claim(Alert.objects.filter(subscriber=subscriber, digest=True), 10_000)
    groups = {}
    for alert in alerts:
        entry = domain.entry_of(alert.event)
        if entry is None:
            continue
        item = {"sentence": domain.sentence(alert.event, entry), "link": domain.entry_link(entry)}
        groups.setdefault(entry.negotiation.title, []).append(item)
    if not groups:
        domain.mark_sent(alerts)
        return 0
    message = mail.digest(subscriber, sorted(groups.items()))
    connection = _connection()
    if connection is None:
        domain.release(alerts)
        _retry_later(send_digest, subscriber_id)
        return 0
    try:
        connection.send_messages([message])  # a failure here: these stay "sending", unsent
    finally:
        _close(connection)
    domain.mark_sent(alerts)
    return len(alerts)


@task(queue_name=QUEUE)  # the default priority: a reader is waiting for it, not a crowd
def send_confirmation(subscriber_id):
    """The double opt-in mail, at most one an hour per address."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not domain.confirmation_due(subscriber):
        return False
    follows = list(
        subscriber.follows.unconfirmed().select_related("negotiation", "actor", "proposal")
    )
    mail.confirmation(subscriber, follows).send()
    return True


@follow_task
def deliver_webhooks(endpoint_id):
    """Deliver an endpoint's pending messages in order (``webhooks.deliver``)."""
    return webhooks.deliver(endpoint_id)


def resume(now=None):
    """What a worker does when it starts: plan the events no worker planned, send what
    was planned but not sent (a worker stopped or killed), deliver what is due."""
    now = now or timezone.now()
    unplanned = list(domain.unplanned_events(now).values_list("pk", flat=True))
    if unplanned:
        fan_out.enqueue(unplanned)
    events = (
        Alert.objects.filter(digest=False, status=Alert.Status.PENDING)
        .values_list("event_id", flat=True)
        .distinct()
    )
    for event_id in events:
        send_alerts.enqueue(event_id)
    for subscriber in domain.subscribers_with_waiting_digests():
        if domain.digest_due(subscriber, now):
            send_digest.enqueue(subscriber.pk)
    heads = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, endpoint__disabled_at__isnull=True
        )
        .order_by("endpoint_id", "pk")
        .values_list("endpoint_id", "next_attempt_at")
    )
    seen = set()
    for endpoint_id, next_attempt_at in heads:
        if endpoint_id not in seen:
            seen.add(endpoint_id)
            deliver_webhooks.using(run_after=next_attempt_at or now).enqueue(endpoint_id)
    return len(unplanned)
