"""Embargoes and lapses: scheduled publications, and expectations whose deadline passed."""

import datetime

from django.db import connections, transaction
from django.utils import timezone

from negotiations.domain.events import ReaderWatch, _event, record_events
from negotiations.models import (
    Entry,
    EntryType,
    Expectation,
    PublicationState,
    ReaderEvent,
)


def _live_since(entry, now):
    """When readers could first see the entry as it is now saved: kept while it stays
    live, now when it goes live, None while it is not published or embargoed."""
    if entry.state != PublicationState.PUBLISHED:
        return None
    if entry.publish_at is not None and entry.publish_at > now:
        return None
    if entry._state.adding:
        return now
    stored = Entry._base_manager.filter(pk=entry.pk, state=PublicationState.PUBLISHED)
    return stored.values_list("live_since", flat=True).first() or now


def _schedule_lift(entry):
    """An embargoed entry is made live by a task at its publish time, once the
    transaction that set it commits."""
    if entry.state != PublicationState.PUBLISHED or entry.live_since is not None:
        return
    if entry.publish_at is None:
        return
    from negotiations.tasks import schedule_embargo_lift

    transaction.on_commit(lambda at=entry.publish_at: schedule_embargo_lift(at))


LIFT_BATCH = 100


def lift_due_embargoes(*, now=None):
    """Make live the published entries whose publish time came (``live_since``), with
    their events and reader versions, a short transaction per batch. Idempotent, and
    safe to run in several processes at once: a row another run holds is skipped
    (PostgreSQL), and on SQLite each transaction takes the write lock when it begins.
    Returns how many entries it made live."""
    lifted = 0
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            due = Entry.objects.embargo_due(at=at).order_by("publish_at", "pk")
            if connections[due.db].features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            ids = list(due.values_list("pk", flat=True)[:LIFT_BATCH])
            if not ids:
                return lifted
            watch = ReaderWatch(ids)
            Entry.objects.filter(pk__in=ids, live_since__isnull=True).update(live_since=at)
            watch.record(ids)
        lifted += len(ids)


def _lapses_at(expectation):
    """When a pending expectation lapses (``Expectation.lapses_on``), at midnight UTC
    (the site's time zone); None without a due date or once resolved."""
    day = expectation.lapses_on
    if day is None or expectation.outcome != Expectation.Outcome.PENDING:
        return None
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def _schedule_lapse(entry):
    """A live pending expectation with a due date gets a task at the time it lapses,
    once the transaction commits (``record_lapsed_expectations`` decides then)."""
    if not isinstance(entry, Expectation) or entry.live_since is None:
        return
    at = _lapses_at(entry)
    if at is None or at <= timezone.now() - LAPSE_CATCH_UP:
        return
    from negotiations.tasks import schedule_lapse_check

    transaction.on_commit(lambda at=at: schedule_lapse_check(at))


# Lapses older than this are not news: the worker's catch-up after downtime skips them.
LAPSE_CATCH_UP = datetime.timedelta(days=7)


def record_lapsed_expectations(*, now=None):
    """Record an ``overdue`` reader event for each expectation readers see whose due
    period ended (within ``LAPSE_CATCH_UP``) with no outcome, once per expectation.
    Idempotent; returns how many it recorded."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    candidates = (
        Expectation.objects.published(at=now)
        .filter(
            outcome=Expectation.Outcome.PENDING,
            due_date_start__lt=today,
            due_date_start__gte=today - datetime.timedelta(days=400),
        )
        .exclude(
            pk__in=ReaderEvent.objects.filter(
                record_type=EntryType.EXPECTATION, action=ReaderEvent.Action.OVERDUE
            ).values("record_id")
        )
        .order_by("pk")
    )
    recorded = 0
    for expectation in candidates.iterator():
        lapsed = _lapses_at(expectation)
        if lapsed is None or not (now - LAPSE_CATCH_UP < lapsed <= now):
            continue
        with transaction.atomic():
            # Hold the entry: a concurrent run waits, then finds the event recorded.
            list(Entry.objects.select_for_update().filter(pk=expectation.pk).values("pk"))
            done = ReaderEvent.objects.filter(
                record_type=EntryType.EXPECTATION,
                record_id=expectation.pk,
                action=ReaderEvent.Action.OVERDUE,
            )
            if done.exists():
                continue
            event = _event(
                EntryType.EXPECTATION,
                expectation.pk,
                ReaderEvent.Action.OVERDUE,
                expectation.negotiation_id,
            )
            record_events([event], at=now)
        recorded += 1
    return recorded


def oldest_due_embargo(now=None):
    """The publish time of the oldest embargo due but not lifted yet, or None."""
    due = Entry.objects.embargo_due(at=now).order_by("publish_at")
    return due.values_list("publish_at", flat=True).first()
