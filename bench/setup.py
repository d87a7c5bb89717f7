"""Prepare what the load needs and print it as JSON: ids, a journalist's, an editor's and a
signed-in reader's tokens, the reader's and the editor's session cookies, a static URL."""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.bench")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.staticfiles.storage import staticfiles_storage  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from negotiations.models import Actor, Entry, Negotiation  # noqa: E402
from negotiations.roles import EDITORS, JOURNALISTS  # noqa: E402

negotiation = Negotiation.objects.get(slug="bench-large")
actor = Actor.objects.order_by("pk").first()  # the writes' speaker; a party with its page
user, _ = get_user_model().objects.get_or_create(username="bench-journalist", is_staff=True)
user.groups.add(Group.objects.get(name=JOURNALISTS))
token, _ = Token.objects.get_or_create(user=user)
editor, _ = get_user_model().objects.get_or_create(username="bench-editor", is_staff=True)
editor.groups.add(Group.objects.get(name=EDITORS))
editor_token, _ = Token.objects.get_or_create(user=editor)
# A reader with an account (following by email): no role, so no previews.
reader, _ = get_user_model().objects.get_or_create(username="bench-reader")
reader_token, _ = Token.objects.get_or_create(user=reader)


def session_cookie(user):
    """``user`` signed in to the site: a session in the settings' session store."""
    browser = Client()
    browser.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


print(
    json.dumps(
        {
            "negotiation_id": negotiation.pk,
            "slug": negotiation.slug,
            "actor_id": actor.pk,
            "actor_slug": actor.slug,
            "token": token.key,
            "reader_token": reader_token.key,
            "reader_cookie": session_cookie(reader),
            "editor_token": editor_token.key,
            "editor_cookie": session_cookie(editor),
            "static_url": staticfiles_storage.url("admin/css/base.css"),
            "entries": Entry.objects.filter(negotiation=negotiation).count(),
        }
    )
)
