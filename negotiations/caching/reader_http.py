"""HTTP caching of reader pages, feeds and exports: validators from a negotiation's reader
version (or ``site_stamp``), the date and the release; what readers get stored once per
change; previews and signed-in users served privately. How a request flows through it:
docs/architecture.md.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from negotiations.caching import edge, previews, reader_versions, tokens
from negotiations.caching.fragments import STORE_SECONDS, get_or_build, until_midnight
from negotiations.reader.selectors.negotiation import negotiation_for_reader as read
from negotiations.reader.selectors.negotiation import site_stamp

KEPT_HEADERS = ("Content-Type", "Content-Disposition")


class Validators:
    negotiation_id = None  # set for a negotiation's outputs: what the middleware re-checks
    route_extra = ""
    edge_keys = (edge.SITE_KEY,)  # what an edge purge must reach (negotiations.caching.edge)

    def __init__(self, *moments, extra=""):
        today = timezone.localdate()
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        known = [moment for moment in moments if moment is not None]
        self.timestamp = int(max([*known, midnight]).timestamp())  # the Last-Modified
        parts = [settings.RELEASE_ID, today.isoformat(), extra, *(m.isoformat() for m in known)]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        self.etag = f'W/"{digest}"'


def negotiation_validators(negotiation, request):
    return stamp_validators(negotiation.pk, stamp(negotiation), request)


def stamp(negotiation):
    """``(reader_version, reader_changed_at)``: what readers' copies are keyed on."""
    return (negotiation.reader_version, negotiation.reader_changed_at)


def stamp_validators(negotiation_id, current, request, *, extra=""):
    version, changed_at = current
    validators = Validators(changed_at, extra=f"{request.get_full_path()}|{extra}|v{version}")
    validators.negotiation_id, validators.route_extra = negotiation_id, extra
    validators.edge_keys = (edge.negotiation_key(negotiation_id),)
    return validators


def site_validators(request, *moments, count=False):
    """The validators of a page across negotiations (``site_stamp``): every reader version,
    the latest reader change, ``moments`` and (``count``) how many negotiations there are."""
    found = site_stamp(count=count)
    counted = f"|{found['count']}" if count else ""
    extra = f"{request.get_full_path()}{counted}|v{found['versions']}"
    return Validators(found["changed"], *moments, extra=extra)


def read_only(view):
    """A reader page: GET and HEAD only, and outside a transaction — ``ATOMIC_REQUESTS`` is
    for writes, and a read's BEGIN and COMMIT are two round trips that buy nothing (each
    statement reads committed rows either way)."""
    return transaction.non_atomic_requests(require_safe(view))


def not_modified(request, validators):
    """A 304 (with the validators) when the client's copy is current, else None."""
    response = get_conditional_response(
        request, etag=validators.etag, last_modified=validators.timestamp
    )
    if response is not None and response.status_code == 304:
        apply_public(response, validators)
    return response


def apply_public(response, validators):
    # What readers get differs from what the signed-in and API clients asking HTML get.
    patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
    response["ETag"] = validators.etag
    response["Last-Modified"] = http_date(validators.timestamp)
    return edge.mark_public(response, validators.edge_keys)


def apply_private(response):
    """Previews of drafts, and whatever signed-in users get: kept by no browser, proxy or edge."""
    edge.unmark(response)
    for header in ("ETag", "Last-Modified", "Expires"):
        del response[header]  # nothing when absent
    patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
    patch_vary_headers(response, ["Cookie"])
    return response


def negotiation_version(current):
    """What a negotiation's outputs depend on besides their address — its reader version
    (``current``: its ``stamp``), today's date, the release — as one string."""
    version, changed_at = current
    return Validators(changed_at, extra=f"v{version}").etag


def _shared_key(negotiation_id, name, version):
    return f"parley:shared:{negotiation_id}:{name}:{version}"


def _slug_key(slug):
    return f"parley:slug:{slug}"


def negotiation_for_reader(request, slug):
    """The negotiation at ``slug`` (404 when unknown): read with one query, then cached
    under its reader version; a copy is used only under the current version and only if
    its slug is still the one asked."""
    pk = cache.get(_slug_key(slug))
    current = reader_versions.current(pk) if pk is not None else None
    if current is not None:
        cached = cache.get(_shared_key(pk, "negotiation", negotiation_version(current)))
        if cached is not None and cached.slug == slug:
            return cached
    negotiation = read(slug)
    keep_for_readers(negotiation)
    return negotiation


def keep_for_readers(negotiation):
    """Keep ``negotiation`` (as read from the database) for ``negotiation_for_reader``:
    its slug's id, and itself under its reader version."""
    key = _shared_key(negotiation.pk, "negotiation", negotiation_version(stamp(negotiation)))
    cache.set_many(
        {_slug_key(negotiation.slug): negotiation.pk, key: negotiation}, until_midnight()
    )


