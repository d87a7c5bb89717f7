"""Every error under /api/ is JSON — 404, 405, 500 and refusals before any view — while the
rest of the site, and the interactive docs, stay HTML."""

from unittest import mock

import pytest
from django.test import Client

from tests import factories
from tests.api.conftest import API

JSON = "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "nothing/",  # no route at all
        "nothing",
        "statements/talks/",  # entries have no slugs: no route
        "statements/99999/",
        "negotiations/nothing/",
        "actors/1/timeline/",
    ],
)
def test_not_found_under_the_api_is_json(anon, db, path):
    response = anon.get(f"{API}{path}", follow=True)
    assert response.status_code == 404
    assert response["Content-Type"] == JSON
    assert set(response.json()) == {"detail"}


def test_an_address_no_route_matches_says_not_found(anon, db):
    response = anon.get("/api/v2/negotiations/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_the_rest_of_the_site_keeps_its_html_404(client, db):
    response = client.get("/negotiations/nothing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "redoc/"),
        ("post", "negotiations/1/timeline/"),
        ("put", "actors/"),
        ("post", "docs/"),
        ("post", "schema/"),
    ],
)
def test_a_method_not_allowed_is_json(as_editor, method, path):
    factories.NegotiationFactory(pk=1)
    response = getattr(as_editor, method)(f"{API}{path}")
    assert response.status_code == 405
    assert response["Content-Type"] == JSON
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}


def test_a_server_error_is_json(db):
    client = Client(raise_request_exception=False)
    with mock.patch(
        "negotiations.api.views.ActorViewSet.list", side_effect=RuntimeError("a bug"), create=True
    ):
        response = client.get(f"{API}actors/")
    assert response.status_code == 500
    assert response["Content-Type"] == JSON
    assert response.json() == {
        "detail": "A server error occurred: it has been logged. Please try again."
    }
    assert b"a bug" not in response.content


def test_a_nul_in_the_query_is_a_json_400(anon, db):
    response = anon.get(f"{API}negotiations/?q=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": "Query parameters cannot contain NUL characters."}


def test_the_interactive_docs_stay_html(anon, db):
    response = anon.get(f"{API}docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
