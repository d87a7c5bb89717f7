"""Unknown query parameters are a 400 listing the accepted ones: the schema's, exactly."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import IsAuthenticated

from negotiations.api import urls
from tests import factories
from tests.api.conftest import API, results


def for_readers(callback):
    """Not a signed-in consumer's own records (webhooks: tests/following/test_webhooks.py)."""
    return IsAuthenticated not in callback.cls.permission_classes


def get_routes():
    """``(url name, schema path)`` of every GET of the API's viewsets that anonymous
    readers may make (format suffixes aside)."""
    for pattern in urls.urlpatterns:
        actions = getattr(pattern.callback, "actions", None)
        groups = pattern.pattern.regex.groupindex
        if (
            actions
            and "get" in actions
            and "format" not in groups
            and for_readers(pattern.callback)
        ):
            template = (
                str(pattern.pattern).lstrip("^").rstrip("$").replace("(?P<pk>[^/.]+)", "{id}")
            )
            template = template.replace("(?P<pk>[0-9]+)", "{id}")
            yield pattern.name, "pk" in groups, f"/api/v1/{template}"


ROUTES = sorted(get_routes())


@pytest.fixture(scope="module")
def documented():
    """The query parameters the schema documents, by path (GET)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: {p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"}
        for path, operations in schema["paths"].items()
        if "get" in operations
    }


def test_every_list_and_detail_is_walked():
    assert {path for _, _, path in ROUTES} >= {
        "/api/v1/actors/",
        "/api/v1/actors/{id}/",
        "/api/v1/negotiations/{id}/timeline/",
        "/api/v1/changes/",
        "/api/v1/statements/{id}/",
    }
    assert len(ROUTES) == 18  # eight resources, their records, the timeline, changes


@pytest.mark.parametrize(("name", "detail", "path"), ROUTES)
def test_an_unknown_parameter_is_a_400_listing_what_the_schema_documents(
    anon, db, documented, name, detail, path
):
    url = reverse(f"api:{name}", kwargs={"pk": 1} if detail else {})
    response = anon.get(url, {"colour": "blue"})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["colour"]
    [message] = body["colour"]
    sentence, listed = message.split(": ")
    assert sentence == "Unknown query parameter. This endpoint accepts"
    assert set(listed.rstrip(".").split(", ")) == documented[path]


def test_every_documented_parameter_is_accepted(anon, negotiation, documented):
    """What the schema documents works (a valid value of each, one at a time)."""
    values = {
        "actor": "x",  # a 400 naming the filter: accepted, refused for its value
        "affiliation": "x",
        "country": "UA",
        "cursor": None,
        "format": "json",
        "kind": None,
        "key": "true",
        "negotiation": negotiation.slug,
        "ordering": "id",
        "page_size": "2",
        "published": "true",
        "q": "talks",
        "since": "2025",
        "until": "2025",
    }
    for name, detail, path in ROUTES:
        url = reverse(f"api:{name}", kwargs={"pk": negotiation.pk} if detail else {})
        for parameter in documented[path]:
            value = values.get(parameter, "")
            response = anon.get(url, {parameter: value} if value is not None else {})
            assert response.status_code in (200, 400, 404), (url, parameter, response.content)
            if response.status_code == 400:
                [message] = response.json()[parameter]
                assert not message.startswith("Unknown query parameter"), url


def test_the_actor_search_finds_one_not_everyone(anon, db):
    zelenskyy = factories.ActorFactory(name="Volodymyr Zelenskyy")
    factories.ActorFactory(name="Donald Trump")
    assert [a["id"] for a in results(anon.get(f"{API}actors/?q=zel"))] == [zelenskyy.pk]
    response = anon.get(f"{API}actors/?search=zel")
    assert response.status_code == 400
    assert response.json() == {
        "search": [
            "Unknown query parameter. This endpoint accepts: affiliation, country, cursor, "
            "expand, format, kind, negotiation, ordering, page_size, q."
        ]
    }


def test_writes_and_the_root_refuse_unknown_parameters_too(as_editor, negotiation):
    response = as_editor.patch(
        f"{API}negotiations/{negotiation.pk}/?colour=blue", {"version": negotiation.version}
    )
    assert response.status_code == 400
    assert response.json() == {
        "colour": ["Unknown query parameter. This endpoint accepts: expand, format."]
    }
    assert as_editor.get(f"{API}?colour=blue").status_code == 400
    assert as_editor.get(f"{API}?format=json").status_code == 200
