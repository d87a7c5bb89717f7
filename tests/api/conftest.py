import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

API = "/api/v1/"


@pytest.fixture(autouse=True)
def _nothing_stored():
    """Responses are kept in the cache under their validators: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def client_for(user=None):
    """A client signed in as real clients are, with a token (anonymous without a user)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon():
    return client_for()


@pytest.fixture
def reader(db):
    """Signed in, but in no newsroom role."""
    return factories.UserFactory(username="reader")


@pytest.fixture
def as_journalist(journalist):
    return client_for(journalist)


@pytest.fixture
def as_editor(editor):
    return client_for(editor)


@pytest.fixture
def as_superuser(superuser):
    return client_for(superuser)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def read_all(client, url):
    """Every item of a paginated list, following ``next``."""
    items = []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        items += page.json()["results"]
        url = page.json()["next"]
    return items


def if_match(record):
    """The precondition a PUT, PATCH or DELETE of an existing record needs (428 without):
    ``If-Match`` with its current version, as a client that read it sends."""
    version = type(record)._base_manager.values_list("version", flat=True).get(pk=record.pk)
    return {"HTTP_IF_MATCH": f'"{version}"'}
