"""The domain functions: the rules every entry point shares."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.entries import (
    change_status,
    create_event,
    create_proposal,
    create_statement,
    publish,
    save_entry,
    unpublish,
)
from negotiations.domain.records import delete_record, get_or_create_source, save_record
from negotiations.models import (
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    RecordChange,
    Source,
    Statement,
)
from tests.factories import (
    ActorFactory,
    NegotiationFactory,
    ProposalFactory,
    SourceFactory,
    StatementFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db


def current_status(proposal):
    return Proposal.objects.with_status().get(pk=proposal.pk).current_status


def test_a_proposal_has_no_status_until_the_first_change(negotiation, journalist):
    proposal = create_proposal(
        negotiation=negotiation, title="A deal", date="2025-02", by=journalist
    )
    assert current_status(proposal) is None


def test_current_status_follows_the_latest_change_by_date(editor):
    proposal = ProposalFactory()
    source = SourceFactory()
    for status, date in [("rejected", "2025-02-10"), ("proposed", "2025-02-01")]:
        change_status(
            proposal=proposal,
            status=status,
            date=date,
            by=editor,
            published=True,
            sources=[source],
        )
    assert current_status(proposal) == ProposalStatus.REJECTED


def test_two_changes_on_one_day_keep_their_order(editor):
    proposal = ProposalFactory()
    source = SourceFactory()
    first = change_status(
        proposal=proposal,
        status="proposed",
        date="2025-02-23",
        by=editor,
        published=True,
        sources=[source],
    )
    second = change_status(
        proposal=proposal,
        status="withdrawn",
        date="2025-02-23",
        by=editor,
        published=True,
        sources=[source],
    )
    assert second.sequence > first.sequence
    assert current_status(proposal) == ProposalStatus.WITHDRAWN


def test_a_draft_status_change_is_not_the_public_status(journalist, editor):
    proposal = ProposalFactory()
    StatusChangeFactory(proposal=proposal, status="proposed", date="2025-02-01")
    change_status(proposal=proposal, status="rejected", date="2025-02-02", by=journalist)
    assert current_status(proposal) == ProposalStatus.PROPOSED
    preview = Proposal.objects.with_status(editor).get(pk=proposal.pk)
    assert preview.current_status == ProposalStatus.REJECTED


def test_a_status_change_takes_its_negotiation_from_the_proposal(journalist):
    proposal = ProposalFactory()
    change = change_status(proposal=proposal, status="proposed", date="2025-02", by=journalist)
    assert change.negotiation == proposal.negotiation


def test_a_statement_about_a_proposal_of_another_negotiation_is_refused(journalist):
    elsewhere = ProposalFactory(negotiation=NegotiationFactory())
    with pytest.raises(ValidationError) as error:
        create_statement(
            negotiation=NegotiationFactory(),
            actor=ActorFactory(),
            text="No.",
            date="2025-02",
            proposal=elsewhere,
            stance="opposes",
            by=journalist,
        )
    assert error.value.message_dict["proposal"] == ["The proposal belongs to another negotiation."]
    assert not Statement.objects.exists()


def test_a_proposal_cannot_supersede_one_of_another_negotiation(journalist):
    elsewhere = ProposalFactory(negotiation=NegotiationFactory())
    with pytest.raises(ValidationError) as error:
        create_proposal(
            negotiation=NegotiationFactory(),
            title="Counter-offer",
            date="2025-02",
            supersedes=elsewhere,
            by=journalist,
        )
    assert "another negotiation" in error.value.message_dict["supersedes"][0]


def test_a_published_entry_cites_at_least_one_source(editor, negotiation):
    with pytest.raises(ValidationError) as error:
        create_event(
            negotiation=negotiation, title="Talks", date="2025-02", published=True, by=editor
        )
    assert error.value.message_dict["sources"] == ["A published entry cites at least one source."]


def test_journalists_cannot_publish_or_unpublish(journalist, negotiation):
    with pytest.raises(PermissionDenied):
        create_event(
            negotiation=negotiation,
            title="Talks",
            date="2025-02",
            published=True,
            sources=[SourceFactory()],
            by=journalist,
        )
    published = StatementFactory()
    with pytest.raises(PermissionDenied):
        unpublish(published, by=journalist)


def test_editors_publish_and_the_record_says_who(editor, journalist, negotiation):
    event = create_event(
        negotiation=negotiation,
        title="Talks",
        date="2025-02",
        sources=[SourceFactory()],
        by=journalist,
    )
    assert event.created_by == journalist
    publish(event, by=editor)
    event.refresh_from_db()
    assert event.state == PublicationState.PUBLISHED
    assert event.history.first().history_user == editor
    assert event.version == 2


def test_a_stale_version_is_refused_and_nothing_is_overwritten(journalist, editor):
    statement = StatementFactory(text="Original.")
    mine = Statement.objects.get(pk=statement.pk)
    theirs = Statement.objects.get(pk=statement.pk)
    theirs.text = "Their edit."
    save_entry(theirs, by=editor, minor_fix=True)
    mine.text = "My edit."
    with pytest.raises(ConflictError) as error:
        save_entry(mine, by=journalist)
    assert "eddie" in str(error.value)
    statement.refresh_from_db()
    assert statement.text == "Their edit."


def test_an_expected_version_guards_records_too(journalist):
    actor = ActorFactory(name="Before")
    actor.name = "After"
    with pytest.raises(ConflictError):
        save_record(actor, by=journalist, expected_version=actor.version + 5)
    actor.refresh_from_db()
    assert actor.name == "Before"


def test_a_known_source_url_is_reused():
    first = get_or_create_source(url="https://example.org/story", title="")
    again = get_or_create_source(url="https://example.org/story", title="The story")
    assert first.pk == again.pk
    assert Source.objects.get().title == "The story"


def test_writes_are_logged_but_a_draft_moves_no_reader_version(journalist, editor, negotiation):
    before = Negotiation.objects.get(pk=negotiation.pk).reader_version
    event = create_event(negotiation=negotiation, title="Talks", date="2025-02", by=journalist)
    assert Negotiation.objects.get(pk=negotiation.pk).reader_version == before
    change = RecordChange.objects.get(record_type="event", record_id=event.pk)
    assert change.action == "created"
    delete_record(event, by=editor)  # deleting is the editors' right
    change.refresh_from_db()
    assert change.action == "deleted"


def test_history_keeps_the_sources_of_each_version(journalist, negotiation):
    first, second = SourceFactory(), SourceFactory()
    event = create_event(
        negotiation=negotiation, title="Talks", date="2025-02", sources=[first], by=journalist
    )
    save_entry(event, by=journalist, sources=[second])
    versions = list(event.history.order_by("history_date"))
    assert [v.related_ids["sources"] for v in versions] == [[first.pk], [second.pk]]


def test_deleting_a_proposal_leaves_tombstones_for_its_status_changes(editor):
    change = StatusChangeFactory()
    proposal_pk, change_pk = change.proposal.pk, change.pk
    delete_record(change.proposal, by=editor)
    assert set(
        RecordChange.objects.filter(action="deleted").values_list("record_type", "record_id")
    ) == {("proposal", proposal_pk), ("status_change", change_pk)}


def test_amounts_are_exact_decimals(journalist, negotiation):
    proposal = create_proposal(
        negotiation=negotiation,
        title="$500 billion",
        date="2025-02",
        amount=Decimal("500000000000.00"),
        currency="USD",
        by=journalist,
    )
    proposal.refresh_from_db()
    assert proposal.amount == Decimal("500000000000")


def test_the_last_source_of_a_published_entry_cannot_be_deleted(editor):
    statement = StatementFactory(text="Ten generations.")
    (source,) = statement.sources.all()
    with pytest.raises(ValidationError) as error:
        delete_record(source, by=editor)
    assert "only one of published entries" in error.value.message_dict["sources"][0]
    assert Source.objects.filter(pk=source.pk).exists()
    save_entry(statement, by=editor, sources=[source, SourceFactory()])
    delete_record(source, by=editor)
    assert not Source.objects.filter(pk=source.pk).exists()
