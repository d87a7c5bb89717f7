"""``?expand=actor,sources,proposal``: the records themselves, in a constant number of queries."""

import pytest

from tests import factories
from tests.api.conftest import API, client_for, results
from tests.api.test_queries import MAKE, count, queries_for


@pytest.fixture
def statement(negotiation):
    speaker = factories.ActorFactory(name="Speaker", slug="speaker")
    plan = factories.ProposalFactory(negotiation=negotiation, proposed_by=speaker)
    return factories.StatementFactory(negotiation=negotiation, actor=speaker, proposal=plan)


def test_without_expand_related_records_are_ids(anon, statement):
    [item] = results(anon.get(f"{API}statements/"))
    assert item["actor"] == statement.actor_id
    assert item["proposal"] == statement.proposal_id
    assert set(item["sources"][0]) == {"id", "url", "title", "publisher", "published_on"}


def test_a_statement_with_its_actor_proposal_and_sources(anon, statement):
    [item] = results(anon.get(f"{API}statements/?expand=actor,sources,proposal"))
    assert item["actor"] == anon.get(f"{API}actors/speaker/").json()
    [source] = statement.sources.all()
    assert item["sources"] == [anon.get(f"{API}sources/{source.pk}/").json()]
    plan = statement.proposal
    assert item["proposal"] == {
        "id": plan.pk,
        "url": f"http://testserver/api/v1/proposals/{plan.pk}/",
        "negotiation": plan.negotiation_id,
        "date": "2025-02-23",
        "date_precision": "day",
        "title": plan.title,
        "proposed_by": plan.proposed_by_id,  # one level: what an embedded record names is an id
        "amount": None,
        "currency": "",
    }
    detail = anon.get(f"{API}statements/{statement.pk}/?expand=actor&expand=proposal")
    assert detail.json()["actor"] == item["actor"]
    assert detail.json()["proposal"] == item["proposal"]
    assert detail.json()["sources"] != item["sources"]  # not asked for: the short form


def test_a_draft_proposal_is_not_embedded_for_readers(anon, as_editor, negotiation):
    draft = factories.ProposalFactory(negotiation=negotiation, state="draft")
    statement = factories.StatementFactory(negotiation=negotiation, proposal=draft)
    [item] = results(anon.get(f"{API}statements/?expand=proposal"))
    assert (item["proposal"], item["stance"]) == (None, "")
    shown = as_editor.get(f"{API}statements/{statement.pk}/?expand=proposal").json()
    assert shown["proposal"]["title"] == draft.title


def test_every_actor_a_record_names(anon, negotiation):
    us, ua = factories.ActorFactory(slug="us"), factories.ActorFactory(slug="ua")
    negotiation.parties.add(us, ua)
    plan = factories.ProposalFactory(negotiation=negotiation, proposed_by=us)
    plan.addressed_to.add(ua)
    factories.EventFactory(negotiation=negotiation).actors.add(us)
    minister = factories.ActorFactory(slug="minister", affiliation=ua)

    [talks] = results(anon.get(f"{API}negotiations/?expand=actor"))
    assert sorted(party["slug"] for party in talks["parties"]) == ["ua", "us"]
    [proposal] = results(anon.get(f"{API}proposals/?expand=actor"))
    assert (proposal["proposed_by"]["slug"], [a["slug"] for a in proposal["addressed_to"]]) == (
        "us",
        ["ua"],
    )
    [event] = results(anon.get(f"{API}events/?expand=actor"))
    assert [a["slug"] for a in event["actors"]] == ["us"]
    affiliation = anon.get(f"{API}actors/{minister.slug}/?expand=actor").json()["affiliation"]
    assert affiliation["slug"] == "ua"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "statements/?expand=actor,colour",
            "Cannot expand colour: this endpoint expands actor, proposal, sources.",
        ),
        (
            "expectations/?expand=proposal",
            "Cannot expand proposal: this endpoint expands actor, sources.",
        ),
    ],
)
def test_an_unknown_expansion_is_a_400_naming_the_accepted_ones(anon, db, url, message):
    response = anon.get(f"{API}{url}")
    assert response.status_code == 400
    assert response.json() == {"expand": [message]}


def test_where_nothing_expands_expand_is_an_unknown_parameter(anon, negotiation):
    for url in ("sources/", "changes/", f"negotiations/{negotiation.pk}/timeline/"):
        response = anon.get(f"{API}{url}?expand=actor")
        assert response.status_code == 400
        assert response.json()["expand"][0].startswith("Unknown query parameter.")


EXPAND_ALL = {
    "actors": "actor",
    "negotiations": "actor",
    "proposals": "actor,proposal,sources",
    "status-changes": "actor,proposal,sources",
    "statements": "actor,proposal,sources",
    "events": "actor,sources",
    "expectations": "actor,sources",
}


@pytest.mark.parametrize("resource", sorted(EXPAND_ALL))
def test_expanded_lists_take_the_same_queries_for_5_and_50(resource, negotiation):
    client = client_for()
    url = f"{API}{resource}/?page_size=200&expand={EXPAND_ALL[resource]}"
    extra = 1 if resource == "negotiations" else 0
    for _ in range(5):
        MAKE[resource](negotiation)
    small, shown = queries_for(client, url)
    assert shown == count(resource, 5) + extra
    for _ in range(45):
        MAKE[resource](negotiation)
    large, shown = queries_for(client, url)
    assert shown == count(resource, 50) + extra
    assert small == large
