"""The iCalendar (.ics) of a negotiation: its events and the deadlines of expectations.

Published entries only (calendars are shared and cached): the coming events and
deadlines and the latest past ones (``calendar_entries``, bounded). Dates keep
their precision:
a day is an all-day event, a time with its time zone is a timed event, a month or a
year is an all-day event over the whole period marked "free" (TRANSP:TRANSPARENT) so
it does not block anyone's calendar.
"""

import datetime
import zoneinfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from negotiations.dates import DatePrecision
from negotiations.models import EntryType
from negotiations.reader.selectors.next import calendar_entries
from negotiations.reader.selectors.queries import permalink

PRODID = "-//Parley//Negotiation calendar//EN"


def _span(date):
    """(start, end, precise) of an all-day period; the end is exclusive as in RFC 5545.

    A period ending on the last day Python knows (31 December 9999) has no exclusive
    end: it is given without one (a one-day event) rather than overflowing.
    """
    end = date.end + datetime.timedelta(days=1) if date.end < datetime.date.max else None
    return date.start, end, date.precision == DatePrecision.DAY


def _sources_text(entry):
    return "\n".join(
        f"Source: {source.title or source.url} — {source.url}" for source in entry.sources.all()
    )


def _event(entry, url):
    item = entry.as_event
    date = entry.date
    start, end, precise = _span(date)
    if entry.time is not None:
        zone = zoneinfo.ZoneInfo(entry.timezone) if entry.timezone else datetime.UTC
        start, end = datetime.datetime.combine(entry.date_start, entry.time, tzinfo=zone), None
    actors = ", ".join(actor.name for actor in item.actors.all())
    lines = [
        f"{item.get_kind_display()} — {date.human}",
        item.description,
        f"With {actors}" if actors else "",
        _sources_text(entry),
        f"On Parley: {url}",
    ]
    return CalendarEvent.new(
        uid=f"parley-entry-{entry.pk}",
        summary=item.title if precise else f"{item.title} ({date.human})",
        description="\n\n".join(line for line in lines if line),
        start=start,
        end=end,
        url=url,
        stamp=entry.updated_at,
        created=entry.created_at,
        last_modified=entry.updated_at,
        categories=[item.get_kind_display()],
        transparency=None if precise else "TRANSPARENT",
    )


def _deadline(entry, url):
    item = entry.as_expectation
    due = item.due_date
    start, end, precise = _span(due)
    summary = f"Expected: {item.text}"
    lines = [
        f"{item.actor.name} expects: {item.text}",
        f"Stated {entry.date.human}; due {due.human}. {item.progress.label}.",
        item.resolution_note,
        _sources_text(entry),
        f"On Parley: {url}",
    ]
    return CalendarEvent.new(
        uid=f"parley-expectation-{entry.pk}",
        summary=summary if precise else f"{summary} ({due.human})",
        description="\n\n".join(line for line in lines if line),
        start=start,
        end=end,
        url=url,
        stamp=entry.updated_at,
        created=entry.created_at,
        last_modified=entry.updated_at,
        categories=["Expectation deadline"],
        transparency="TRANSPARENT",
    )


def negotiation_calendar(negotiation, *, absolute):
    """The calendar as bytes; ``absolute(path)`` makes a full URL."""
    entries = calendar_entries(negotiation)
    calendar = Calendar.new(
        prodid=PRODID,
        uid=f"parley-negotiation-{negotiation.pk}",
        name=f"{negotiation.title} (Parley)",
        description=negotiation.summary or None,
        url=absolute(negotiation.get_absolute_url()),
        refresh_interval=datetime.timedelta(hours=6),
    )
    for entry in entries:
        url = absolute(permalink(entry))
        if entry.entry_type == EntryType.EVENT:
            calendar.add_component(_event(entry, url))
        elif entry.as_expectation.due_date is not None:
            calendar.add_component(_deadline(entry, url))
    calendar.add_missing_timezones()
    return calendar.to_ical()
