"""Full-text search over every kind of entry, one stored text per entry."""

import pytest
from django.db import connection

from negotiations.domain.entries import save_entry
from negotiations.domain.records import save_record
from negotiations.models import Entry
from tests.factories import (
    ActorFactory,
    EventFactory,
    ExpectationFactory,
    ProposalFactory,
    StatementFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db


def found(text, negotiation=None):
    entries = Entry.objects.published().search(text)
    if negotiation is not None:
        entries = entries.for_negotiation(negotiation)
    return sorted(entries.values_list("pk", flat=True))


def test_search_finds_every_kind_by_its_own_words(negotiation):
    proposal = ProposalFactory(negotiation=negotiation, title="Minerals fund", summary="Lithium.")
    change = StatusChangeFactory(proposal=proposal, note="Taken off the table.")
    statement = StatementFactory(
        negotiation=negotiation,
        actor=ActorFactory(name="Volodymyr Zelenskyy"),
        text="Ten generations of Ukrainians would pay.",
    )
    event = EventFactory(negotiation=negotiation, title="Forum", description="Titanium talk.")
    assert found("lithium") == [proposal.pk]
    assert found("table") == [change.pk]
    assert found("generations") == [statement.pk]
    assert found("Zelenskyy") == [statement.pk]
    assert found("titanium") == [event.pk]
    assert found("minerals") == sorted([proposal.pk, change.pk])


def test_every_word_must_match():
    statement = StatementFactory(text="Lithium and titanium.")
    StatementFactory(text="Only lithium.")
    assert found("lithium titanium") == [statement.pk]


def test_an_edit_is_searchable_at_once(journalist):
    statement = StatementFactory(text="Before.")
    statement.text = "Uranium after the edit."
    save_entry(statement, by=None, minor_fix=True)
    assert found("uranium") == [statement.pk]
    assert found("before") == []


def test_a_renamed_actor_or_proposal_is_found_by_its_new_name(negotiation, editor):
    """Statements and expectations show their actor's name, status changes their
    proposal's title: a rename reaches their search text (and the vector) at once."""
    speaker = ActorFactory(name="Steve Witkoff")
    statement = StatementFactory(negotiation=negotiation, actor=speaker, text="A deal soon.")
    expectation = ExpectationFactory(negotiation=negotiation, actor=speaker, text="Signing.")
    proposal = ProposalFactory(negotiation=negotiation, title="Minerals fund")
    change = StatusChangeFactory(proposal=proposal)
    version = statement.version

    speaker.name = "Stephen Witkoff"
    save_record(speaker, by=editor)
    assert found("Stephen") == sorted([statement.pk, expectation.pk])
    assert found("Steve") == []
    proposal.title = "Reconstruction fund"
    save_entry(proposal, by=editor, minor_fix=True)
    assert found("reconstruction") == sorted([proposal.pk, change.pk])
    assert found("minerals") == []
    statement.refresh_from_db()
    assert statement.version == version  # derived text: not an edit of the statement


def test_an_empty_query_filters_nothing():
    StatementFactory()
    assert Entry.objects.search("  ").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgres_answers_search_from_the_gin_index(negotiation):
    StatementFactory(negotiation=negotiation, text="Lithium.")
    query = Entry.objects.published().search("lithium")
    # With one row the planner may prefer walking any index; rule out scans that cannot
    # use the search condition so the plan shows whether the GIN index matches it.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = query.explain()
    assert "Bitmap Index Scan on entry_search" in plan


def test_a_nul_character_is_dropped_rather_than_failing(client, negotiation):
    StatementFactory(negotiation=negotiation, text="Lithium.")
    assert Entry.objects.published().search("lith\x00ium").count() == 1  # NUL dropped
    assert client.get("/negotiations/talks/", {"q": "\x00"}).status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector is PostgreSQL's")
def test_postgres_keeps_the_search_vector_on_every_write(negotiation):
    statement = StatementFactory(negotiation=negotiation, text="Lithium.")
    assert Entry.objects.search("lithium").get() == statement.entry_ptr
    statement.text = "Titanium."
    save_entry(statement, by=None, minor_fix=True)
    assert not Entry.objects.search("lithium").exists()
    assert Entry.objects.search("titanium").get() == statement.entry_ptr
