"""Webhooks for API consumers: Standard Webhooks signatures, at least once, in order
per endpoint, retried with backoff, and never a request to a private address.

The rules: ``check_url`` (when an endpoint is saved, and again at each delivery,
since DNS can change), ``plan_deliveries`` (which endpoints an event goes to, with
what body), ``deliver`` (order, retries, disabling).
"""

import datetime
import http.client
import ipaddress
import json
import logging
import socket
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder
from standardwebhooks.webhooks import Webhook

from negotiations.models import EntryType, ReaderEvent

from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds, connecting and answering
# After the n-th failed attempt, the next one waits BACKOFF[n - 1] (the last, after that):
# about 26 hours in the first ten attempts, then every 12 hours.
BACKOFF = [
    datetime.timedelta(seconds=seconds)
    for seconds in (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200)
]
DISABLE_AFTER = datetime.timedelta(days=3)
LEASE = datetime.timedelta(seconds=60)
DELIVERIES_PER_TASK = 100

EVENT_TYPES = {
    ReaderEvent.Action.PUBLISHED: "entry.published",
    ReaderEvent.Action.UPDATED: "entry.updated",
    ReaderEvent.Action.CORRECTED: "entry.corrected",
    ReaderEvent.Action.UNPUBLISHED: "entry.unpublished",
    ReaderEvent.Action.DELETED: "entry.deleted",
    ReaderEvent.Action.OVERDUE: "expectation.overdue",
}
TOMBSTONES = {ReaderEvent.Action.UNPUBLISHED, ReaderEvent.Action.DELETED}


class UnsafeURL(ValidationError):
    pass


# --------------------------------------------------------------------------- #
# No server-side request forgery
# --------------------------------------------------------------------------- #


def _public(address):
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(url):
    """The address to connect to for ``url``: every address its host resolves to must
    be public (unless ``WEBHOOK_ALLOW_PRIVATE``); raises ``UnsafeURL`` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("The URL cannot be read (its port?).") from None
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise UnsafeURL("The URL must start with https://.")
    if not parts.hostname:
        raise UnsafeURL("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURL("The URL must not carry a user name or password.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(f"The host {parts.hostname} cannot be resolved.") from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise UnsafeURL(f"The host {parts.hostname} cannot be resolved.")
    if not allow_private and not all(_public(address) for address in addresses):
        raise UnsafeURL("The URL resolves to a loopback, private, link-local or multicast address.")
    return addresses[0], port


def check_url(url):
    """For the API (400 with the message) and the admin."""
    resolve(url)


def post(url, body, headers):
    """POST ``body`` to ``url``, connecting to the address ``resolve`` checked (not one a
    second lookup might give), never following redirects. Returns the status code."""
    address, port = resolve(url)
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, port, timeout=TIMEOUT)
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=TIMEOUT)
    # The certificate and Host stay the name's; the socket goes to the checked address.
    connection._create_connection = lambda _address, *args: socket.create_connection(
        (address, port), *args
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


# --------------------------------------------------------------------------- #
# What an event sends
# --------------------------------------------------------------------------- #


def event_type(event):
    if (
        event.action == ReaderEvent.Action.PUBLISHED
        and event.record_type == EntryType.STATUS_CHANGE
    ):
        return "proposal.status_changed"
    return EVENT_TYPES[event.action]


def _reader_request():
    """A GET as an anonymous reader at ``SITE_URL`` makes it, for the API's serializers
    (the worker has no request of its own)."""
    from django.contrib.auth.models import AnonymousUser

    site = urlsplit(settings.SITE_URL)
    request = RequestFactory().get("/api/v1/", secure=site.scheme == "https")
    # SITE_URL is our own setting, not a client's Host header: ALLOWED_HOSTS need not name it.
    request.get_host = lambda: site.netloc
    request.user = AnonymousUser()
    return Request(request)


def reader_data(entry):
    """The entry as an anonymous reader gets it from the API (its detail view)."""
    from negotiations.api import views

    viewsets = {
        EntryType.PROPOSAL: views.ProposalViewSet,
        EntryType.STATUS_CHANGE: views.StatusChangeViewSet,
        EntryType.STATEMENT: views.StatementViewSet,
        EntryType.EVENT: views.EventViewSet,
        EntryType.EXPECTATION: views.ExpectationViewSet,
    }
    request = _reader_request()
    view = viewsets[entry.entry_type](
        request=request, action="retrieve", kwargs={"pk": entry.pk}, format_kwarg=None
    )
    record = view.get_queryset().get(pk=entry.pk)
    return view.get_serializer(record).data


def body_of(event, entry):
    if entry is None or event.action in TOMBSTONES:
        data = {"type": event.record_type, "id": event.record_id, "at": event.at}
    else:
        data = reader_data(entry)
    message = {"type": event_type(event), "timestamp": event.at, "data": data}
    return json.dumps(message, cls=JSONEncoder, separators=(",", ":"), ensure_ascii=False)


def matching_endpoints(event, entry):
    """Active endpoints, registered before the event, following everything, the event's
    negotiation, an actor its entry names or the proposal it is or is about. A tombstone
    (the entry is gone) reaches those following everything, its negotiation, or the
    proposal itself."""
    from .domain import proposal_ids_of

    target = Q(negotiation__isnull=True, actor__isnull=True, proposal__isnull=True)
    target |= Q(negotiation_id=event.negotiation_id)
    if entry is not None:
        target |= Q(actor_id__in=entry.actor_ids) | Q(proposal_id__in=proposal_ids_of(entry))
    elif event.record_type == EntryType.PROPOSAL:
        target |= Q(proposal_id=event.record_id)
    # Only what was registered when it happened: a new endpoint gets no backlog.
    return WebhookEndpoint.objects.active().filter(target, created_at__lte=event.at)


def plan_deliveries(event, entry):
    """Write one delivery per matching endpoint (once: unique per endpoint and event);
    returns the endpoints' ids."""
    if event.action not in EVENT_TYPES:
        return []
    endpoints = list(matching_endpoints(event, entry).values_list("pk", flat=True))
    if not endpoints:
        return []
    body = body_of(event, entry)
    kind = event_type(event)
    rows = [
        WebhookDelivery(
            endpoint_id=pk, event=event, msg_id=f"msg_{uuid.uuid4().hex}", type=kind, body=body
        )
        for pk in endpoints
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return endpoints


def ping(endpoint):
    """A test delivery, queued behind the endpoint's others."""
    from .tasks import deliver_webhooks

    now = timezone.now()
    body = json.dumps(
        {"type": "webhook.ping", "timestamp": now, "data": {"endpoint": endpoint.pk}},
        cls=JSONEncoder,
        separators=(",", ":"),
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, msg_id=f"msg_{uuid.uuid4().hex}", type="webhook.ping", body=body
    )
    deliver_webhooks.enqueue(endpoint.pk)
    return delivery


def rotate_secret(endpoint, now=None):
    """A new secret; the old one keeps signing alongside for 24 hours."""
    from .models import new_webhook_secret

    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + datetime.timedelta(hours=24)
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint


def set_enabled(endpoint, enabled):
    """Disable an endpoint, or enable it again: what waited is then delivered, in order."""
    endpoint.disabled_at = None if enabled else (endpoint.disabled_at or timezone.now())
    if enabled:
        endpoint.failing_since = None
    endpoint.save(update_fields=["disabled_at", "failing_since"])
    if enabled:
        from .tasks import deliver_webhooks

        # What waited is tried again now, not at the retry time it had when disabled.
        endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
            next_attempt_at=None
        )
        deliver_webhooks.enqueue(endpoint.pk)


