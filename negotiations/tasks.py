"""Background tasks (Django's tasks framework; the backend is in ``TASKS``).

A scheduled publication is a task at its time, not a comparison with the clock on
every read: ``lift_embargoes`` runs at an embargo's ``publish_at`` and makes what is
due live, with its reader events (``lift_due_embargoes``). Late is safe (the
entry stays hidden; ``/readyz`` reports the lag), early never happens.
"""

import logging

from django.tasks import task

from negotiations.domain import embargoes

logger = logging.getLogger(__name__)


@task
def lift_embargoes():
    """Make live every embargo that came due; returns how many entries it made live.
    Idempotent: a second run finds nothing to do."""
    return embargoes.lift_due_embargoes()


def schedule_embargo_lift(publish_at):
    """Enqueue ``lift_embargoes`` to run at ``publish_at``. A failure to enqueue is
    logged, not raised: the write it follows has committed, and the worker lifts what
    is due when it starts (``manage.py run_worker``)."""
    try:
        lift_embargoes.using(run_after=publish_at).enqueue()
    except Exception:
        logger.exception("Could not schedule the embargo lifting at %s", publish_at)


@task
def record_lapsed_expectations():
    """Record the ``overdue`` event of each expectation whose due period ended with no
    outcome; returns how many. Idempotent."""
    return embargoes.record_lapsed_expectations()


def schedule_lapse_check(at):
    """Enqueue ``record_lapsed_expectations`` at ``at`` (an expectation lapses then);
    like ``schedule_embargo_lift``, a failure is logged and the worker catches up."""
    try:
        record_lapsed_expectations.using(run_after=at).enqueue()
    except Exception:
        logger.exception("Could not schedule the lapse check at %s", at)
