"""Run the task worker in the foreground: ``python manage.py run_worker``.

A thin command over the task backend's own worker (django-tasks-db's ``db_worker``),
so this command, the Makefile and the process manager's unit stay when the backend
changes. Before it waits for tasks, it catches up after downtime: it lifts the
embargoes that came due while no worker ran, records the expectations that lapsed,
and resumes the fan-out of alerts and webhooks a stopped or killed worker left
(``following.tasks.resume``); and it enqueues the build of readers' first pages, whose
keys a new release names anew (``caching.publication.build_the_day``, which then runs
again after each midnight).

It processes the ``default`` queue (publication) and the ``follow`` queue (alerts and
webhooks, at a lower priority); ``--queue-name`` picks others, e.g. a second worker
for ``follow`` alone so slow webhook receivers never hold up publication.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from following import tasks as following_tasks
from negotiations.caching.publication import build_the_day
from negotiations.domain.embargoes import lift_due_embargoes, record_lapsed_expectations


class Command(BaseCommand):
    help = "Run the background task worker (lifts embargoes at their time)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Seconds between looks for due tasks when idle (default: 0.5).",
        )
        parser.add_argument(
            "--queue-name",
            default="default,follow",
            help="The queues to process, comma-separated (default: default,follow).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks due now, then exit (for tests and cron).",
        )

    def handle(self, *args, interval, batch, queue_name, verbosity, **options):
        lifted = lift_due_embargoes()
        if lifted:
            self.stdout.write(f"Lifted {lifted} embargoed entries that were due.")
        lapsed = record_lapsed_expectations()
        if lapsed:
            self.stdout.write(f"Recorded {lapsed} expectations that lapsed.")
        if "default" in queue_name.split(",") or queue_name == "*":
            # Readers' first pages of the day, and of this release (new keys): built here.
            build_the_day.enqueue()
        if "follow" in queue_name.split(",") or queue_name == "*":
            unplanned = following_tasks.resume()
            if unplanned:
                self.stdout.write(f"Resumed the fan-out of {unplanned} reader events.")
        call_command(
            "db_worker",
            queue_name=queue_name,
            interval=interval,
            batch=batch,
            reload=False,
            startup_delay=False,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
