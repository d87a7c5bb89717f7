"""The rules of following: who follows what, what an event sends to whom, once.

Views, the API, the admin and the tasks call these functions (docs/architecture.md).
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core import signing
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from negotiations.models import (
    Actor,
    Entry,
    EntryType,
    Proposal,
    ReaderEvent,
)

from .models import Alert, FanOut, Follow, Frequency, Subscriber

logger = logging.getLogger(__name__)

# At most one confirmation mail per address in this time.
CONFIRMATION_INTERVAL = datetime.timedelta(hours=1)
# A follow not confirmed in this time is removed; its link stops working.
UNCONFIRMED_LIFETIME = datetime.timedelta(days=7)
# Events older than this are not fanned out by the worker's catch-up (not news any more).
CATCH_UP = datetime.timedelta(days=3)
# What readers are mailed about; webhooks get every action (``webhooks.EVENT_TYPES``).
ALERT_ACTIONS = {
    ReaderEvent.Action.PUBLISHED,
    ReaderEvent.Action.CORRECTED,
    ReaderEvent.Action.OVERDUE,
}
DIGEST_HOUR = 7
CONFIRM_SALT = "following.confirm"
MANAGE_SALT = "following.manage"
# Timeline filters a negotiation follow may keep (the timeline's own query parameters).
FOLLOW_FILTERS = ("actor", "kind", "q")


def normalize_email(email):
    return email.strip().lower()


# --------------------------------------------------------------------------- #
# Signing up, confirming, stopping
# --------------------------------------------------------------------------- #


def request_follow(
    *, email, frequency, time_zone="UTC", negotiation=None, actor=None, proposal=None, filters=None
):
    """Ask to follow something: writes an unconfirmed follow and, once committed, has
    the worker mail the confirmation (at most one an hour per address). Returns nothing,
    and runs the same statements whether the address is new, known, or already follows
    it (an upsert, reads, and one write: the follow inserted, or updated where still
    unconfirmed), so neither the answer nor its time tells the asker anything."""
    expire_unconfirmed()
    filters = {key: value for key, value in (filters or {}).items() if value}
    target = {"negotiation": negotiation, "actor": actor, "proposal": proposal}
    asked = {"frequency": frequency, "time_zone": time_zone}
    with transaction.atomic():
        address = normalize_email(email)
        Subscriber.objects.bulk_create([Subscriber(email=address)], ignore_conflicts=True)
        subscriber = Subscriber.objects.get(email=address)
        wanted = Follow(subscriber=subscriber, filters=filters, **target, **asked)
        wanted.full_clean()
        follow = Follow.objects.filter(subscriber=subscriber, filters=filters, **target).first()
        if follow is None:
            wanted.save()
        else:
            # A confirmed follow keeps what was confirmed: this changes no row then.
            Follow.objects.filter(pk=follow.pk, confirmed_at__isnull=True).update(**asked)
        from .tasks import send_confirmation

        transaction.on_commit(lambda pk=subscriber.pk: send_confirmation.enqueue(pk))


def expire_unconfirmed(now=None):
    """Remove follows never confirmed in ``UNCONFIRMED_LIFETIME``, and the addresses
    left with none."""
    now = now or timezone.now()
    Follow.objects.unconfirmed().filter(created_at__lt=now - UNCONFIRMED_LIFETIME).delete()
    Subscriber.objects.filter(
        follows__isnull=True, created_at__lt=now - UNCONFIRMED_LIFETIME
    ).delete()


def confirmation_token(subscriber):
    return signing.dumps(subscriber.pk, salt=CONFIRM_SALT, compress=True)


def subscriber_to_confirm(token):
    """The subscriber a confirmation link names, or None when it is forged or expired."""
    try:
        pk = signing.loads(token, salt=CONFIRM_SALT, max_age=UNCONFIRMED_LIFETIME)
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=pk).first()


def manage_token(subscriber):
    return signing.dumps(subscriber.pk, salt=MANAGE_SALT, compress=True)


def subscriber_of_manage_token(token):
    """The subscriber a manage or unsubscribe link names, or None (it never expires:
    an unsubscribe link must keep working)."""
    try:
        pk = signing.loads(token, salt=MANAGE_SALT)
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=pk).first()


def confirmation_due(subscriber, now=None):
    """Claim the right to mail a confirmation now: False when one went out within the
    hour or nothing waits for confirmation."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Subscriber.objects.filter(pk=subscriber.pk).filter(
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lte=now - CONFIRMATION_INTERVAL)
        )
        if not subscriber.follows.unconfirmed().exists():
            return False
        return bool(claimed.update(confirmation_sent_at=now))


