"""API consumer keys: a user with no staff flag, group or permission, and a token.
Such a key reads what anonymous readers read (the API's permissions) and manages its
own webhooks only."""

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import ApiConsumer


def create_api_key(*, name, email=""):
    """Returns (the consumer, its key). The key is not shown again."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=f"api-{name}"[:150], email=email, is_staff=False
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        consumer = ApiConsumer.objects.create(user=user, name=name, email=email)
        token = Token.objects.create(user=user)
    return consumer, token.key
