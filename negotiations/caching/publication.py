"""A publication as an event: once it commits, the task worker builds what the
negotiation's pages share and its latest timeline page, then the edge is purged.

A reader event moves its negotiations' reader versions in the transaction of the change
(``domain.events.record_events``), which calls ``moved``. In this order:

1. in the transaction: the cached versions are forgotten (``reader_versions.forget``);
2. once it commits: the new versions are set in the shared cache
   (``reader_versions.publish``), and the task ``build_then_purge`` is enqueued;
3. the task worker builds, under the new version, what every page of each negotiation
   shares — the negotiation itself, the side column's reads (key developments, earlier
   states of play, what comes next), the timeline's header, its panels (where things
   stand, the amounts pictures, the latest corrections, the phases) and the filter's
   actors — then the timeline's latest page, the address readers open (its new entries'
   fragments, its sources, its lanes picture, its filter form), through the functions the
   pages call (``reader.views``), so it fills the very keys a reader's first read looks
   for (``reader_http.shared``, ``fragments``);
4. then it enqueues the edge purge (``edge.purge``).

A reader of the latest timeline page arriving after the purge then pays what a steady
read pays and the storing of the response; one of another page, filter or cursor, only
what is its own (``bench/README.md``, "The first read after a publication").

The purge waits for the build, never longer than ``BUILD_SECONDS`` and one part more: each
part starts only before that deadline, its statements are stopped by PostgreSQL past it
(``_at_most``), and a part that fails is logged and skipped. If the task cannot be
enqueued, the purge is enqueued at once.

The race: a reader between the commit and the end of the build (the edge's copies are
not purged yet, so one that reaches an app server: a signed-in reader, an edge miss, no
edge at all) finds the new version in the cache and not yet what the worker builds: it
builds what it needs itself, as before this task (its read costs what a first read
cost: ``bench/README.md``), and keeps it under the same keys, where the worker then finds
it (``shared`` reads before it builds). Before the commit, readers read the old version
and its keys, which stay right until then.

Only with a shared cache (Redis; in the tests, the one process's memory): without one,
each process keeps its own pages (the worker's would help nobody), and the purge is
enqueued at once, as the versions are read from the database.
"""

import contextlib
import logging
import time

from django.db import connection, transaction
from django.tasks import task

from negotiations.caching import edge, reader_versions
from negotiations.caching.reader_http import keep_for_readers
from negotiations.models import Negotiation
from negotiations.reader import views

logger = logging.getLogger(__name__)

# How long the edge purge may wait for the build (a build takes 50–150 ms on the bench's
# 100,000 entries).
BUILD_SECONDS = 2.0


def moved(negotiation_ids, *, purge_keys):
    """The reader versions of ``negotiation_ids`` move in the current transaction: forget
    them now; once it commits, set them, build their pages' shared parts, purge
    ``purge_keys`` at the edge (see above)."""
    ids = sorted(negotiation_ids)
    if not ids or not reader_versions.is_shared():
        transaction.on_commit(lambda: edge.purge(purge_keys))
        return
    reader_versions.forget(ids)
    transaction.on_commit(lambda: _committed(ids, list(purge_keys)))


def _committed(ids, purge_keys):
    """Step 2: the new versions in the cache, then the build (and after it the purge)
    enqueued; the purge ``VERSION_SECONDS`` later if the versions could not be set."""
    delay = 0 if reader_versions.publish(ids) else reader_versions.VERSION_SECONDS
    try:
        build_then_purge.enqueue(ids, purge_keys, delay)
    except Exception:
        # The write it follows has committed: the readers build it themselves.
        logger.exception("Could not enqueue the build of the pages of %s", ids)
        edge.purge(purge_keys, delay=delay)


@task
def build_then_purge(negotiation_ids, purge_keys, purge_delay=0):
    """Build the shared parts of each negotiation's pages under its current reader
    version until ``BUILD_SECONDS`` have passed, then purge ``purge_keys`` at the edge
    (``purge_delay`` seconds later), whatever the build did. Returns the parts built."""
    deadline = time.monotonic() + BUILD_SECONDS
    built = 0
    try:
        for negotiation_id in negotiation_ids:
            for part in _shared_parts(negotiation_id):
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
    finally:
        edge.purge(purge_keys, delay=purge_delay)


def _shared_parts(negotiation_id):
    """What every reader's first read of the negotiation's timeline needs, each a call the
    pages make themselves, as an anonymous reader (``None``): first what all its pages
    share, last the timeline's latest page (its new entries, sources, lanes, filters)."""
    negotiation = Negotiation.objects.filter(pk=negotiation_id).first()
    if negotiation is None:  # deleted
        return
    yield lambda: keep_for_readers(negotiation)
    yield lambda: views.negotiation_header(negotiation, None, current="timeline")
    yield lambda: views.timeline_panels(negotiation, None)
    yield lambda: views.offered_actors(negotiation, None)
    yield lambda: views.latest_page(negotiation, None)


@contextlib.contextmanager
def _at_most(seconds):
    """A transaction whose statements PostgreSQL stops after ``seconds``."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
        yield
