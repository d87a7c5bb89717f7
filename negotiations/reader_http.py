"""HTTP caching of reader pages, feeds and exports.

A negotiation's ``changed_at`` moves with every write in it, so it is the cache key:
the ETag is built from it, from the latest publish time already reached (a scheduled
entry appears without a write), from today's date (what is "scheduled" or "overdue"
changes at midnight), from the address asked for and from the code's deployment.

Readers get the ETag, Last-Modified and a short public max-age; a current copy gets a
304. What was rendered for readers is also kept in Django's cache under the same
validators, so a page is rendered once per change, not once per reader. Staff previews
show drafts: they are marked as such, sent ``Cache-Control: private, no-store`` without
validators, and never stored.
"""

import datetime
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date


def _code_stamp():
    """A digest of the code and templates: every worker of one deployment agrees on it."""
    digest = hashlib.sha256()
    for folder in ("negotiations", "templates"):
        for path in sorted((Path(settings.BASE_DIR) / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".xml", ".svg"}:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Pages change with the code too: a new deployment gets new validators.
CODE_STAMP = _code_stamp()
# Browsers revalidate every time (a 304 costs one indexed query); shared caches may keep a
# copy for a few seconds, serve it while revalidating, and fall back on it if we fail.
PUBLIC_CACHE_CONTROL = (
    "public, max-age=0, s-maxage=10, stale-while-revalidate=30, stale-if-error=86400"
)
STORE_SECONDS = 10 * 60
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


class Validators:
    def __init__(self, *moments, extra=""):
        today = timezone.localdate()
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        known = [moment for moment in moments if moment is not None]
        self.last_modified = max([*known, midnight])
        parts = [CODE_STAMP, today.isoformat(), extra, *(m.isoformat() for m in known)]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        self.etag = f'W/"{digest}"'

    @property
    def timestamp(self):
        return int(self.last_modified.timestamp())


def negotiation_validators(negotiation, request, *, extra=""):
    return Validators(
        negotiation.changed_at,
        getattr(negotiation, "published_until", None),
        extra=f"{request.get_full_path()}|{extra}",
    )


def not_modified(request, validators):
    """A 304 (with the validators) when the client's copy is current, else None."""
    response = get_conditional_response(
        request, etag=validators.etag, last_modified=validators.timestamp
    )
    if response is not None and response.status_code == 304:
        apply_public(response, validators)
    return response


def apply_public(response, validators):
    response["ETag"] = validators.etag
    response["Last-Modified"] = http_date(validators.timestamp)
    response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response


def apply_private(response):
    """Previews of drafts: never stored by any cache."""
    if hasattr(response, "headers"):
        for header in ("ETag", "Last-Modified", "Expires"):
            if header in response:
                del response[header]
    patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
    patch_vary_headers(response, ["Cookie"])
    return response


def _bypasses_cache(request):
    """The benchmark measures the path behind the cache (a header only its settings name)."""
    header = getattr(settings, "CACHE_BYPASS_HEADER", None)
    return bool(header and request.META.get(header))


def respond(request, build, *, validators, preview):
    """Send ``build()``'s response with the right caching headers.

    Readers get ETag/Last-Modified and a 304 when their copy is current; staff
    previews are private and never stored.
    """
    if preview:
        return apply_private(build())
    cached = not_modified(request, validators)
    if cached is not None:
        return cached
    address = f"{request.build_absolute_uri()}|{validators.etag}"
    key = "parley:reader:" + hashlib.sha256(address.encode()).hexdigest()
    stored = None if _bypasses_cache(request) else cache.get(key)
    if stored is not None:
        response = HttpResponse(stored["content"])
        for header, value in stored["headers"].items():
            response[header] = value
    else:
        response = build()
        if response.status_code == 200 and not response.streaming:
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            cache.set(key, {"content": response.content, "headers": headers}, STORE_SECONDS)
    if response.status_code == 200:
        apply_public(response, validators)
    return response
