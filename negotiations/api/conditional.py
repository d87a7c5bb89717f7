"""Conditional requests: ETag on every GET (304 on If-None-Match), preconditions on writes.

A GET's ETag is a hash of the exact body served, so it changes whenever anything
shown changes (a proposal's status included). A single record's ETag starts with
its ``version`` — ``"<version>-<hash>"`` — and that version is what ``If-Match``
checks: the record's own optimistic lock, passed on to the domain functions as
``expected_version``.

A pending revision does not move the entry's version (readers' ETags stay), so for
staff the lock is the pair (version, pending revision): an entry with one has the
ETag ``"<version>.<revision id>-<hash>"``. ``If-Match`` with a whole ETag checks
both (a revision proposed since, or one published or discarded since, is a 412);
``If-Match: "<version>"`` and a body ``version`` check the version only.

PUT, PATCH and DELETE of an existing record need one of them (428 otherwise), checked
before the body is validated.
"""

import hashlib
import re
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.cache import parse_etags, patch_cache_control, patch_vary_headers
from rest_framework.exceptions import ValidationError

from negotiations.api.exceptions import PayloadTooLarge, PreconditionFailed, PreconditionRequired
from negotiations.caching import edge
from negotiations.domain.conflicts import NOT_CHECKED

# A version is a 64-bit integer: longer digit strings name no version (and int() of
# thousands of digits raises ValueError).
_VERSION_TAG = re.compile(r'^(?:W/)?"(\d{1,19})(?:\.(\d{1,19}))?(-[0-9a-f]*)?"$', re.ASCII)
_VERSION_TEXT = re.compile(r"^\d{1,19}$", re.ASCII)


def lock_from_etag(etag):
    """``(version, revision)`` an ETag names, or None. ``revision`` is the pending
    revision's id, None for none (a whole ETag without one), or ``NOT_CHECKED``
    for a bare ``"<version>"``."""
    match = _VERSION_TAG.match(etag)
    if match is None:
        return None
    if match[2]:
        return int(match[1]), int(match[2])
    return int(match[1]), (None if match[3] else NOT_CHECKED)


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

    def preconditions(self, instance, *, pending=NOT_CHECKED):
        """``(expected_version, expected_revision)`` from If-Match and the body's
        ``version``: 428 with neither, 412 when one is stale, 400 for a body version that
        is not a number. ``pending`` is the entry's pending revision (None: none); other
        records have none to check."""
        header = self.request.headers.get("If-Match")
        if header is not None and "*" in parse_etags(header):
            header = None  # "whatever it is now": a blind write, no precondition
        body_version = self.body_version()
        if header is None and body_version is None:
            raise PreconditionRequired()
        expected_revision = NOT_CHECKED
        if header is not None:
            current = pending.pk if pending not in (None, NOT_CHECKED) else None
            locks = [lock_from_etag(etag) for etag in parse_etags(header)]
            matching = [
                lock
                for lock in locks
                if lock is not None
                and lock[0] == instance.version
                and (lock[1] is NOT_CHECKED or pending is NOT_CHECKED or lock[1] == current)
            ]
            if not matching:
                raise PreconditionFailed(self._stale_message(instance, locks, pending))
            if pending is not NOT_CHECKED and any(lock[1] is not NOT_CHECKED for lock in matching):
                expected_revision = current
        if body_version is not None and body_version != instance.version:
            raise PreconditionFailed(
                f"This record is at version {instance.version}; your body names version "
                f"{body_version}. Nothing was saved: read it again and re-apply your change."
            )
        return instance.version, expected_revision

    def _stale_message(self, instance, locks, pending):
        if not any(lock is not None and lock[0] == instance.version for lock in locks):
            return (
                f"This record is at version {instance.version}; your If-Match names another. "
                "Nothing was saved: read it again and re-apply your change."
            )
        if pending not in (None, NOT_CHECKED):
            who = pending.created_by.get_username() if pending.created_by else "someone else"
            return (
                f"A pending revision by {who} (#{pending.pk}) is not the one your If-Match "
                "names. Nothing was saved: read the entry again and re-apply your change."
            )
        return (
            "The pending revision your If-Match names was published or discarded since. "
            "Nothing was saved: read the entry again and re-apply your change."
        )

    def body_version(self):
        """The ``version`` in a JSON or form body, or None; 400 when it is no number."""
        data = self.request.data
        if not isinstance(data, Mapping) or "version" not in data:
            return None
        value = data["version"]
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and _VERSION_TEXT.match(value))
        ):
            raise ValidationError(
                {"version": ["The record's version is a whole number, as you read it."]}
            )
        return int(value)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if response.has_header("ETag") or "private" in response.get("Cache-Control", ""):
            return response  # validated already (negotiations.caching.reader_http): leave it be
        user = getattr(request, "_user", None)  # never authenticate again here
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            patch_cache_control(response, private=True, no_cache=True, no_store=True)
        else:
            patch_cache_control(response, no_cache=True)
        if response.status_code not in (200, 201, 202) or getattr(response, "data", None) is None:
            return response
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not signed_in:
            # Across negotiations: any reader event may change it (negotiations.caching.edge).
            edge.mark_public(response, [edge.SITE_KEY])
        response.render()
        digest = hashlib.sha256(response.content).hexdigest()[:32]
        data = response.data
        version = data.get("version") if isinstance(data, dict) else None
        etag = f'"{digest}"'
        if isinstance(version, int):
            pending = data.get("pending_revision")
            lock = f"{version}.{pending['id']}" if isinstance(pending, dict) else version
            etag = f'"{lock}-{digest}"'
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
