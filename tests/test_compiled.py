"""Queries compiled once (negotiations.compiled): the ORM's rows, whatever the shape."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from negotiations import timeline
from negotiations.api.pagination import keyset_slice
from negotiations.api.views import published_page, published_search_page
from negotiations.compiled import CompiledQuery
from negotiations.models import Entry, PublicationState
from tests.factories import (
    EventFactory,
    ProposalFactory,
    StatementFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db

_numbers = itertools.count()


def compiled(build):
    """A query with a name of its own (names are unique per process)."""
    return CompiledQuery(f"test_{next(_numbers)}", build)


def events_by_ids(ids):
    return (
        Entry.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "date_start", "created_at")
    )


@pytest.mark.parametrize("length", [1, 3, 8, 9])
def test_rows_equal_the_querysets_for_any_list_length(negotiation, length):
    ids = [EventFactory(negotiation=negotiation).pk for _ in range(length)]
    query = compiled(events_by_ids)
    assert query(ids) == list(events_by_ids(ids))
    assert query(ids[:1]) == list(events_by_ids(ids[:1]))
    row = query(ids)[0]
    assert isinstance(row[1], datetime.date) and isinstance(row[2], datetime.datetime)


def test_an_empty_list_matches_nothing_without_a_query(negotiation):
    EventFactory(negotiation=negotiation)
    with CaptureQueriesContext(connection) as queries:
        assert compiled(events_by_ids)([]) == []
    assert len(queries) == 0


def test_values_give_dictionaries_and_strings_and_times_are_parameters(negotiation):
    EventFactory(negotiation=negotiation, title="Talks in Riyadh")
    EventFactory(negotiation=negotiation, title="Talks in Paris")
    query = compiled(
        lambda at, title: Entry.objects.filter(created_at__lte=at, as_event__title=title).values(
            "pk", title_of=timeline.F("as_event__title")
        )
    )
    now = timezone.now()
    assert [row["title_of"] for row in query(now, "Talks in Paris")] == ["Talks in Paris"]
    assert query(now - datetime.timedelta(days=1), "Talks in Paris") == []
    assert [row["title_of"] for row in query(now, "Talks in Riyadh")] == ["Talks in Riyadh"]


def test_an_argument_the_query_does_not_take_as_a_parameter_is_refused(negotiation):
    query = compiled(lambda pk: Entry.objects.values_list("pk"))
    with pytest.raises(ValueError, match="does not take every argument as a parameter"):
        query(1)


def test_two_queries_cannot_share_a_name():
    compiled_once = CompiledQuery("test_shared_name", events_by_ids)
    with pytest.raises(ValueError, match="already named"):
        CompiledQuery(compiled_once.name, events_by_ids)


@pytest.mark.django_db(transaction=True)
def test_a_new_database_connection_gets_the_statement_again():
    entry = EventFactory()
    query = compiled(events_by_ids)
    assert [row[0] for row in query([entry.pk])] == [entry.pk]
    connection.close()
    assert [row[0] for row in query([entry.pk])] == [entry.pk]


def test_the_readers_page_equals_the_orm_path_forward_and_back(negotiation):
    """What anonymous readers get from the precompiled page, as the ORM path reads it."""
    shown = [EventFactory(negotiation=negotiation, date=f"2025-02-{day:02}") for day in (1, 2, 2)]
    EventFactory(negotiation=negotiation, date="2025-02-02", state=PublicationState.DRAFT)
    draft = ProposalFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    StatusChangeFactory(proposal=draft, negotiation=negotiation)  # hidden with its proposal
    EventFactory(
        negotiation=negotiation,
        publish_at=timezone.now() + datetime.timedelta(hours=1),  # scheduled
    )
    shown.append(ProposalFactory(negotiation=negotiation, date="2025-03-01"))
    now = timezone.now()
    ordering = ("date_start", "sequence", "pk")
    orm = timeline.rows(Entry.objects.published(at=now).filter(negotiation=negotiation))

    def both(after, backwards, limit):
        fast = published_page(
            negotiation.pk, now, *after, ordering=ordering, backwards=backwards, limit=limit
        )
        assert fast == list(keyset_slice(orm, ordering, after, backwards, limit))
        return [row["id"] for row in fast]

    assert both([], False, 10) == [entry.pk for entry in shown]
    second = shown[1]
    position = [second.date_start, second.sequence, second.pk]
    assert both(position, False, 10) == [entry.pk for entry in shown[2:]]
    assert both(position, True, 10) == [shown[0].pk]
    assert both([], False, 2) == [entry.pk for entry in shown[:2]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="readers' searches precompiled there")
def test_the_readers_search_page_equals_the_orm_path(negotiation):
    said = [
        StatementFactory(negotiation=negotiation, text=f"Rare earths, round {n}.") for n in range(3)
    ]
    StatementFactory(negotiation=negotiation, text="Lithium.")
    StatementFactory(negotiation=negotiation, text="Rare earths.", state=PublicationState.DRAFT)
    now = timezone.now()
    ordering = ("date_start", "sequence", "pk")
    for words in ("rare earths", "earth", "lithium -rare", "nothing"):
        orm = timeline.rows(
            Entry.objects.published(at=now).filter(negotiation=negotiation).search(words)
        )
        fast = published_search_page(
            negotiation.pk, now, words, ordering=ordering, backwards=False, limit=2
        )
        assert fast == list(keyset_slice(orm, ordering, [], False, 2)), words
    with CaptureQueriesContext(connection) as queries:
        fast = published_search_page(
            negotiation.pk, now, "earths", ordering=ordering, backwards=False, limit=10
        )
    assert [row["id"] for row in fast] == [entry.pk for entry in said]
    middle = [said[1].date_start, said[1].sequence, said[1].pk]
    orm = timeline.rows(
        Entry.objects.published(at=now).filter(negotiation=negotiation).search("earths")
    )
    for backwards in (False, True):
        fast = published_search_page(
            negotiation.pk, now, "earths", *middle, ordering=ordering, backwards=backwards, limit=5
        )
        assert fast == list(keyset_slice(orm, ordering, middle, backwards, 5))
        assert [row["id"] for row in fast] == [said[0].pk if backwards else said[2].pk]
    # Planned for its words at each run: a generic plan read the whole index (seconds).
    assert not queries[0]["sql"].startswith("EXECUTE")
    with CaptureQueriesContext(connection) as queries:
        published_page(negotiation.pk, now, ordering=ordering, backwards=False, limit=10)
    assert queries[0]["sql"].startswith("EXECUTE parley_timeline_page")
