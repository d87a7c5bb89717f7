"""``python manage.py create_api_key NAME [--email ADDRESS]``: an API consumer key,
without newsroom rights. Prints the key once."""

from django.core.management.base import BaseCommand, CommandError

from following.consumers import create_api_key
from following.models import ApiConsumer


class Command(BaseCommand):
    help = "Create an API consumer key (reads like an anonymous reader, manages its webhooks)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--email", default="", help="Told when one of its webhooks is disabled."
        )

    def handle(self, *args, name, email, **options):
        if ApiConsumer.objects.filter(name=name).exists():
            raise CommandError(f"An API consumer named {name!r} exists already.")
        _, key = create_api_key(name=name, email=email)
        self.stdout.write(key)
