""" "What changed": entries and record changes since a moment."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from negotiations.dates import PartialDate
from negotiations.models import (
    Correction,
    Entry,
    EntryType,
    ReaderEvent,
)
from negotiations.reader.selectors.queries import NEWEST_FIRST, cut, readable

CHANGES_LIMIT = 100  # "what changed": items (and corrections) newest first


@dataclass
class RecordedChange:
    """One line of "added to the record since"."""

    entry: Entry
    action: str
    at: datetime.datetime
    note: str = ""

    @property
    def label(self):
        return self.action.capitalize()


@dataclass
class ChangesPage:
    since: datetime.date
    happened: list  # entries dated in or after ``since``, newest first by their date
    recorded: list  # RecordedChange, newest first by when readers saw the change
    more_happened: bool = False  # more than shown (the latest are shown)
    more_recorded: bool = False

    @property
    def is_empty(self):
        return not (self.happened or self.recorded)


def appeared_at(entry):
    """When the entry appeared: its publish time, or when it was logged (a draft published
    later reads as newly published among the updated ones)."""
    if entry.publish_at and entry.publish_at > entry.created_at:
        return entry.publish_at
    return entry.created_at


def happened_since(negotiation, user, since):
    """What happened in or after the day ``since`` (a date): the readable entries whose
    period reaches it — the timeline's own date filter (``matching``), so "February
    2025" is among what happened since 20 February — newest first; and whether there
    are more than ``CHANGES_LIMIT``."""
    limit = CHANGES_LIMIT
    found = readable(user).for_negotiation(negotiation).matching(start=PartialDate(since))
    return cut(found.timeline(listed_actors=False).order_by(*NEWEST_FIRST), limit)


RECORDED_ACTIONS = {
    ReaderEvent.Action.PUBLISHED: "added",
    ReaderEvent.Action.UPDATED: "updated",
    ReaderEvent.Action.CORRECTED: "corrected",
}


def recorded_since(negotiation, user, moment):
    """What was added to the record (or updated, or corrected) from ``moment`` on, from
    the reader events: one line per entry readers see now, at its latest change, newest
    first ("added" when it became visible in the period, whatever followed); and whether
    there are more than ``CHANGES_LIMIT``. Reads at most five times as many events, newest first."""
    limit = CHANGES_LIMIT
    events = (
        ReaderEvent.objects.filter(
            negotiation=negotiation,
            at__gte=moment,
            record_type__in=EntryType.values,
            action__in=list(RECORDED_ACTIONS),
        )
        .order_by("-at", "-pk")
        .values_list("record_id", "action", "at")[: 5 * limit]
    )
    latest = {}
    for record_id, action, at in events:
        change = latest.setdefault(record_id, {"action": RECORDED_ACTIONS[action], "at": at})
        if action == ReaderEvent.Action.PUBLISHED:
            change["action"] = "added"
    entries = {
        entry.pk: entry
        for entry in readable(user).filter(pk__in=list(latest)).timeline(listed_actors=False)
    }
    corrected = [pk for pk in entries if latest[pk]["action"] == "corrected"]
    notes = dict(
        Correction.objects.filter(entry_id__in=corrected, made_at__gte=moment)
        .order_by("made_at", "pk")
        .values_list("entry_id", "note")
    )
    changes = [
        RecordedChange(entry=entries[pk], note=notes.get(pk, ""), **latest[pk])
        for pk in latest
        if pk in entries
    ]
    return changes[:limit], len(changes) > limit


def changes_since(negotiation, user, since):
    """What changed since the day ``since``: by the date of the development
    (``happened_since``) and, separately, by when it reached the record
    (``recorded_since``, from the start of that day)."""
    moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    happened, more_happened = happened_since(negotiation, user, since)
    recorded, more_recorded = recorded_since(negotiation, user, moment)
    return ChangesPage(
        since=since,
        happened=happened,
        recorded=recorded,
        more_happened=more_happened,
        more_recorded=more_recorded,
    )
