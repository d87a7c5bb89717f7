"""The write path costs a bounded number of queries, whatever the size of the record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations.models import Negotiation, ReaderEvent, Statement
from tests import factories
from tests.api.conftest import API, client_for

pytestmark = pytest.mark.django_db

# Issue 13: at most 20 per request. Counted here with the request's own transaction
# (its SAVEPOINT and RELEASE in a test, BEGIN and COMMIT outside one, which the bench's
# count leaves out): what the bench reports is two fewer.
WRITE_QUERIES_MAX = 20


def create_statement_queries(client, negotiation, actor, number):
    """The SQL of the bench's write (bench/run.py): a journalist's draft statement
    citing a known source."""
    body = {
        "negotiation": negotiation.pk,
        "actor": actor.pk,
        "date": "2025-02-23",
        "kind": "direct",
        "text": f"We expect a deal this week ({number}).",
        "sources": [{"url": "https://news.example.org/bench/1"}],
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"{API}statements/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["sources"][0]["url"] == "https://news.example.org/bench/1"
    return [query["sql"] for query in captured.captured_queries]


def test_a_statements_create_costs_at_most_20_queries_at_any_size(journalist, negotiation):
    actor = factories.ActorFactory()
    source = factories.SourceFactory(url="https://news.example.org/bench/1")
    client = client_for(journalist)
    create_statement_queries(client, negotiation, actor, 0)  # the token and source exist

    counts = []
    for size in (3, 40):
        while Statement.objects.filter(negotiation=negotiation).count() < size:
            statement = factories.StatementFactory(negotiation=negotiation, actor=actor)
            statement.sources.add(source)
        statements = create_statement_queries(client, negotiation, actor, size)
        assert len(statements) <= WRITE_QUERIES_MAX, "\n".join(statements)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts

    # None of what validation used to cost: a query per check constraint, the existence
    # of the related rows the request had read, savepoints of nested transactions, the
    # reader events' reads for a draft readers never see.
    savepoints = [sql for sql in statements if sql.startswith("SAVEPOINT")]
    # The request's own (BEGIN outside tests), and save_entry's, whose callers recover.
    assert len(savepoints) == 2, savepoints
    assert not [sql for sql in statements if "_check" in sql]
    assert not [sql for sql in statements if sql.startswith("SELECT 1 AS")]


def test_an_editors_published_statement_costs_a_bounded_number_of_queries(editor, negotiation):
    """Published at once: what readers saw before and after (the source's visibility
    before, the entry's and the source's after) is read and the reader events written
    in the same request: at most 22 as the bench counts, two above the issue's 20 (which
    the bench measures on a journalist's draft)."""
    actor = factories.ActorFactory()
    client = client_for(editor)
    client.post(f"{API}statements/", {"negotiation": negotiation.pk}, format="json")  # token
    body = {
        "negotiation": negotiation.pk,
        "actor": actor.pk,
        "date": "2025-02-23",
        "kind": "direct",
        "text": "We expect a deal this week.",
        "sources": [{"url": "https://news.example.org/bench/2"}],
        "published": True,
    }
    factories.SourceFactory(url="https://news.example.org/bench/2")
    version = Negotiation.objects.get(pk=negotiation.pk).reader_version
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"{API}statements/", body, format="json")
    assert response.status_code == 201, response.content
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) - 2 <= WRITE_QUERIES_MAX + 2, "\n".join(statements)
    events = ReaderEvent.objects.values_list("record_type", "action")
    assert sorted(events) == [("source", "published"), ("statement", "published")]
    assert Negotiation.objects.get(pk=negotiation.pk).reader_version == version + 1
