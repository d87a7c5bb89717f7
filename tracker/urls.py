from django.contrib import admin
from django.urls import include, path

from tracker import health

handler400 = "negotiations.api.errors.bad_request"
handler403 = "negotiations.api.errors.permission_denied"
handler404 = "negotiations.api.errors.page_not_found"
handler500 = "tracker.health.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("negotiations.api.urls")),
    # The one place other sites may frame (and read, with CORS): negotiations.reader.views.embed.
    path("embed/", include("negotiations.reader.embed_urls")),
    path("follow/", include("following.urls")),
    path("", include("negotiations.reader.urls")),
]
