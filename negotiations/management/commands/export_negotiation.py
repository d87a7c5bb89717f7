from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from negotiations.models import Negotiation
from negotiations.newsroom.exchange import export_json


class Command(BaseCommand):
    help = (
        "Write a negotiation's whole record (actors, sources, phases, entries with their "
        "sources, status histories and corrections) as deterministic JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The negotiation's slug.")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, slug, output=None, **options):
        negotiation = Negotiation.objects.filter(slug=slug).first()
        if negotiation is None:
            known = ", ".join(Negotiation.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"There is no negotiation “{slug}” (known: {known}).")
        text = export_json(negotiation)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error.strerror}.") from None
        self.stderr.write(f"Wrote “{negotiation.title}” to {output}.")