def confirm(subscriber, now=None):
    """Confirm every follow of the address waiting for it (the page that asks lists
    them); daily follows set the digest's time zone. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(subscriber.follows.unconfirmed())
        daily = [follow for follow in pending if follow.frequency == Frequency.DAILY]
        if daily:
            subscriber.time_zone = daily[-1].time_zone
            subscriber.save(update_fields=["time_zone"])
        return subscriber.follows.unconfirmed().update(confirmed_at=now)


def stop_follow(subscriber, follow_id):
    subscriber.follows.filter(pk=follow_id).delete()


def stop_all(subscriber):
    """One-click unsubscribe: the address follows nothing and is forgotten."""
    subscriber.delete()


def change_follow(subscriber, follow_id, *, frequency):
    subscriber.follows.filter(pk=follow_id).update(frequency=frequency)


def change_timezone(subscriber, time_zone):
    subscriber.time_zone = time_zone
    subscriber.full_clean()
    subscriber.save(update_fields=["time_zone"])


# --------------------------------------------------------------------------- #
# Fan-out: what an event sends to whom
# --------------------------------------------------------------------------- #


def entry_of(event):
    """The entry an event is about, as readers see it now, or None (gone, hidden)."""
    if event.record_type not in EntryType.values:
        return None
    entry = (
        Entry.objects.published().filter(pk=event.record_id).select_related("negotiation").first()
    )
    return entry.specific if entry else None


def proposal_ids_of(entry):
    specific = entry.specific
    if isinstance(specific, Proposal):
        return [specific.pk]
    proposal_id = getattr(specific, "proposal_id", None)
    return [proposal_id] if proposal_id else []


def filters_match(entry, filters):
    """Whether an entry passes a negotiation follow's timeline filters."""
    if filters.get("kind") and entry.entry_type != filters["kind"]:
        return False
    if filters.get("actor"):
        actor = Actor.objects.filter(slug=filters["actor"]).values_list("pk", flat=True).first()
        if actor not in entry.actor_ids:
            return False
    if filters.get("q"):
        return Entry.objects.filter(pk=entry.pk).search(filters["q"]).exists()
    return True


def matching_follows(event, entry):
    """The confirmed follows an event alerts: of its negotiation (through their
    filters), of an actor the entry names, of the proposal it is or is about."""
    target = Q(negotiation_id=event.negotiation_id)
    actor_ids = entry.actor_ids
    if actor_ids:
        target |= Q(actor_id__in=actor_ids)
    proposal_ids = proposal_ids_of(entry)
    if proposal_ids:
        target |= Q(proposal_id__in=proposal_ids)
    # Only follows confirmed when it happened: a new follower gets no backlog.
    follows = Follow.objects.confirmed().filter(target, confirmed_at__lte=event.at)
    rows = list(follows.values_list("subscriber_id", "frequency", "filters"))
    verdicts = {}
    wanted = {}
    for subscriber_id, frequency, filters in rows:
        if filters:
            key = tuple(sorted(filters.items()))
            if key not in verdicts:
                verdicts[key] = filters_match(entry, filters)
            if not verdicts[key]:
                continue
        # Someone who follows it both ways gets it at once.
        digest = frequency == Frequency.DAILY
        wanted[subscriber_id] = wanted.get(subscriber_id, True) and digest
    return wanted


PLAN_BATCH = 1000


def plan(event):
    """Write the alerts and webhook deliveries of one event, once (``FanOut``):
    idempotent, so a re-run after a killed worker adds nothing. Returns (the event ids
    with alerts to send at once, the subscribers whose digest to schedule, the
    endpoints to deliver to)."""
    from . import webhooks

    with transaction.atomic():
        if FanOut.objects.filter(event=event).exists():
            return False, [], []
        entry = entry_of(event)
        immediate, digests = False, []
        if entry is not None and event.action in ALERT_ACTIONS:
            wanted = matching_follows(event, entry)
            rows = [
                Alert(subscriber_id=pk, event=event, digest=digest) for pk, digest in wanted.items()
            ]
            Alert.objects.bulk_create(rows, ignore_conflicts=True, batch_size=PLAN_BATCH)
            immediate = any(not digest for digest in wanted.values())
            digest_ids = [pk for pk, digest in wanted.items() if digest]
            waiting = set(
                Alert.objects.filter(
                    subscriber_id__in=digest_ids, digest=True, status=Alert.Status.PENDING
                )
                .exclude(event=event)
                .values_list("subscriber_id", flat=True)
            )
            # A subscriber with alerts waiting already has its digest scheduled.
            digests = [pk for pk in digest_ids if pk not in waiting]
        endpoints = webhooks.plan_deliveries(event, entry)
        FanOut.objects.bulk_create([FanOut(event=event)], ignore_conflicts=True)
    return immediate, digests, endpoints


