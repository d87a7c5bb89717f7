"""HTTP caching of reader pages, feeds and exports.

A negotiation's ``reader_version`` moves with every change readers can see in it (a
reader event, written by the domain functions and by the task that lifts embargoes) and
at no other time, so it is the cache key: the ETag is built from it, from today's date
(what is "scheduled", "overdue" or "N days ago" changes at midnight), from the address
asked for and from the release deployed (``settings.RELEASE_ID``); ``reader_changed_at``
is the Last-Modified.
Every process reads the same version from the shared cache, which the write that moves it
updates as it commits (``reader_versions``): nothing to remember per process.

Readers get the ETag, Last-Modified and a short public max-age; a current copy gets a
304. What was rendered for readers is also kept in Django's cache under the same
validators, so a page is rendered once per change, not once per reader. Staff previews
show drafts: they are marked as such, sent ``Cache-Control: private, no-store`` without
validators, and never stored. Signed-in users who may not preview get what readers get:
the stored copy, sent privately (``respond``).

Repeat anonymous requests do not even reach the view, nor the session, CSRF, user and
message middlewares: ``AnonymousCacheMiddleware`` recognises an address whose copy was
stored, reads the negotiation's reader version (one GET of the shared cache, no SQL) and
answers with the 304 or the stored copy.
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

from negotiations.caching import edge, reader_versions
from negotiations.reader.selectors.negotiation import negotiation_for_reader as read
from negotiations.reader.selectors.negotiation import site_stamp

STORE_SECONDS = 10 * 60
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


class Validators:
    negotiation_id = None  # set for a negotiation's outputs: what the middleware re-checks
    route_extra = ""
    edge_keys = (edge.SITE_KEY,)  # what an edge purge must reach (negotiations.caching.edge)

    def __init__(self, *moments, extra=""):
        today = timezone.localdate()
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        known = [moment for moment in moments if moment is not None]
        self.last_modified = max([*known, midnight])
        parts = [settings.RELEASE_ID, today.isoformat(), extra, *(m.isoformat() for m in known)]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        self.etag = f'W/"{digest}"'

    @property
    def timestamp(self):
        return int(self.last_modified.timestamp())


def negotiation_validators(negotiation, request, *, extra=""):
    return stamp_validators(negotiation.pk, stamp(negotiation), request, extra=extra)


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


def stamp_of(negotiation_id):
    """``(reader_version, reader_changed_at)`` of a negotiation, or None for an unknown
    one: from the shared cache (one GET, no SQL), else one indexed read by primary key;
    the same answer in every process (``reader_versions``)."""
    return reader_versions.current(negotiation_id)


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
    if hasattr(response, "headers"):
        for header in ("ETag", "Last-Modified", "Expires"):
            if header in response:
                del response[header]
    patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
    patch_vary_headers(response, ["Cookie"])
    return response


def negotiation_version(negotiation):
    """What a negotiation's outputs depend on besides their address — its reader
    version, today's date, the release — as one string, which every reader event moves."""
    return version_of(stamp(negotiation))


def version_of(current):
    """``negotiation_version`` from a ``stamp`` (or ``stamp_of``) already read."""
    version, changed_at = current
    return Validators(changed_at, extra=f"v{version}").etag


def _shared_key(negotiation_id, name, version):
    return f"parley:shared:{negotiation_id}:{name}:{version}"


def _slug_key(slug):
    return f"parley:slug:{slug}"


def negotiation_for_reader(request, slug):
    """The negotiation at ``slug`` (404 when unknown): read with one query
    (``selectors.negotiation_for_reader``), then cached under its reader
    version, which the shared cache gives (``stamp_of``). A copy is used only under the
    current version and only if its slug is still the one asked."""
    pk = cache.get(_slug_key(slug))
    current = stamp_of(pk) if pk is not None else None
    if current is not None:
        cached = cache.get(_shared_key(pk, "negotiation", version_of(current)))
        if cached is not None and cached.slug == slug:
            return cached
    negotiation = read(slug)
    keep_for_readers(negotiation)
    return negotiation