# --------------------------------------------------------------------------- #
# Delivering
# --------------------------------------------------------------------------- #


def signed_headers(endpoint, delivery, now):
    signature = " ".join(
        Webhook(secret).sign(delivery.msg_id, now, delivery.body)
        for secret in endpoint.signing_secrets(now)
    )
    return {
        "webhook-id": delivery.msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "Parley-Webhooks/1",
    }


def attempt(endpoint, delivery):
    """One try; records its outcome. Returns whether it succeeded (2xx)."""
    now = timezone.now()
    code, error = None, ""
    try:
        code = post(endpoint.url, delivery.body, signed_headers(endpoint, delivery, now))
    except UnsafeURL as refused:
        error = f"Refused: {refused.messages[0]}"
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"[:300]
    succeeded = code is not None and 200 <= code < 300
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.error = error if not succeeded else ""
    if succeeded:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
        if not delivery.error:
            delivery.error = f"HTTP {code}"
    delivery.save()
    if succeeded and endpoint.failing_since:
        endpoint.failing_since = None
        endpoint.save(update_fields=["failing_since"])
    if not succeeded:
        _note_failure(endpoint, now)
    return succeeded


def _note_failure(endpoint, now):
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    elif now - endpoint.failing_since >= DISABLE_AFTER:
        endpoint.disabled_at = now
        endpoint.save(update_fields=["disabled_at"])
        _tell_owner(endpoint)


def _tell_owner(endpoint):
    from . import mail

    consumer = getattr(endpoint.owner, "api_consumer", None)
    address = (consumer.email if consumer else "") or endpoint.owner.email
    if not address:
        logger.warning("Webhook endpoint %s disabled; its owner has no address", endpoint.pk)
        return
    try:
        mailers.default.send_messages([mail.endpoint_disabled(endpoint, address)])
    except Exception:
        logger.exception("Could not tell the owner of endpoint %s", endpoint.pk)


def _take_lease(endpoint_id, now):
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return (
        WebhookEndpoint.objects.active()
        .filter(free, pk=endpoint_id)
        .update(lease_until=now + LEASE)
    )


def deliver(endpoint_id):
    """Send an endpoint's pending deliveries oldest first, stopping at the first failure
    (the next waits for it: order per endpoint) and enqueueing the retry at its time.
    One worker per endpoint at a time (a lease); returns how many succeeded."""
    from .tasks import deliver_webhooks

    now = timezone.now()
    if not _take_lease(endpoint_id, now):
        busy = WebhookEndpoint.objects.active().filter(pk=endpoint_id, lease_until__gte=now)
        if busy.exists():  # the holder may miss what was just planned: look again later
            deliver_webhooks.using(run_after=now + LEASE).enqueue(endpoint_id)
        return 0
    succeeded = 0
    try:
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        pending = endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).order_by("pk")
        for _ in range(DELIVERIES_PER_TASK):
            delivery = pending.first()
            if delivery is None:
                return succeeded
            now = timezone.now()
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                return succeeded  # its retry is enqueued at that time already
            if not attempt(endpoint, delivery):
                if endpoint.disabled_at is None:
                    deliver_webhooks.using(run_after=delivery.next_attempt_at).enqueue(endpoint_id)
                return succeeded
            succeeded += 1
            WebhookEndpoint.objects.filter(pk=endpoint_id).update(lease_until=now + LEASE)
        deliver_webhooks.enqueue(endpoint_id)  # more: a continuation, so others get a turn
        return succeeded
    finally:
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(lease_until=None)
