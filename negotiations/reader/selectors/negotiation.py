"""A negotiation as readers see it: state of play, key developments, where things stand."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    Max,
    Sum,
)
from django.http import Http404
from django.utils import timezone

from negotiations.models import (
    Entry,
    EntryType,
    Expectation,
    Negotiation,
)
from negotiations.reader.selectors.entries import proposals_with_status, trails_of
from negotiations.reader.selectors.queries import NEWEST_FIRST, latest, readable

STANDING_LIMIT = 10  # open proposals / pending expectations in "where things stand"
EXPECTATIONS_READ = 50  # pending expectations read (the latest stated), then by due date
DEVELOPMENTS_LIMIT = 5  # key developments beside the state of play
STATE_OF_PLAY_HISTORY = 20  # earlier states of play listed


def site_stamp(*, count=False):
    """What every page across negotiations is validated by (home, actors): the sum of
    the reader versions (which grows with every reader event anywhere), the latest
    reader change and (``count``) how many negotiations there are, in one query."""
    totals = {"versions": Sum("reader_version"), "changed": Max("reader_changed_at")}
    if count:
        totals["count"] = Count("pk")
    return Negotiation.objects.aggregate(**totals)


def negotiation_for_reader(slug):
    """The negotiation with what its ETag needs (its reader version), in one query
    (404 when unknown)."""
    try:
        return Negotiation.objects.get(slug=slug)
    except Negotiation.DoesNotExist:
        raise Http404("No negotiation at this address.") from None


def key_developments(negotiation, user):
    """The ``DEVELOPMENTS_LIMIT`` latest key developments readers may see, newest first
    (``EntryQuerySet.developments``), with what their lines show (``with_headlines``).
    Two queries, ids then entries: the one query joining both took PostgreSQL 40–60 ms
    to plan on the bench record."""
    developments = readable(user).for_negotiation(negotiation).developments()
    ids = list(developments.values_list("pk", flat=True)[:DEVELOPMENTS_LIMIT])
    if not ids:
        return []
    found = Entry.objects.filter(pk__in=ids).with_headlines().in_bulk()
    return [found[pk] for pk in ids if pk in found]


def state_of_play_history(negotiation):
    """The states of play written before the current one, newest first, each with when
    it was written: from the negotiation's history, one row per version of the text
    (one query over the latest dated versions)."""
    limit = STATE_OF_PLAY_HISTORY
    versions = (
        negotiation.history.filter(state_of_play_updated_at__isnull=False)
        .exclude(state_of_play_updated_at=negotiation.state_of_play_updated_at)
        .order_by("-state_of_play_updated_at", "-history_id")
        .values("state_of_play", "state_of_play_updated_at")
        .distinct()
    )
    return [version for version in versions[: limit * 4] if version["state_of_play"]][:limit]


@dataclass
class Standing:
    open_proposals: list
    pending_expectations: list
    more_proposals: bool = False  # more open proposals than shown
    more_expectations: bool = False

    @property
    def is_empty(self):
        return not self.open_proposals and not self.pending_expectations


def pending_expectations(negotiation, user, today, limit):
    """Pending expectations by due date (undated last), each with ``progress_today``
    (pending, or overdue once the due period has ended); and whether there are more.

    Chosen among the latest ``EXPECTATIONS_READ`` pending ones stated (an index walk
    along the timeline): due dates are not indexed, and an expectation stated long
    ago and never resolved is rarely what a reader waits for. One query, which reads
    whole only the ``limit`` it keeps (with the one after, which says there are more).
    """
    stated = (
        Expectation.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(outcome=Expectation.Outcome.PENDING)
        .order_by(*NEWEST_FIRST)
        .values("pk")[: max(limit, EXPECTATIONS_READ) + 1]
    )
    soonest = list(
        Expectation.objects.filter(pk__in=stated)
        .select_related("actor", "negotiation")
        .order_by(F("due_date_start").asc(nulls_last=True), "date_start", "sequence", "pk")[
            : limit + 1
        ]
    )
    for expectation in soonest:
        expectation.progress_today = expectation.progress_on(today)
    return soonest[:limit], len(soonest) > limit


def open_proposals(negotiation, user, limit):
    """The latest ``limit`` readable proposals still on the table, with ``current_status``:
    found by walking the entries newest first until ``limit`` are open. The walk reads the
    entries' table alone: with the proposals' table in it, PostgreSQL may filter every
    proposal's status first (a scan of them all, then the join)."""
    walked = (
        readable(user)
        .for_negotiation(negotiation)
        .filter(entry_type=EntryType.PROPOSAL)
        .with_status(user)
        .open()
        .order_by(*NEWEST_FIRST)
        .values("pk")[:limit]
    )
    return proposals_with_status(negotiation, user).filter(pk__in=walked)


def standing(negotiation, user, *, today=None, limit=None):
    """Where things stand: the latest open proposals with their status and since when
    (``open_proposals``), the pending expectations soonest due (three queries)."""
    limit = limit or STANDING_LIMIT
    proposals, more_proposals = latest(open_proposals(negotiation, user, limit + 1), limit)
    trails = trails_of({proposal.pk for proposal in proposals}, user)
    for proposal in proposals:
        trail = trails.get(proposal.pk, [])
        proposal.status_since = trail[-1].date if trail else None
    today = today or timezone.localdate()
    expectations, more_expectations = pending_expectations(negotiation, user, today, limit)
    return Standing(
        open_proposals=proposals,
        pending_expectations=expectations,
        more_proposals=more_proposals,
        more_expectations=more_expectations,
    )
