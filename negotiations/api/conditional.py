"""Conditional requests: ETag on every GET (304 on If-None-Match), If-Match on writes (412).

A GET's ETag is a hash of the exact body served, so it changes whenever anything
shown changes (a proposal's status included). A single record's ETag starts with
its ``version`` — ``"<version>-<hash>"`` — and that version is what ``If-Match``
checks: the record's own optimistic lock, passed on to the domain functions as
``expected_version``. ``If-Match: "<version>"`` works too.
"""

import hashlib
import re

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.cache import parse_etags, patch_cache_control, patch_vary_headers

from .exceptions import PayloadTooLarge, PreconditionFailed

# A version is a 64-bit integer: longer digit strings name no version (and int() of
# thousands of digits raises ValueError).
_VERSION_TAG = re.compile(r'^(?:W/)?"(\d{1,19})(?:-[0-9a-f]*)?"$')


def version_from_etag(etag):
    match = _VERSION_TAG.match(etag)
    return int(match[1]) if match else None


class ConditionalMixin:
    """For every API view: ETags, 304s, cache headers, If-Match and the body size limit."""

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            raise PayloadTooLarge()
        super().initial(request, *args, **kwargs)

    def expected_version(self, instance):
        """The version the client's If-Match names, or 412; the current one without If-Match."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return instance.version
        etags = parse_etags(header)
        if "*" in etags:
            return instance.version
        versions = {version_from_etag(etag) for etag in etags}
        if instance.version not in versions:
            raise PreconditionFailed(
                f"This record is at version {instance.version}; your If-Match names another. "
                "Nothing was saved: read it again and re-apply your change."
            )
        return instance.version

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if response.has_header("ETag") or "private" in response.get("Cache-Control", ""):
            return response  # validated already (negotiations.reader_http): leave it be
        user = getattr(request, "_user", None)  # never authenticate again here
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, no_cache=True)
        if response.status_code not in (200, 201) or getattr(response, "data", None) is None:
            return response
        response.render()
        digest = hashlib.sha256(response.content).hexdigest()[:32]
        data = response.data
        version = data.get("version") if isinstance(data, dict) else None
        etag = f'"{version}-{digest}"' if isinstance(version, int) else f'"{digest}"'
        response["ETag"] = etag
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            wanted = request.headers.get("If-None-Match")
            if wanted and _matches(etag, parse_etags(wanted)):
                not_modified = HttpResponseNotModified()
                for header in ("ETag", "Vary", "Cache-Control"):
                    if header in response:
                        not_modified[header] = response[header]
                return not_modified
        return response


def _matches(etag, candidates):
    """The weak comparison If-None-Match uses."""
    if "*" in candidates:
        return True
    strip = etag.removeprefix("W/")
    return any(candidate.removeprefix("W/") == strip for candidate in candidates)
