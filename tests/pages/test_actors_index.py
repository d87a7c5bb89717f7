"""``/actors/``: every actor readers meet, with the negotiations it takes part in."""

import re

import pytest
from django.urls import reverse

from negotiations.models import PublicationState
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_index_lists_actors_with_their_negotiations(client, demo):
    hidden = factories.ActorFactory(name="Only In A Draft", slug="only-in-a-draft")
    factories.StatementFactory(negotiation=demo, actor=hidden, state=PublicationState.DRAFT)
    response = client.get(reverse("negotiations:actors"))
    assert response.status_code == 200
    html = response.content.decode()
    names = re.findall(r'<a class="line-title" href="/actors/[^"]+/">([^<]+)</a>', html)
    assert names == sorted(names)
    assert "Volodymyr Zelenskyy" in names and "Government of Russia" in names
    assert "We Build Ukraine" in names  # acts in a statement only
    assert "Only In A Draft" not in names  # drafts reach no reader
    zelenskyy = html.split('href="/actors/volodymyr-zelenskyy/"')[1].split("</li>")[0]
    assert f'<a href="{demo.get_absolute_url()}">US–Ukraine minerals deal</a>' in zelenskyy
    # Linked from every page's navigation.
    home = client.get("/").content.decode()
    assert '<a href="/actors/">Actors</a>' in home
    assert '<a href="/actors/" aria-current="page">Actors</a>' in html


def test_the_index_reads_a_constant_number_of_queries(client, demo, django_assert_max_num_queries):
    client.get(reverse("negotiations:actors"))
    for n in range(5):
        factories.StatementFactory(negotiation=demo, actor=factories.ActorFactory(name=f"A{n}"))
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("negotiations:actors")).status_code == 200
