"""Under /embed/: the pages and data other sites may frame or read (CORS allows reads)."""

from django.urls import path

from negotiations.reader import views

app_name = "embed"

urlpatterns = [
    path("negotiations/<slug:slug>/", views.embed, name="timeline"),
    path("negotiations/<slug:slug>/timeline.json", views.timelinejs_export, name="timelinejs"),
]
