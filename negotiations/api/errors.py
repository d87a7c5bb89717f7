"""Every error under /api/ is JSON, as DRF's own are: the URLconf's handlers for what
happens outside the API's views (an address no route matches, a request refused before
any view), and the rest of the site keeps its HTML pages."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.renderers import JSONRenderer


class JsonErrorsMixin:
    """For views whose pages are not JSON (the docs, the schema): their errors are."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


def is_api(request):
    return request.path.startswith("/api/")


def json_error(status, detail):
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request, exception):
    if is_api(request):
        return json_error(400, "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return json_error(403, "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return json_error(404, "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The API's 500 (``tracker.health.server_error`` answers a lost database first)."""
    return json_error(500, "A server error occurred: it has been logged. Please try again.")
