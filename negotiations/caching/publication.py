"""A publication as an event: once it commits, the process that wrote it builds what the
negotiation's pages share and its latest timeline page under the new reader version, and
only then sets that version in the shared cache and purges the edge; the task worker then
builds what its other outputs read. The steps, their order and the race with readers:
docs/architecture.md, "How a publication flows". The worker builds the same for every
negotiation as each day starts and as a release starts, whose keys are new
(``build_the_day``).
"""

import contextlib
import contextvars
import datetime
import logging
import time

from django.core.cache import caches
from django.db import connection, transaction
from django.tasks import task

from negotiations.caching import edge, fragments, previews, reader_versions
from negotiations.caching.reader_http import keep_for_readers
from negotiations.models import Negotiation
from negotiations.reader import exports, feeds, views
from negotiations.reader.selectors.syndicated import latest_published

logger = logging.getLogger(__name__)

# How long a build may take (50–150 ms on the bench's 100,000 entries): the write's
# response waits for it, and the announcement of its new versions too.
BUILD_SECONDS = 2.0


def moved(negotiation_ids, *, purge_keys):
    """The reader versions of ``negotiation_ids`` are about to move in the current
    transaction: forget them now; once it commits, put back the old ones, build, set the
    new ones, purge ``purge_keys`` at the edge. Without a shared cache nothing is built:
    the purge goes at once. Inside ``together()``, added to its one step. Previews are
    stored under the reader version too: the worker builds them again (``previews``), as
    after a write the signals see (not this one, when it is an embargo's lift)."""
    previews.after_write()
    step = _gathering.get()
    if step is not None:
        step.add(negotiation_ids, purge_keys)
        return
    _on_commit(_Step(negotiation_ids, purge_keys))


# The step of the innermost ``together()`` block (None outside one).
_gathering = contextvars.ContextVar("parley_publications", default=None)


@contextlib.contextmanager
def together():
    """An atomic block whose writes are published as one: once it commits (with the
    transaction around it, if any), one build of each negotiation they moved and one
    purge, where each write would run its own (a bulk publication in the admin, an
    import: each step builds a negotiation's pages). Rolled back, nothing."""
    step = _Step((), ())
    gathering = _gathering.set(step)
    try:
        with transaction.atomic():
            yield
            _on_commit(step)
    finally:
        _gathering.reset(gathering)


class _Step:
    """What a commit publishes: the negotiations whose reader versions moved, the versions
    readers had before (``reader_versions.forget``) and the edge keys to purge."""

    def __init__(self, negotiation_ids, purge_keys):
        self.ids, self.purge_keys, self.held = set(), {}, {}  # the keys in their order
        self.add(negotiation_ids, purge_keys)

    def add(self, negotiation_ids, purge_keys):
        """A write moves ``negotiation_ids``: what readers had is forgotten now (once per
        negotiation: a later write would read this transaction's own version)."""
        new = set(negotiation_ids) - self.ids
        if new and reader_versions.is_shared():
            self.held |= reader_versions.forget(sorted(new))
        self.ids |= new
        self.purge_keys |= dict.fromkeys(purge_keys)


def _on_commit(step):
    ids, purge_keys = sorted(step.ids), list(step.purge_keys)
    if not ids and not purge_keys:
        return
    if not ids or not reader_versions.is_shared():
        transaction.on_commit(lambda: edge.purge(purge_keys))
    else:
        transaction.on_commit(lambda: _committed(ids, purge_keys, step.held))


def _committed(ids, purge_keys, held):
    """In the process that made the write, before its response: the versions readers had
    before it put back (``held``), which they keep during the build; what the negotiations'
    pages share, built under their new versions (``BUILD_SECONDS`` at most); then the new
    versions in the shared cache, so that a reader who finds them finds their pages built;
    then the edge purge (``VERSION_SECONDS`` later if the versions could not be set), and
    the other outputs left to the task worker. Never raises: the write has committed."""
    try:
        reader_versions.put_back(held)
        _build(ids, time.monotonic() + BUILD_SECONDS, _shared_parts)
    except Exception:
        # Readers build what is missing themselves.
        logger.exception("Could not build the pages of %s", ids)
    delay = 0 if reader_versions.publish(ids) else reader_versions.VERSION_SECONDS
    edge.purge(purge_keys, delay=delay)
    try:
        build_other_outputs.enqueue(ids)
    except Exception:
        logger.exception("Could not enqueue the build of the other outputs of %s", ids)


@task
def build_other_outputs(negotiation_ids):
    """What the other outputs of each negotiation read that a publication changes
    (``BUILD_SECONDS`` at most, a part that fails logged and skipped), built by the task
    worker: not to hold the write's response. Returns the parts built."""
    return _build(negotiation_ids, time.monotonic() + BUILD_SECONDS, _later_parts)


