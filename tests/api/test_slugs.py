"""Negotiations and actors by slug, wherever their ids are taken: addresses and filters."""

import pytest

from tests import factories
from tests.api.conftest import API, results

ENTRY_LISTS = ["proposals", "status-changes", "statements", "events", "expectations"]


@pytest.fixture
def story(negotiation):
    """A published statement by an actor in ``negotiation``, another elsewhere."""
    speaker = factories.ActorFactory(slug="speaker", name="Speaker")
    negotiation.parties.add(speaker)
    factories.StatementFactory(negotiation=negotiation, actor=speaker, state="published")
    factories.StatementFactory(state="published")
    return negotiation, speaker


@pytest.mark.parametrize("resource", ["negotiations", "actors"])
def test_a_record_by_slug_is_the_record_by_id(anon, story, resource):
    negotiation, speaker = story
    record = negotiation if resource == "negotiations" else speaker
    by_slug = anon.get(f"{API}{resource}/{record.slug}/")
    by_id = anon.get(f"{API}{resource}/{record.pk}/")
    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json() == by_id.json()
    assert (by_slug.json()["id"], by_slug.json()["slug"]) == (record.pk, record.slug)


def test_a_timeline_by_slug(anon, story):
    negotiation, _ = story
    by_slug = results(anon.get(f"{API}negotiations/talks/timeline/"))
    assert by_slug == results(anon.get(f"{API}negotiations/{negotiation.pk}/timeline/"))
    assert len(by_slug) == 1


def test_a_write_by_slug(as_editor, story):
    negotiation, _ = story
    response = as_editor.patch(
        f"{API}negotiations/talks/", {"summary": "New.", "version": negotiation.version}
    )
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "New."


@pytest.mark.parametrize(
    "address",
    [
        "negotiations/nothing/",
        "negotiations/nothing/timeline/",
        "negotiations/%D9%A5/",  # "٥": a digit of another script is neither id nor slug
        "negotiations/ta%20lks/",
        "negotiations/99999/",
        "actors/nobody/",
        "actors/%00/",
    ],
)
def test_neither_a_slug_nor_an_id_is_a_json_404(anon, story, address):
    response = anon.get(f"{API}{address}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("resource", ENTRY_LISTS)
def test_entry_lists_filter_by_negotiation_and_actor_slugs(anon, story, resource):
    negotiation, speaker = story
    for query in ("negotiation={}", "actor={}"):
        value = negotiation if query.startswith("negotiation") else speaker
        by_slug = anon.get(f"{API}{resource}/?{query.format(value.slug)}")
        by_id = anon.get(f"{API}{resource}/?{query.format(value.pk)}")
        assert results(by_slug) == results(by_id)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("negotiations/?actor=speaker", ["talks"]),
        ("actors/?negotiation=talks", ["speaker"]),
    ],
)
def test_negotiations_and_actors_filter_by_slug(anon, story, url, expected):
    assert [record["slug"] for record in results(anon.get(f"{API}{url}"))] == expected


def test_actor_filters_take_slugs(anon, db):
    government = factories.ActorFactory(slug="government", kind="government")
    minister = factories.ActorFactory(slug="minister", affiliation=government)
    plan = factories.ProposalFactory(proposed_by=minister, state="published")
    assert [a["id"] for a in results(anon.get(f"{API}actors/?affiliation=government"))] == [
        minister.pk
    ]
    assert [p["id"] for p in results(anon.get(f"{API}proposals/?proposed_by=minister"))] == [
        plan.pk
    ]
    timeline = f"{API}negotiations/{plan.negotiation.slug}/timeline/?actor=minister"
    assert [item["id"] for item in results(anon.get(timeline))] == [plan.pk]


UNKNOWN = [
    ("negotiation=nothing", "negotiation", "No negotiation has this id or slug."),
    ("negotiation=99999", "negotiation", "No negotiation has this id or slug."),
    ("negotiation=%D9%A5", "negotiation", "No negotiation has this id or slug."),
    ("actor=nobody", "actor", "No actor has this id or slug."),
    ("actor=-1", "actor", "No actor has this id or slug."),
]
UNKNOWN_CASES = [
    (resource, *case)
    for resource in [*ENTRY_LISTS, "actors", "negotiations"]
    for case in UNKNOWN
    if (resource, case[1]) not in {("actors", "actor"), ("negotiations", "negotiation")}
]


@pytest.mark.parametrize(("resource", "query", "field", "message"), UNKNOWN_CASES)
def test_an_unknown_slug_or_id_is_a_400_naming_the_filter(
    anon, story, resource, query, field, message
):
    response = anon.get(f"{API}{resource}/?{query}")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
