"""The one timeline: order, visibility and a constant number of queries."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.models import Entry, PublicationState
from tests.factories import (
    EventFactory,
    ExpectationFactory,
    ProposalFactory,
    StatementFactory,
    StatusChangeFactory,
    UserFactory,
    editor,
)

pytestmark = pytest.mark.django_db


def timeline(negotiation, user=None):
    return list(Entry.objects.visible_to(user).for_negotiation(negotiation).timeline())


def pks(entries):
    return [entry.pk for entry in entries]


def test_chronological_with_partial_dates_at_the_start_of_their_period(negotiation):
    day = EventFactory(negotiation=negotiation, date="2025-02-23", title="Day")
    month = EventFactory(negotiation=negotiation, date="2025-02", title="Month")
    year = EventFactory(negotiation=negotiation, date="2025", title="Year")
    earlier = EventFactory(negotiation=negotiation, date="2024-12-31", title="Earlier")
    assert pks(timeline(negotiation)) == pks([earlier, year, month, day])


def test_entries_of_one_day_keep_the_order_they_were_logged_in(negotiation):
    logged = [StatementFactory(negotiation=negotiation, date="2025-02-23") for _ in range(3)] + [
        EventFactory(negotiation=negotiation, date="2025-02-23")
    ]
    assert pks(timeline(negotiation)) == pks(logged)


def test_every_kind_in_one_timeline(negotiation):
    proposal = ProposalFactory(negotiation=negotiation, date="2025-02-01")
    StatusChangeFactory(proposal=proposal, date="2025-02-02")
    StatementFactory(negotiation=negotiation, date="2025-02-03", proposal=proposal)
    EventFactory(negotiation=negotiation, date="2025-02-04")
    ExpectationFactory(negotiation=negotiation, date="2025-02-05")
    kinds = [entry.entry_type for entry in timeline(negotiation)]
    assert kinds == ["proposal", "status_change", "statement", "event", "expectation"]
    assert [type(entry.specific).__name__ for entry in timeline(negotiation)] == [
        "Proposal",
        "StatusChange",
        "Statement",
        "Event",
        "Expectation",
    ]


def test_drafts_and_entries_under_review_are_hidden_from_readers(negotiation):
    shown = EventFactory(negotiation=negotiation)
    EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    EventFactory(negotiation=negotiation, state=PublicationState.REVIEW)
    assert pks(timeline(negotiation)) == [shown.pk]
    assert pks(timeline(negotiation, UserFactory())) == [shown.pk]
    assert len(timeline(negotiation, editor())) == 3


def test_a_scheduled_entry_appears_at_its_publish_time_without_anyone_acting(negotiation):
    at_two = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    with time_machine.travel(datetime.datetime(2025, 2, 25, 9, 0, tzinfo=datetime.UTC)):
        embargoed = EventFactory(negotiation=negotiation, publish_at=at_two)
        assert timeline(negotiation) == []
    with time_machine.travel(at_two - datetime.timedelta(seconds=1)):
        lift_due_embargoes()  # too early: lifts nothing
        assert timeline(negotiation) == []
    with time_machine.travel(at_two):
        lift_due_embargoes()  # the task, at its time
        assert pks(timeline(negotiation)) == [embargoed.pk]
    assert timezone.now() > at_two


def make_entries(negotiation, count):
    for index in range(count):
        proposal = ProposalFactory(negotiation=negotiation, addressed_to=[])
        StatusChangeFactory(proposal=proposal)
        StatementFactory(negotiation=negotiation, proposal=proposal, stance="supports")
        EventFactory(negotiation=negotiation, actors=[proposal.proposed_by])
        ExpectationFactory(negotiation=negotiation, date=f"2025-02-{index % 28 + 1:02d}")


def read_timeline(negotiation):
    with CaptureQueriesContext(connection) as queries:
        for entry in timeline(negotiation):
            entry.headline  # noqa: B018 - reads the joined kinds
            entry.actor_ids  # noqa: B018
            [source.url for source in entry.sources.all()]
    return len(queries)


def test_a_page_costs_the_same_queries_for_5_and_50_entries(negotiation):
    make_entries(negotiation, 1)
    few = read_timeline(negotiation)
    make_entries(negotiation, 9)
    assert Entry.objects.count() == 50
    assert read_timeline(negotiation) == few <= 4
