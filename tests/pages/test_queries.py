"""Every reader output costs the same number of queries for 1 and for 6 rounds of entries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

from .conftest import grow, page_urls

pytestmark = pytest.mark.django_db

OUTPUTS = list(
    page_urls(
        factories.NegotiationFactory.build(slug="x"),
        proposal=factories.ProposalFactory.build(pk=1),
        actor=factories.ActorFactory.build(slug="x"),
    )
)


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("output", OUTPUTS)
def test_same_number_of_queries_at_two_sizes(client, negotiation, output):
    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    url = page_urls(negotiation, proposal=first, actor=party)[output]
    small = count(client, url)
    grow(negotiation, 5)
    assert negotiation.entries.count() == 6 * 6
    large = count(client, url)
    assert large == small, f"{output}: {small} queries for 6 entries, {large} for 36"
    assert small <= 25, f"{output}: {small} queries"


@pytest.mark.parametrize("output", ["timeline", "proposal", "actor", "changes"])
def test_staff_previews_also_cost_the_same_at_two_sizes(staff_client, negotiation, output):
    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    url = page_urls(negotiation, proposal=first, actor=party)[output]
    small = count(staff_client, url)
    grow(negotiation, 5)
    assert count(staff_client, url) == small
