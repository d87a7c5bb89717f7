"""Editors' previews built ahead. A write of the record takes every stored preview away
(``tokens.PREVIEWS``), so the editor's next look would build the page whole (about 25
queries for a timeline page, 7 for an API page). Instead the task worker, once the write
commits, looks again at the addresses previewers had built lately (``remember``), as the
previewer who built each one, and so stores them under the new token: the editor's next
look finds its preview stored (``reader_http.respond``). A look before the worker's build
(within about a second of the commit) still builds the page whole.
"""

import io
import logging
import time

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIRequest
from django.db import DEFAULT_DB_ALIAS, transaction
from django.tasks import task
from django.urls import get_script_prefix, resolve, set_script_prefix

from negotiations.caching import reader_versions, tokens
from negotiations.models import user_may_preview

logger = logging.getLogger(__name__)

RECENT_KEY = "parley:previewed"
QUEUED_KEY = "parley:previews-queued"
# What is built ahead: the addresses a previewer built in the last ten minutes, the latest
# eight at most, in two seconds at most (a timeline page built whole takes 0.1–0.5 s).
RECENT_SECONDS = 600
MOST_ADDRESSES = 8
BUILD_SECONDS = 2.0
# What of a request says which address it asked for, as ``build_absolute_uri`` and
# ``get_full_path`` read it, and what it accepts (the API's format).
ADDRESS_META = (
    "PATH_INFO",
    "SCRIPT_NAME",
    "QUERY_STRING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_ACCEPT",
)


def remember(request, address, negotiation_id):
    """A previewer built the preview at ``address`` (its stored copy missed): build it
    ahead after each write for ``RECENT_SECONDS``. The worker's own looks are not
    remembered: an address no previewer builds again drops out."""
    if getattr(request, "parley_built_ahead", False):
        return
    store = caches[reader_versions.ALIAS]
    recent = _recent(store)
    recent[address] = {
        "meta": {name: request.META[name] for name in ADDRESS_META if name in request.META},
        "prefix": get_script_prefix(),  # what the page's links start with
        "user": request.user.pk,
        "negotiation": negotiation_id,
        "at": time.time(),
    }
    latest = sorted(recent.items(), key=lambda item: item[1]["at"], reverse=True)
    store.set(RECENT_KEY, dict(latest[:MOST_ADDRESSES]), RECENT_SECONDS)


def _recent(store):
    """``{address: look}`` of the addresses previewers built in the last
    ``RECENT_SECONDS``."""
    since = time.time() - RECENT_SECONDS
    found = store.get(RECENT_KEY) or {}
    return {address: look for address, look in found.items() if look["at"] > since}


def after_write(using=DEFAULT_DB_ALIAS):
    """A write of the record in the current transaction: once it commits, the worker
    builds the previews again (one task for the writes committed before it starts)."""
    if reader_versions.is_shared():
        transaction.on_commit(_enqueue, using=using)


def _enqueue():
    store = caches[reader_versions.ALIAS]
    try:
        if _recent(store) and store.add(QUEUED_KEY, True, tokens.TOKEN_SECONDS):
            build_ahead.enqueue()
    except Exception:  # the write has committed: its previews are then built by a look
        logger.exception("Could not enqueue the build of the previews")


@task
def build_ahead():
    """Look again at each address a previewer built lately, as that previewer, once the
    reader versions the database has are announced (a publication holds its new one
    back while it builds: a preview built before would be stored under the old one).
    Returns how many addresses it looked at."""
    store = caches[reader_versions.ALIAS]
    store.delete(QUEUED_KEY)  # a write committed from now on enqueues another build
    recent = _recent(store)
    deadline = time.monotonic() + BUILD_SECONDS
    negotiation_ids = {look["negotiation"] for look in recent.values()} - {None}
    while not reader_versions.announced(negotiation_ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    users = get_user_model().objects.in_bulk({look["user"] for look in recent.values()})
    looked = 0
    for address, look in sorted(recent.items(), key=lambda item: item[1]["at"], reverse=True):
        if time.monotonic() > deadline:
            break
        user = users.get(look["user"])
        if user is None or not user.is_active or not user_may_preview(user):
            continue
        try:
            _look(look, user)
            looked += 1
        except Exception:
            logger.exception("Could not build the preview at %s", address)
    return looked


def _look(look, user):
    """A GET of the address ``look`` (``remember``) names, by ``user``, through its view."""
    set_script_prefix(look["prefix"])
    request = WSGIRequest({**look["meta"], "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()})
    request.user = user
    request.parley_built_ahead = True
    match = resolve(request.path_info)
    match.func(request, *match.args, **match.kwargs)
