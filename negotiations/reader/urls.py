from django.urls import path, register_converter
from django.urls.converters import IntConverter

from negotiations.caching.reader_http import read_only
from negotiations.numbers import parse_id
from negotiations.reader import views
from negotiations.reader.feeds import ActorFeed, NegotiationFeed


class IdConverter(IntConverter):
    """A record id in an address: beyond 64 bits it names nothing (a 404, on SQLite too,
    which cannot compare such a number)."""

    def to_python(self, value):
        pk = parse_id(value)
        if pk is None:
            raise ValueError(f"{value!r} is not a record id")
        return pk


register_converter(IdConverter, "id")

app_name = "negotiations"

urlpatterns = [
    path("", views.home, name="home"),
    path("negotiations/<slug:slug>/", views.timeline, name="timeline"),
    path("negotiations/<slug:slug>/changes/", views.changes, name="changes"),
    path("negotiations/<slug:slug>/next/", views.coming_next, name="next"),
    path("negotiations/<slug:slug>/positions/", views.positions, name="positions"),
    path("negotiations/<slug:slug>/corrections/", views.corrections, name="corrections"),
    path("negotiations/<slug:slug>/proposals/<id:pk>/", views.proposal, name="proposal"),
    path("negotiations/<slug:slug>/feed/", read_only(NegotiationFeed()), name="feed"),
    path("negotiations/<slug:slug>/calendar.ics", views.calendar, name="calendar"),
    path("negotiations/<slug:slug>/pictures/lanes.svg", views.lanes_svg, name="lanes_svg"),
    path("negotiations/<slug:slug>/pictures/amounts.svg", views.amounts_svg, name="amounts_svg"),
    path("actors/", views.actors, name="actors"),
    path("actors/<slug:slug>/", views.actor, name="actor"),
    path("actors/<slug:slug>/feed/", read_only(ActorFeed()), name="actor_feed"),
]