def unplanned_events(now=None):
    """Entry events of the last ``CATCH_UP`` not planned yet (a worker was down or
    killed), oldest first."""
    now = now or timezone.now()
    return (
        ReaderEvent.objects.filter(record_type__in=EntryType.values, at__gte=now - CATCH_UP)
        .exclude(pk__in=FanOut.objects.values("event_id"))
        .order_by("pk")
    )


def claim(queryset, limit):
    """Mark up to ``limit`` pending alerts of ``queryset`` as being sent, in one short
    transaction (rows another worker holds are skipped on PostgreSQL; SQLite takes the
    write lock when the transaction begins). Returns the claimed alerts."""
    with transaction.atomic():
        rows = queryset.filter(status=Alert.Status.PENDING).order_by("pk")
        if connections[rows.db].features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        alerts = list(rows.select_related("subscriber")[:limit])
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(
            status=Alert.Status.SENDING
        )
    return alerts


def take(alert):
    """Claim one pending alert for sending (one conditional UPDATE: another worker's
    claim wins); the mail goes out only when this returns True."""
    return bool(
        Alert.objects.filter(pk=alert.pk, status=Alert.Status.PENDING).update(
            status=Alert.Status.SENDING
        )
    )


def mark_sent(alerts, now=None):
    Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(
        status=Alert.Status.SENT, sent_at=now or timezone.now()
    )


def release(alerts):
    """Alerts claimed but never handed to the mail server (it could not be reached)."""
    Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(status=Alert.Status.PENDING)


# --------------------------------------------------------------------------- #
# Digests: 07:00 in the subscriber's time zone
# --------------------------------------------------------------------------- #


def last_digest_time(subscriber, now=None):
    """The latest 07:00 in the subscriber's time zone at or before ``now``."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(subscriber.time_zone or "UTC")
    local = now.astimezone(zone)
    seven = datetime.datetime.combine(local.date(), datetime.time(DIGEST_HOUR), tzinfo=zone)
    if seven > local:
        seven = datetime.datetime.combine(
            local.date() - datetime.timedelta(days=1), datetime.time(DIGEST_HOUR), tzinfo=zone
        )
    return seven


def next_digest_time(subscriber, now=None):
    last = last_digest_time(subscriber, now)
    zone = last.tzinfo
    return datetime.datetime.combine(
        last.date() + datetime.timedelta(days=1), datetime.time(DIGEST_HOUR), tzinfo=zone
    )


def digest_due(subscriber, now=None):
    """Whether the subscriber's pending digest alerts are due: one of them is older
    than the latest 07:00 of its time zone."""
    oldest = (
        Alert.objects.filter(subscriber=subscriber, digest=True, status=Alert.Status.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return oldest is not None and oldest <= last_digest_time(subscriber, now)


def subscribers_with_waiting_digests():
    return Subscriber.objects.filter(
        alerts__digest=True, alerts__status=Alert.Status.PENDING
    ).distinct()


# --------------------------------------------------------------------------- #
# What the mails say
# --------------------------------------------------------------------------- #

WHAT_HAPPENED = {
    (ReaderEvent.Action.PUBLISHED, EntryType.PROPOSAL): "New proposal",
    (ReaderEvent.Action.PUBLISHED, EntryType.STATUS_CHANGE): "A proposal's status changed",
    (ReaderEvent.Action.PUBLISHED, EntryType.STATEMENT): "New statement",
    (ReaderEvent.Action.PUBLISHED, EntryType.EVENT): "New event",
    (ReaderEvent.Action.PUBLISHED, EntryType.EXPECTATION): "New expectation",
}
HEADLINE_CHARS = 100


def site_url(path):
    """An absolute link for mails and webhooks: the worker has no request to read a
    host from (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + path


def entry_link(entry):
    """The timeline page that starts at the entry, at the entry."""
    timeline = entry.negotiation.get_absolute_url()
    return site_url(f"{timeline}?entry={entry.pk}#entry-{entry.pk}")


def sentence(event, entry):
    """What happened, in one sentence a reader understands."""
    headline = entry.headline
    if len(headline) > HEADLINE_CHARS:
        headline = headline[: HEADLINE_CHARS - 1].rstrip() + "…"
    if event.action == ReaderEvent.Action.CORRECTED:
        what = "Corrected"
    elif event.action == ReaderEvent.Action.OVERDUE:
        what = "Overdue, with no outcome yet"
    else:
        what = WHAT_HAPPENED.get((event.action, entry.entry_type), "Updated")
    return f"{what} in {entry.negotiation.title}: {headline}"
