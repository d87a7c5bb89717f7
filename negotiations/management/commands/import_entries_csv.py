import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from negotiations.models import Negotiation
from negotiations.newsroom.backfill import COLUMNS, BackfillError, import_entries_csv


class Command(BaseCommand):
    help = (
        "Backfill timeline entries (statements, events, status changes, proposals, "
        "expectations) from a CSV file. Every row is checked; every bad row is reported "
        "by line number; if any row is bad, nothing is imported. Columns: "
        + ", ".join(COLUMNS)
        + " (see negotiations/newsroom/backfill.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A UTF-8 CSV file whose first line names the columns.")
        parser.add_argument(
            "--negotiation", metavar="SLUG", help="The negotiation of rows without one."
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record the entries as this user's (history, rights); default: the system.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, import nothing."
        )

    def handle(self, *args, file, negotiation=None, user=None, dry_run=False, **options):
        default = None
        if negotiation:
            default = Negotiation.objects.filter(slug=negotiation).first()
            if default is None:
                raise CommandError(f"There is no negotiation “{negotiation}”.")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"There is no user “{user}”.")
        try:
            raw = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Could not read {file}: {error.strerror}.") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            raise CommandError(
                f"Nothing was imported. Line {line} of {file} is not UTF-8 text "
                "(save the file as CSV UTF-8)."
            ) from None
        try:
            report = import_entries_csv(
                io.StringIO(text, newline=""), negotiation=default, by=by, dry_run=dry_run
            )
        except BackfillError as error:
            raise CommandError(f"Nothing was imported. {error}") from None
        for line, reason in report.errors:
            self.stderr.write(f"{file}, line {line}: {reason}")
        if report.errors:
            bad = len(report.errors)
            raise CommandError(
                f"{bad} of {report.rows} rows {'is' if bad == 1 else 'are'} bad; "
                "nothing was imported."
            )
        counts = ", ".join(f"{count} × {kind}" for kind, count in sorted(report.created.items()))
        if dry_run:
            self.stdout.write(
                f"All {report.rows} rows are valid ({counts}); dry run, nothing imported."
            )
        else:
            self.stdout.write(f"Imported {report.rows} entries ({counts or 'none'}).")