def keep_for_readers(negotiation):
    """Keep ``negotiation`` (as read from the database) for ``negotiation_for_reader``:
    its slug's id, and itself under its reader version."""
    cache.set(_slug_key(negotiation.slug), negotiation.pk, STORE_SECONDS)
    key = _shared_key(negotiation.pk, "negotiation", negotiation_version(negotiation))
    cache.set(key, negotiation, STORE_SECONDS)


def shared(negotiation, name, build, *, preview):
    """``build()``: what every address of a negotiation shows alike (the timeline's panels
    on each of its pages, filters and cursors; the header of all its pages), kept in the
    cache under the negotiation's version, so it is built once per change, and afresh
    for previews. The version is in the key: a write never leaves a stale copy to read.
    Nothing in it depends on the request: the task worker builds the same keys once a
    publication commits (``caching.publication``)."""
    if preview:
        return build()
    key = _shared_key(negotiation.pk, name, negotiation_version(negotiation))
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, STORE_SECONDS)
    return found


def respond(request, build, *, validators, preview):
    """Send ``build()``'s response with the right caching headers.

    Readers get ETag/Last-Modified and a 304 when their copy is current; what is rendered
    for them is stored by ``AnonymousCacheMiddleware`` with the address's route (one write
    of the cache). Signed-in users who get no preview read the same bytes, so they are
    served from (and fill) the same stored copy, but privately: no validators, no 304,
    nothing a shared cache or the edge may keep. Previews are built afresh, private, and
    never stored.
    """
    if preview:
        return apply_private(build())
    signed_in = request.user.is_authenticated
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
            # Written by AnonymousCacheMiddleware, with the address's route: one round trip.
            response.parley_stored = {key: {"content": response.content, "headers": headers}}
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


def _stored_key(request, validators):
    address = f"{_address(request)}|{validators.etag}"
    return "parley:reader:" + hashlib.sha256(address.encode()).hexdigest()


def _route_key(request):
    return "parley:route:" + hashlib.sha256(_address(request).encode()).hexdigest()


def _address(request):
    """The absolute address asked for, worked out once per request (both keys use it)."""
    if not hasattr(request, "parley_address"):
        request.parley_address = request.build_absolute_uri()
    return request.parley_address


def _is_anonymous(request):
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _wants_browsable_api(request, extra):
    """The API's stored copies are JSON; a browser asking for HTML gets DRF's page."""
    return extra == "api" and "text/html" in request.META.get("HTTP_ACCEPT", "")


class AnonymousCacheMiddleware:
    """Answer repeat anonymous reads of a negotiation's outputs before the view runs.

    Only addresses whose response a view rendered for readers (``respond``) are known
    here, with their negotiation (the response and the address's route are written
    together, once the view returned): its reader version (``stamp_of``: the shared
    cache) then gives the same validators the view would compute, so a current client
    gets its 304 and anyone else the stored copy. A reader event (a publication, a
    correction, an embargo lifted) moves the version, and the view renders afresh.
    Signed-in requests (session cookie or Authorization) always reach the view, which
    authenticates them (``respond`` gives those who get no preview the same stored copy).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        known = _is_anonymous(request)
        if known:
            route = cache.get(_route_key(request))
            if route is not None and not _wants_browsable_api(request, route[1]):
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
        current = stamp_of(negotiation_id)
        if current is None:
            return None
        validators = stamp_validators(negotiation_id, current, request, extra=extra)
        current = not_modified(request, validators)
        if current is not None:
            current.xframe_options_exempt = frameable
            return current
        stored = cache.get(_stored_key(request, validators))
        if stored is None:
            return None
        response = _from_store(stored)
        if frameable:
            response.xframe_options_exempt = True
        return apply_public(response, validators)


def _from_store(stored):
    response = HttpResponse(stored["content"])
    for header, value in stored["headers"].items():
        response[header] = value
    # What CommonMiddleware (after AnonymousCacheMiddleware) says of the view's responses.
    response["Content-Length"] = str(len(stored["content"]))
    return response
