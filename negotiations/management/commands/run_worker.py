"""Run the task worker in the foreground: ``python manage.py run_worker``.

A thin command over the task backend's own worker (django-tasks-db's ``db_worker``),
so this command, the Makefile and the process manager's unit stay when the backend
changes. Before it waits for tasks, it lifts the embargoes that came due while no
worker ran (catch-up after downtime). Options after ``--`` go to the backend's worker.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from negotiations import domain


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
            "--batch",
            action="store_true",
            help="Run the tasks due now, then exit (for tests and cron).",
        )

    def handle(self, *args, interval, batch, verbosity, **options):
        lifted = domain.lift_due_embargoes()
        if lifted:
            self.stdout.write(f"Lifted {lifted} embargoed entries that were due.")
        call_command(
            "db_worker",
            interval=interval,
            batch=batch,
            reload=False,
            startup_delay=False,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
