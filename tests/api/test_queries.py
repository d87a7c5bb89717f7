"""A constant number of queries per list and timeline page: the same for 5 items as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.conftest import API, client_for


def one_of_each(negotiation):
    actor = factories.ActorFactory()
    plan = factories.ProposalFactory(negotiation=negotiation, proposed_by=actor)
    plan.addressed_to.add(factories.ActorFactory())
    factories.StatusChangeFactory(proposal=plan, actor=actor)
    factories.StatementFactory(negotiation=negotiation, actor=actor, proposal=plan)
    event = factories.EventFactory(negotiation=negotiation)
    event.actors.add(actor)
    factories.ExpectationFactory(negotiation=negotiation, actor=actor)


def proposal_with_history(negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    plan.addressed_to.add(factories.ActorFactory())
    factories.StatusChangeFactory(proposal=plan)


MAKE = {
    "actors": lambda negotiation: factories.ActorFactory(
        affiliation=factories.ActorFactory(), aliases=["A"]
    ),
    "negotiations": lambda negotiation: factories.NegotiationFactory().parties.add(
        factories.ActorFactory()
    ),
    # Readers see the sources published entries cite.
    "sources": lambda negotiation: factories.EventFactory(negotiation=negotiation).sources.get(),
    "proposals": proposal_with_history,
    "status-changes": lambda negotiation: factories.StatusChangeFactory(
        proposal__negotiation=negotiation
    ),
    "statements": lambda negotiation: factories.StatementFactory(negotiation=negotiation),
    "events": lambda negotiation: factories.EventFactory(negotiation=negotiation).actors.add(
        factories.ActorFactory()
    ),
    "expectations": lambda negotiation: factories.ExpectationFactory(negotiation=negotiation),
}


def queries_for(client, url):
    client.get(url)  # warm caches that are not per page (permissions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def count(resource, model_count):
    return {"actors": 2, "negotiations": 1}.get(resource, 1) * model_count


# Every list as an anonymous reader; as a previewer, the entry lists (one queryset for all
# kinds) through the proposals, whose status and history make the richest page.
CASES = [(resource, "anonymous") for resource in MAKE] + [
    ("proposals", "journalist"),
    ("events", "journalist"),
]


@pytest.mark.parametrize(("resource", "role"), CASES)
def test_list_queries_do_not_grow_with_the_page(request, resource, role, negotiation):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    url = f"{API}{resource}/?page_size=200"
    extra = 1 if resource == "negotiations" else 0  # the fixture's own negotiation

    for _ in range(5):
        MAKE[resource](negotiation)
    small, shown = queries_for(client, url)
    assert shown == count(resource, 5) + extra

    for _ in range(45):
        MAKE[resource](negotiation)
    large, shown = queries_for(client, url)
    assert shown == count(resource, 50) + extra

    assert small == large
    assert large <= limit_for(role)


def limit_for(role):
    """Two are the request's savepoint; a signed-in client adds its token and permissions."""
    return 8 if role == "anonymous" else 11


@pytest.mark.parametrize("role", ["anonymous", "journalist"])
def test_timeline_queries_do_not_grow_with_the_page(request, role, negotiation):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    url = f"{API}negotiations/{negotiation.pk}/timeline/?page_size=200"

    one_of_each(negotiation)
    small, shown = queries_for(client, url)
    assert shown == 5

    for _ in range(9):
        one_of_each(negotiation)
    large, shown = queries_for(client, url)
    assert shown == 50

    assert small == large
    assert large <= limit_for(role)


def test_changes_queries_do_not_grow_with_the_page(anon, negotiation):
    url = f"{API}changes/?page_size=200"
    factories.EventFactory.create_batch(5, negotiation=negotiation)
    small, _ = queries_for(anon, url)
    factories.EventFactory.create_batch(45, negotiation=negotiation)
    large, shown = queries_for(anon, url)
    assert shown == 100  # each event and the source it is the first to cite
    assert small == large