def shared(negotiation, name, build, *, preview):
    """``build()``: what every address of a negotiation shows alike, kept under the
    negotiation's version (built afresh for previews). Nothing in it may depend on the
    request: the task worker builds the same keys after a publication."""
    if preview:
        return build()
    return get_or_build(
        _shared_key(negotiation.pk, name, negotiation_version(stamp(negotiation))),
        build,
        until_midnight(),
    )


def respond(request, build, *, validators, preview):
    """Send ``build()``'s response with the right caching headers: readers get validators
    (a 304 when current) and the stored copy; signed-in users who get no preview the same
    bytes, privately; previews, private too, are stored apart, also under the preview token
    (``tokens.PREVIEWS``: any write takes it away, and the worker then builds again what
    previewers built lately: ``previews``), and built afresh without one."""
    signed_in = request.user.is_authenticated
    if preview:
        token = tokens.PREVIEWS.current()
        if token is None:
            return apply_private(build())
        key = _stored_key(request, validators, preview_token=token)
    else:
        if not signed_in:
            cached = not_modified(request, validators)
            if cached is not None:
                _mark_route(cached, validators)
                return cached
        key = _stored_key(request, validators)
    stored = cache.get(key)
    if stored is not None:
        response = _from_store(stored)
    else:
        response = build()
        if response.status_code == 200 and not response.streaming:
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            kept = {"content": response.content, "headers": headers}
            if preview:
                # Never read once its token is gone: kept no longer than a token lives.
                cache.set(key, kept, tokens.TOKEN_SECONDS)
                previews.remember(request, _address(request), validators.negotiation_id)
            else:
                # Written by AnonymousCacheMiddleware, with the address's route: one round trip.
                response.parley_stored = {key: kept}
    if signed_in:
        return apply_private(response)
    if response.status_code == 200:
        _mark_route(response, validators)
        apply_public(response, validators)
    return response


def _mark_route(response, validators):
    """For AnonymousCacheMiddleware, which records it once the view's decorators ran."""
    if validators.negotiation_id is not None:
        response.parley_route = (validators.negotiation_id, validators.route_extra)


def _stored_key(request, validators, *, preview_token=None):
    address = f"{_address(request)}|{validators.etag}"
    if preview_token is not None:
        address += f"|preview {preview_token}"
    return "parley:reader:" + hashlib.sha256(address.encode()).hexdigest()


def _route_key(request):
    return "parley:route:" + hashlib.sha256(_address(request).encode()).hexdigest()


def _address(request):
    """The absolute address asked for, worked out once per request (both keys use it)."""
    if not hasattr(request, "parley_address"):
        request.parley_address = request.build_absolute_uri()
    return request.parley_address


class AnonymousCacheMiddleware:
    """Answer repeat anonymous reads of a negotiation's outputs before the view runs: an
    address a view rendered for readers (``respond``) is stored with its route, whose
    reader version gives the validators the view would compute. Signed-in requests
    (session cookie or Authorization) always reach the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        known = (
            request.method in ("GET", "HEAD")
            and "HTTP_AUTHORIZATION" not in request.META
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
        if known:
            route = cache.get(_route_key(request))
            # The API's stored copies are JSON; a browser asking for HTML gets DRF's page.
            browsable = "text/html" in request.META.get("HTTP_ACCEPT", "")
            if route is not None and not (route[1] == "api" and browsable):
                response = self.answer(request, *route)
                if response is not None:
                    return response
        response = self.get_response(request)
        stored = getattr(response, "parley_stored", {})  # what ``respond`` rendered to keep
        route = getattr(response, "parley_route", None)
        if known and route is not None:
            # Whether other sites may frame it (the embeds) is said by the view's decorator.
            frameable = getattr(response, "xframe_options_exempt", False)
            stored = {**stored, _route_key(request): (*route, frameable)}
        if stored:
            cache.set_many(stored, STORE_SECONDS)  # the response and its route together
        return response

    def answer(self, request, negotiation_id, extra, frameable):
        current = reader_versions.current(negotiation_id)
        if current is None:
            return None
        validators = stamp_validators(negotiation_id, current, request, extra=extra)
        response = not_modified(request, validators)
        if response is None:
            stored = cache.get(_stored_key(request, validators))
            if stored is None:
                return None
            response = apply_public(_from_store(stored), validators)
        response.xframe_options_exempt = frameable
        return response


def _from_store(stored):
    # Content-Length: what CommonMiddleware (after this middleware) says of the view's.
    length = str(len(stored["content"]))
    return HttpResponse(stored["content"], headers={**stored["headers"], "Content-Length": length})
