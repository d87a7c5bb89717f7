"""Liveness, readiness and what readers get while the database is away."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.defaults import server_error as django_server_error

from negotiations.api import errors as api_errors

RETRY_AFTER_SECONDS = 5
OUTAGE_MESSAGE = "Parley's database is unavailable for a moment. Please try again shortly."


@never_cache
@transaction.non_atomic_requests
def healthz(request):
    """The process is up (no database access)."""
    return JsonResponse({"status": "ok"})


@never_cache
@transaction.non_atomic_requests
def readyz(request):
    """The process can serve: the database answers. Also how far the task worker is
    behind: ``embargoes_overdue_seconds``, the age of the oldest embargo due but not yet
    lifted (0 when none). A late worker is reported, not fatal: late is safe."""
    from negotiations.domain.embargoes import oldest_due_embargo

    try:
        now = timezone.now()
        oldest = oldest_due_embargo(now)
    except DatabaseError:
        return outage_response(request)
    overdue = max(0.0, (now - oldest).total_seconds()) if oldest else 0
    return JsonResponse({"status": "ready", "embargoes_overdue_seconds": round(overdue, 1)})


def outage_response(request):
    if request.path.startswith("/api/") or request.path in {"/readyz", "/readyz/"}:
        response = JsonResponse({"detail": OUTAGE_MESSAGE}, status=503)
    else:
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8>"
            "<title>Temporarily unavailable — Parley</title>"
            f"<h1>Temporarily unavailable</h1><p>{OUTAGE_MESSAGE}</p></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, *args, **kwargs):
    """A lost database is a 503 with Retry-After, not a 500 (``handler500``); JSON under /api/."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return outage_response(request)
    if api_errors.is_api(request):
        return api_errors.server_error(request)
    return django_server_error(request, *args, **kwargs)
