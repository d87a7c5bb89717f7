"""The HTTP cache in front of the app servers (Varnish, or a CDN): the keys and lifetime a
reader response gives it, and the purges that keep what it stores fresh. A key names a
negotiation (``neg-<id>``, not its version: a purge must reach every copy), the outputs
across negotiations (``site``) or every stored response (``all``, for a deployment).
"""

import datetime
import logging

import requests
from django.conf import settings
from django.tasks import task
from django.utils import timezone

from negotiations.caching.fragments import until_midnight
from tracker import db_router

logger = logging.getLogger(__name__)

SITE_KEY = "site"
ALL_KEY = "all"
PURGE_TIMEOUT_SECONDS = 2.0
RETRY_DELAYS = (1, 2, 5, 10, 30, 60)  # seconds before each retry of an edge that failed


def negotiation_key(negotiation_id):
    return f"neg-{negotiation_id}"


def edge_seconds():
    """How long the edge may keep a reader response: ``EDGE_CACHE_SECONDS``, cut at the
    next midnight (the day is part of every reader validator)."""
    return min(settings.EDGE_CACHE_SECONDS, until_midnight())


def mark_public(response, keys):
    """The one place the edge's headers are written on a response readers share: browsers
    revalidate each time (a 304 costs one indexed query); the edge keeps its copy until
    purged, serves it while revalidating, and falls back on it when we fail."""
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={edge_seconds()}, "
        "stale-while-revalidate=30, stale-if-error=86400"
    )
    keys = [*keys, ALL_KEY]
    for header in settings.EDGE_KEY_HEADERS:
        # Cloudflare's Cache-Tag is comma-separated; xkey and Surrogate-Key use spaces.
        response[header] = (", " if header.lower() == "cache-tag" else " ").join(keys)
    return response


def unmark(response):
    """No key headers on a response that must not be stored (previews, signed-in users)."""
    for header in settings.EDGE_KEY_HEADERS:
        del response[header]  # nothing when absent


def keys_of_events(events, negotiation_ids=()):
    """The keys a set of reader events makes stale: their negotiations' (a deleted
    negotiation's own id included) and ``site``."""
    ids = {event.negotiation_id for event in events} | set(negotiation_ids)
    ids |= {event.record_id for event in events if event.record_type == "negotiation"}
    ids.discard(None)
    return [SITE_KEY, *(negotiation_key(pk) for pk in sorted(ids))]


def purge(keys, *, delay=0):
    """Enqueue the purge of ``keys`` (``delay`` seconds from now): called once the reader
    events that make them stale committed (``caching.publication``)."""
    if not settings.EDGE_PURGE_URLS or not keys:
        return
    _enqueue(list(keys), settings.EDGE_PURGE_URLS, 0, True, delay)


def _enqueue(keys, urls, attempt, repeat, delay=0):
    try:
        run_after = timezone.now() + datetime.timedelta(seconds=delay) if delay else None
        purge_edge.using(run_after=run_after).enqueue(keys, urls, attempt, repeat)
    except Exception:
        # The write it follows has committed; the copies at the edge expire by themselves.
        logger.exception("Could not enqueue the edge purge of %s", keys)


def send_purge(url, keys):
    """One soft purge of ``keys`` at the edge ``url``; True when it answered 2xx."""
    try:
        answer = requests.request(
            "PURGE", url, headers={"xkey-softpurge": " ".join(keys)}, timeout=PURGE_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        logger.warning("Edge purge at %s failed: %s", url, error)
        return False
    if not 200 <= answer.status_code < 300:
        logger.warning("Edge purge at %s answered %s", url, answer.status_code)
        return False
    return True


@task
def purge_edge(keys, urls, attempt=0, repeat=False):
    """Soft-purge ``keys`` at each edge of ``urls``; an edge that fails is tried again later
    (``RETRY_DELAYS``), the others are not. With ``repeat``, once more after
    ``EDGE_PURGE_REPEAT_SECONDS``. Returns the edges that failed."""
    if attempt == 0:
        # Purged before the replicas have the change, a copy read through one is stored again.
        db_router.wait_for_replicas(settings.DATABASE_REPLICA_MAX_LAG)
    failed = [url for url in urls if not send_purge(url, keys)]
    if failed and attempt < len(RETRY_DELAYS):
        _enqueue(keys, failed, attempt + 1, False, RETRY_DELAYS[attempt])
    elif failed:
        logger.error("Gave up purging %s at %s after %s attempts", keys, failed, attempt + 1)
    if repeat and settings.EDGE_PURGE_REPEAT_SECONDS:
        _enqueue(keys, urls, 0, False, settings.EDGE_PURGE_REPEAT_SECONDS)
    return failed
