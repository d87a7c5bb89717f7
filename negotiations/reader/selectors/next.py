""" "What comes next": scheduled events and pending deadlines, and the calendar's entries."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Q,
)
from django.utils import timezone

from negotiations.caching import fragments
from negotiations.models import (
    EntryType,
    Event,
    Expectation,
    ending_on_or_after,
)
from negotiations.reader.selectors.negotiation import pending_expectations
from negotiations.reader.selectors.queries import (
    NEWEST_FIRST,
    TIMELINE_ORDER,
    first,
    picked_ids,
    readable,
    reader_timeline,
)
from negotiations.reader.selectors.timeline import cited_entries

NEXT_LIMIT = 50  # each list of "what comes next"


@dataclass
class NextPage:
    today: datetime.date
    scheduled_events: list
    pending_expectations: list
    open_proposals: tuple | list = ()  # none in the side column (``upcoming``)
    more_events: bool = False
    more_expectations: bool = False
    more_proposals: bool = False
    references: str = ""  # the events' sources, rendered (``coming_next``)


def scheduled(today):
    """Events not over by ``today``: their period (as precise as its date) ends today or
    later (``Event.is_scheduled``, as a condition). Any such period starts this year or
    later, which lets the database start its index walk there."""
    return Q(date_start__gte=today.replace(month=1, day=1)) & ending_on_or_after(today)


CALENDAR_UPCOMING = 100  # events, and deadlines, to come (soonest first)
CALENDAR_RECENT = 30  # and past (the latest)


def calendar_entries(negotiation, today=None):
    """Published events and expectations with a due date for the calendar: the next
    ``CALENDAR_UPCOMING`` and the latest ``CALENDAR_RECENT`` past ones of each, soonest
    first (each part a bounded query of its kind's table)."""
    today = today or timezone.localdate()
    events = Event.objects.visible_to(None).for_negotiation(negotiation)
    deadlines = (
        Expectation.objects.visible_to(None)
        .for_negotiation(negotiation)
        .filter(due_date_start__isnull=False)
    )
    due_by_today = ending_on_or_after(today, prefix="due_")
    parts = [
        events.filter(scheduled(today)).order_by(*TIMELINE_ORDER)[:CALENDAR_UPCOMING],
        events.exclude(scheduled(today)).order_by(*NEWEST_FIRST)[:CALENDAR_RECENT],
        deadlines.filter(due_by_today).order_by("due_date_start", "pk")[:CALENDAR_UPCOMING],
        deadlines.exclude(due_by_today).order_by("-due_date_start", "-pk")[:CALENDAR_RECENT],
    ]
    return reader_timeline(readable(None).filter(pk__in=picked_ids(parts)))


def upcoming(negotiation, user, *, limit):
    """What the side column of a negotiation's pages lists: the soonest scheduled events
    and the pending expectations soonest due, at most ``limit`` of each (two queries; as
    ``coming_next``, without its open proposals)."""
    today = timezone.localdate()
    events = (
        Event.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(scheduled(today))
        .select_related("negotiation")
    )
    events, more_events = first(events, limit)
    expectations, more_expectations = pending_expectations(negotiation, user, today, limit)
    return NextPage(
        today=today,
        scheduled_events=events,
        pending_expectations=expectations,
        more_events=more_events,
        more_expectations=more_expectations,
    )


def coming_next(negotiation, user, *, context, stand):
    """Scheduled events, soonest first (at most ``NEXT_LIMIT``: one keyset query, their
    fragments and sources from the cache, ``cited_entries``), with ``stand``: the pending
    expectations by due date and the open proposals (``standing`` with ``NEXT_LIMIT``)."""
    today = timezone.localdate()
    events = (
        readable(user)
        .for_negotiation(negotiation)
        .filter(Q(entry_type=EntryType.EVENT) & scheduled(today))
    )
    spine, more_events = first(events.values_list(*fragments.SPINE, named=True), NEXT_LIMIT)
    sources, entries = cited_entries(spine, user, context)
    return NextPage(
        today=today,
        scheduled_events=entries(),
        pending_expectations=stand.pending_expectations,
        open_proposals=stand.open_proposals,
        more_events=more_events,
        more_expectations=stand.more_expectations,
        more_proposals=stand.more_proposals,
        references=sources()[0],
    )
