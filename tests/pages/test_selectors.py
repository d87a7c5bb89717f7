"""The page-data rules in negotiations.reader.selectors: eras, date overlap, readability."""

import datetime

import pytest

from negotiations.dates import PartialDate
from negotiations.models import Entry, ProposalStatus, PublicationState
from negotiations.reader.selectors.entries import eras, trails_of
from negotiations.reader.selectors.queries import readable, reader_timeline
from tests import factories

pytestmark = pytest.mark.django_db


def eras_of(negotiation, **kwargs):
    entries = list(reader_timeline(readable(None).for_negotiation(negotiation)))
    return [
        (era.label, [[e.specific.title for e in group.entries] for group in era.groups])
        for era in eras(entries, negotiation.phases.all(), **kwargs)
    ]


def test_entries_fall_in_a_phase_only_where_their_whole_period_lies(negotiation):
    factories.PhaseFactory(
        negotiation=negotiation,
        name="Opening",
        starts_on=datetime.date(2025, 2, 1),
        ends_on=datetime.date(2025, 2, 22),
    )
    factories.PhaseFactory(
        negotiation=negotiation,
        name="Quiet",
        starts_on=datetime.date(2025, 3, 1),
        ends_on=datetime.date(2025, 3, 31),
    )
    factories.PhaseFactory(
        negotiation=negotiation, name="Endgame", starts_on=datetime.date(2025, 4, 1)
    )
    for title, date in [
        ("Background", "2024"),
        ("Month", "2025-02"),
        ("Same month", "2025-02"),
        ("Gap", "2025-02-25"),
        ("Late", "2025-05-02"),
    ]:
        factories.EventFactory(negotiation=negotiation, title=title, date=date)
    # February 2025 overlaps "Opening" (1–22 February) without lying within it: it is
    # placed before it, as loosely dated.
    assert eras_of(negotiation) == [
        ("Earlier", [["Background"]]),
        ("Dated only roughly", [["Month", "Same month"]]),
        ("Opening", []),
        ("Between phases", [["Gap"]]),
        ("Quiet", []),
        ("Endgame", [["Late"]]),
    ]
    # When filtering, empty phases are left out.
    assert [label for label, _ in eras_of(negotiation, keep_empty=False)] == [
        "Earlier",
        "Dated only roughly",
        "Between phases",
        "Endgame",
    ]


def test_without_phases_there_is_one_unnamed_era(negotiation):
    factories.EventFactory(negotiation=negotiation, title="A", date="2025-01-01")
    factories.EventFactory(negotiation=negotiation, title="B", date="2025-01-02")
    assert eras_of(negotiation) == [("", [["A"], ["B"]])]


@pytest.mark.parametrize(
    ("entry_date", "start", "end", "shown"),
    [
        ("2025-02", "2025-02-23", None, True),  # the month contains the day
        ("2025-02-22", "2025-02-23", None, False),
        ("2025", "2025-06", "2025-06", True),
        ("2024", "2025", None, False),
        ("2025-03-01", None, "2025-02", False),
        ("2025-02-28", None, "2025-02", True),
        ("2025-02", "2025-01-15", "2025-02-01", True),
    ],
)
def test_a_partial_date_overlapping_the_range_is_kept(negotiation, entry_date, start, end, shown):
    entry = factories.EventFactory(negotiation=negotiation, date=entry_date)
    found = Entry.objects.overlapping(
        PartialDate.parse(start) if start else None, PartialDate.parse(end) if end else None
    )
    assert found.filter(pk=entry.pk).exists() is shown


def test_a_published_status_change_of_a_draft_proposal_is_not_readable(negotiation):
    draft = factories.ProposalFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    change = factories.StatusChangeFactory(proposal=draft, status=ProposalStatus.REJECTED)
    assert change.state == PublicationState.PUBLISHED
    assert not readable(None).filter(pk=change.pk).exists()
    assert readable(factories.editor()).filter(pk=change.pk).exists()


def test_status_trails_know_the_previous_status(negotiation):
    proposal = factories.ProposalFactory(negotiation=negotiation, date="2025-01-01")
    for date, status in [("2025-01-02", "proposed"), ("2025-01-03", "countered")]:
        factories.StatusChangeFactory(proposal=proposal, date=date, status=status)
    trail = trails_of([proposal.pk], None)[proposal.pk]
    assert [(s.previous_label, s.label) for s in trail] == [
        (None, "Proposed"),
        ("Proposed", "Countered"),
    ]


def test_eras_take_the_first_day_there_is(negotiation):
    factories.PhaseFactory(
        negotiation=negotiation, name="Talks", starts_on=datetime.date(2025, 1, 1)
    )
    factories.EventFactory(negotiation=negotiation, title="Founding", date="0001-01-01")
    factories.EventFactory(negotiation=negotiation, title="Opening", date="2025-01-02")
    assert eras_of(negotiation) == [("Earlier", [["Founding"]]), ("Talks", [["Opening"]])]
