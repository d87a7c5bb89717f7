import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from negotiations.newsroom.exchange import ExchangeError, import_negotiation, read_export


class Command(BaseCommand):
    help = (
        "Restore a negotiation written by export_negotiation into this database, in one "
        "transaction: all of it, or nothing. Known actors (by slug) and sources (by URL) "
        "are reused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export file, or - for standard input.")

    def handle(self, *args, file, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        try:
            summary = import_negotiation(read_export(text))
        except (ExchangeError, PermissionDenied) as error:
            raise CommandError(f"Nothing was imported. {error}") from None
        negotiation = summary["negotiation"]
        self.stdout.write(
            f"Imported “{negotiation.title}” ({negotiation.slug}): {summary['entries']} entries, "
            f"{summary['corrections']} corrections, {summary['sources']} sources, "
            f"{summary['actors']} actors ({summary['new_actors']} new)."
        )
