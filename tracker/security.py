"""Security plumbing the settings point at: the client's address behind proxies, the
Content Security Policy (with the embed pages' exception) and the admin lockout page.
"""

import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware import csp
from django.utils.html import escape

from negotiations.api import errors as api_errors
from tracker import health


def client_ip(request):
    """The address of the client, as the outermost trusted proxy saw it.

    With ``TRUSTED_PROXY_COUNT`` = N proxies in front of gunicorn, each appending the
    address it received from to ``X-Forwarded-For``, the client is the N-th entry from
    the right; anything to its left was sent by the client and is not trusted. With no
    proxies (N = 0), or a header too short to have passed them all, or an entry that is
    not an IP address, it is ``REMOTE_ADDR``. DRF's throttles read the same count
    (``REST_FRAMEWORK["NUM_PROXIES"]``).
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


class HealthCheckMiddleware:
    """Answer ``/healthz`` and ``/readyz`` first, whatever the Host header.

    Load balancers and orchestrators probe the process by its own address over plain
    http (``Host: 10.0.0.5:8000``), which ``ALLOWED_HOSTS`` and the HTTPS redirect would
    refuse. The two views build no URLs from the host, so they may answer before those
    checks (first in ``MIDDLEWARE``).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's CSP middleware, with the two exceptions to ``SECURE_CSP``.

    - Framing follows the view's X-Frame-Options decision: ``SECURE_CSP`` refuses it
      (``frame-ancestors 'none'``), but a view marked ``@xframe_options_exempt`` (the
      embed pages, ``negotiations.reader.views.embed``) may be framed by any site, so its
      policy is the same without ``frame-ancestors``. One decorator decides both.
    - Under ``/api/`` the policy is ``SECURE_CSP_API``: the browsable API and the API
      docs are third-party templates that style inline (scripts stay our own).

    A view's own ``@csp_override`` wins over both.
    """

    def process_response(self, request, response):
        if not hasattr(response, "_csp_config"):
            if getattr(response, "xframe_options_exempt", False):
                response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": None}
            elif request.path_info.startswith("/api/"):
                response._csp_config = settings.SECURE_CSP_API
        return super().process_response(request, response)


def cooloff_minutes():
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message():
    return (
        f"Too many failed sign-in attempts from your network. For the newsroom's safety, "
        f"signing in is paused for {cooloff_minutes()} minutes; try again after that. "
        "If you have forgotten your password, ask an administrator to reset it "
        "(they can also lift the pause at once: python manage.py axes_reset_ip <address>)."
    )


def lockout_response(request, original_response=None, credentials=None):
    """What the admin sign-in answers while django-axes has it locked (429)."""
    response = HttpResponse(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<title>Sign-in paused — Parley</title>"
        f"<h1>Sign-in paused</h1><p>{escape(lockout_message())}</p></html>",
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response


class RefuseNulInQueryMiddleware:
    """A NUL character in a query parameter is a 400: no stored text holds one, and
    PostgreSQL refuses it in a query parameter (a 500 otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            message = "Query parameters cannot contain NUL characters."
            if api_errors.is_api(request):
                return api_errors.json_error(400, message)
            return HttpResponseBadRequest(message, content_type="text/plain")
        return self.get_response(request)
