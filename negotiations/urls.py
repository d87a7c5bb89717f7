from django.urls import path

from . import views

app_name = "negotiations"

urlpatterns = [
    path("", views.home, name="home"),
    path("negotiations/<slug:slug>/", views.timeline, name="timeline"),
    path("actors/<slug:slug>/", views.actor, name="actor"),
]
