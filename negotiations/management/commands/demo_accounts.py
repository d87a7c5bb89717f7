from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from negotiations.roles import EDITORS, JOURNALISTS

DEMO_PASSWORD = "parley-demo"
DEMO_ACCOUNTS = [
    ("admin", None, {"is_staff": True, "is_superuser": True}),
    ("editor", EDITORS, {"is_staff": True}),
    ("journalist", JOURNALISTS, {"is_staff": True}),
]


class Command(BaseCommand):
    help = "Create local demo accounts (admin, editor, journalist) with a known password."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have a published password: they are only created when DEBUG is on."
            )
        User = get_user_model()
        for username, group, flags in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username, defaults=flags)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                if group:
                    user.groups.add(Group.objects.get(name=group))
        self.stdout.write(
            "Sign in to the admin at http://127.0.0.1:8000/admin/ as "
            f"admin, editor or journalist, password “{DEMO_PASSWORD}”."
        )
