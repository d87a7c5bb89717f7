"""The iCalendar of a negotiation, read back with icalendar."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from negotiations.models import PublicationState
from tests import factories

pytestmark = pytest.mark.django_db


def read(client, negotiation):
    response = client.get(reverse("negotiations:calendar", args=[negotiation.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return calendar, {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_demo_calendar_has_its_events_and_the_expected_deadline(client, demo):
    calendar, events = read(client, demo)
    assert str(calendar["X-WR-CALNAME"]) == "US–Ukraine minerals deal (Parley)"
    assert str(calendar["PRODID"]) == "-//Parley//Negotiation calendar//EN"
    summaries = sorted(str(event["SUMMARY"]) for event in events.values())
    assert summaries == [
        "Expected: A deal on Ukraine's mineral resources will be reached this week.",
        "Russia launches its full-scale invasion of Ukraine",
        "Talks deepen over security assurances (February 2025)",
        "Zelenskyy: the $500 billion request is “off the table”",
    ]
    day = next(e for e in events.values() if "off the table" in str(e["SUMMARY"]))
    assert day.start == datetime.date(2025, 2, 23)
    assert day.end == datetime.date(2025, 2, 24)
    # The permalink: the timeline page that starts with the entry.
    assert re.fullmatch(
        rf"http://testserver{demo.get_absolute_url()}\?entry=(\d+)#entry-\1", str(day["URL"])
    )
    assert "https://apnews.com/article/" in str(day["DESCRIPTION"])
    deadline = next(e for e in events.values() if "Expected" in str(e["SUMMARY"]))
    assert deadline.start == datetime.date(2025, 3, 2)
    assert "Steve Witkoff expects" in str(deadline["DESCRIPTION"])
    assert "due 2 March 2025. Overdue." in str(deadline["DESCRIPTION"])  # one word everywhere


def test_a_month_is_a_free_all_day_span(client, demo):
    _, events = read(client, demo)
    month = next(e for e in events.values() if "Talks deepen" in str(e["SUMMARY"]))
    assert month.start == datetime.date(2025, 2, 1)
    assert month.end == datetime.date(2025, 3, 1)
    assert str(month["TRANSP"]) == "TRANSPARENT"


def test_a_time_with_its_zone_is_a_timed_event(client, negotiation):
    factories.EventFactory(
        negotiation=negotiation,
        title="Call",
        date="2025-03-04",
        time=datetime.time(15, 30),
        timezone="Europe/Kyiv",
    )
    calendar, events = read(client, negotiation)
    (event,) = events.values()
    assert event.start == datetime.datetime(
        2025, 3, 4, 15, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Kyiv")
    )
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Kyiv"]


def test_uids_are_stable_and_drafts_left_out(client, negotiation):
    shown = factories.EventFactory(negotiation=negotiation, title="Shown")
    factories.EventFactory(negotiation=negotiation, title="Draft", state=PublicationState.DRAFT)
    factories.ExpectationFactory(negotiation=negotiation, due_date_start=None)  # no deadline
    _, first = read(client, negotiation)
    _, second = read(client, negotiation)
    assert list(first) == list(second) == [f"parley-entry-{shown.pk}"]
