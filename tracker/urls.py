from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("negotiations.api.urls")),
    path("", include("negotiations.urls")),
]