# The day's build runs this long after midnight (the keys of the new day are then named).
DAY_BUILD_DELAY = datetime.timedelta(seconds=5)
# Each negotiation's part of it waits for what a write or a reader waits for on the same
# worker (a publication's purge and other outputs at 0, the followers' fan-out at -10).
DAY_BUILD_PRIORITY = -20


@task
def build_the_day():
    """Enqueue, for every negotiation, the build of what a publication's build builds
    (``build_the_day_of``, one task each at ``DAY_BUILD_PRIORITY``: a publication's purge
    enqueued meanwhile runs before the negotiations still waiting, not after all of them),
    once per day and release (the keys' ``fragments.context``), so that no reader builds a
    whole page as a day or a release starts; and schedule the next day's run. Enqueued by
    ``manage.py run_worker`` as it starts. Returns how many it enqueued."""
    if not reader_versions.is_shared():
        return 0
    _schedule_the_next_day()
    if not _first_to_claim(f"parley:day-built:{fragments.context()}"):
        return 0  # built today under this release: by another worker, or before a restart
    ids = list(Negotiation.objects.order_by("pk").values_list("pk", flat=True))
    day = build_the_day_of.using(priority=DAY_BUILD_PRIORITY)
    for negotiation_id in ids:
        day.enqueue(negotiation_id)
    return len(ids)


@task
def build_the_day_of(negotiation_id):
    """A negotiation's part of the day's build: ``BUILD_SECONDS`` at most for what its
    pages share, as much for its other outputs. Returns the parts built."""
    return sum(
        _build([negotiation_id], time.monotonic() + BUILD_SECONDS, parts)
        for parts in (_shared_parts, _later_parts)
    )


def _schedule_the_next_day():
    """``build_the_day`` just after the next midnight, enqueued once whoever asks."""
    midnight = fragments.next_midnight()
    key = f"parley:day-build-scheduled:{midnight.isoformat()}"
    if not _first_to_claim(key):
        return
    try:
        build_the_day.using(run_after=midnight + DAY_BUILD_DELAY).enqueue()
    except Exception:
        caches[reader_versions.ALIAS].delete(key)  # the worker's next start schedules it
        logger.exception("Could not schedule the build of %s", midnight.date())


def _first_to_claim(key):
    """Whether this call is the first to claim ``key`` (in the shared cache until the day
    ends: a later day has keys of its own)."""
    return caches[reader_versions.ALIAS].add(key, True, fragments.until_midnight() + 3600)


def _build(negotiation_ids, deadline, parts):
    """Build the ``parts`` of each negotiation (a generator of calls, given its id) until
    ``deadline`` (a part that fails is logged and skipped). Returns the parts built."""
    built = 0
    for negotiation_id in negotiation_ids:
        for part in parts(negotiation_id):
            left = deadline - time.monotonic()
            if left <= 0:
                logger.warning("Stopped building the pages of %s: out of time", negotiation_id)
                return built
            try:
                with _at_most(left):
                    part()
                built += 1
            except Exception:
                logger.exception("Could not build a part of the pages of %s", negotiation_id)
    return built


def _shared_parts(negotiation_id):
    """What a reader's first read of the negotiation's timeline needs, each a call the pages
    make themselves as an anonymous reader (``None``), the latest page last."""
    negotiation = Negotiation.objects.filter(pk=negotiation_id).first()
    if negotiation is None:  # deleted
        return
    yield lambda: keep_for_readers(negotiation)
    yield lambda: views.negotiation_header(
        negotiation,
        None,
        parties=views.negotiation_parties(negotiation, None),
        current="timeline",
    )
    yield lambda: views.timeline_panels(negotiation, None)
    yield lambda: views.offered_actors(negotiation, None)
    yield lambda: views.latest_page(negotiation, None)


def _later_parts(negotiation_id):
    """What its other outputs read that a publication changes: what "what comes next"
    lists besides its events, the entries of its feed and of its TimelineJS export."""
    negotiation = Negotiation.objects.filter(pk=negotiation_id).first()
    if negotiation is None:
        return
    yield lambda: views.next_standing(negotiation, None)
    yield lambda: feeds.negotiation_entries(negotiation)
    yield lambda: latest_published(negotiation, exports.EXPORT_SIZE)


@contextlib.contextmanager
def _at_most(seconds):
    """A transaction whose statements PostgreSQL stops after ``seconds``. Inside another
    transaction (a savepoint), the timeout it had is set back on the way out: ``SET LOCAL``
    would otherwise last until the outer one ends."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            [(before,)] = cursor.fetchall()
            cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
