from django.core.management.base import BaseCommand

from negotiations.newsroom.demo import NEGOTIATION_SLUG, load_demo


class Command(BaseCommand):
    help = "Load the seed story (AP, 25 February 2025) as demo data. Safe to run again."

    def handle(self, *args, **options):
        created = load_demo()
        if created:
            self.stdout.write(
                f"Loaded the demo negotiation “{NEGOTIATION_SLUG}”: {created} records."
            )
        else:
            self.stdout.write("The demo data is already loaded; nothing changed.")
