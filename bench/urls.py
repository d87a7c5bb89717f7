"""Parley's URLs plus the bare reference view, served only under the bench settings."""

from django.urls import path

from tracker.urls import urlpatterns as parley_urlpatterns

from .views import bare

urlpatterns = [path("bench/bare/", bare), *parley_urlpatterns]
