"""Corrections are not optional: a change of what readers read of a visible entry is a
correction (shown) or a minor fix (recorded), in the domain and so everywhere."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from negotiations.domain.entries import resolve_expectation, save_entry, set_publication, unpublish
from negotiations.domain.restore import restore_version
from negotiations.models import (
    Correction,
    Event,
    Expectation,
    Proposal,
    PublicationState,
    Statement,
)
from tests.factories import (
    ActorFactory,
    EventFactory,
    ExpectationFactory,
    ProposalFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def refused(entry, **kwargs):
    with pytest.raises(ValidationError) as error:
        save_entry(entry, **kwargs)
    return error.value.message_dict


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Reworded."),
        ("actor_id", "OTHER"),
        ("kind", Statement.Kind.PARAPHRASE),
        ("date", "2025-02-20"),
    ],
)
def test_a_content_change_of_a_visible_entry_needs_a_note_or_a_minor_fix(field, value, editor):
    statement = StatementFactory(text="Original.")
    value = ActorFactory().pk if value == "OTHER" else value
    setattr(statement, field, value)
    errors = refused(statement, by=editor)
    assert list(errors) == ["correction_note"]
    assert "correction note" in errors["correction_note"][0]
    assert Statement.objects.get(pk=statement.pk).version == 1

    save_entry(statement, by=editor, minor_fix=True)
    latest = Statement.objects.get(pk=statement.pk).history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("Minor fix", editor)
    assert not Correction.objects.exists()


def test_the_system_follows_the_rule_too():
    plan = ProposalFactory(amount=500, currency="USD")
    plan.amount = 400
    assert "correction_note" in refused(plan, by=None)
    save_entry(plan, by=None, correction_note="The amount was wrong.")
    assert Proposal.objects.get(pk=plan.pk).amount == 400
    assert Correction.objects.get().made_by is None


def test_both_a_note_and_a_minor_fix_are_refused(editor):
    statement = StatementFactory(text="Original.")
    statement.text = "Changed."
    errors = refused(statement, by=editor, correction_note="We erred.", minor_fix=True)
    assert "not both" in errors["correction_note"][0]


def test_publication_decisions_and_citations_are_not_corrections(editor):
    statement = StatementFactory()
    statement.key = True
    save_entry(statement, by=editor, sources=[SourceFactory(), SourceFactory()])
    set_publication(
        statement, state=PublicationState.PUBLISHED, by=editor, publish_at=timezone.now()
    )
    unpublish(statement, by=editor)  # readers stop seeing it at once
    assert Statement.objects.get(pk=statement.pk).version == 4


def test_resolving_an_expectation_is_news_not_a_correction(editor):
    expectation = ExpectationFactory()
    resolve_expectation(
        expectation, outcome="missed", resolved_on=datetime.date(2025, 3, 2), by=editor
    )
    assert Expectation.objects.get(pk=expectation.pk).outcome == "missed"
    assert Expectation.content_fields().count("outcome") == 0
    assert "text" in Expectation.content_fields()


def test_entries_readers_do_not_see_need_neither(editor):
    draft = StatementFactory(state=PublicationState.DRAFT)
    draft.text = "Draft wording."
    save_entry(draft, by=editor)
    embargoed = StatementFactory(publish_at=timezone.now() + datetime.timedelta(days=1))
    embargoed.text = "Embargoed wording."
    save_entry(embargoed, by=editor)
    assert Statement.objects.get(pk=embargoed.pk).text == "Embargoed wording."


def test_a_visible_many_to_many_change_is_content(editor):
    event = EventFactory()
    errors = refused(event, by=editor, m2m={"actors": [ActorFactory()]})
    assert "changing its actors needs" in errors["correction_note"][0]
    save_entry(event, by=editor, m2m={"actors": [ActorFactory()]}, minor_fix=True)
    assert Event.objects.get(pk=event.pk).actors.count() == 1


def test_journalists_may_not_correct(journalist):
    draft = StatementFactory(state=PublicationState.DRAFT)
    draft.text = "Changed."
    with pytest.raises(PermissionDenied):
        save_entry(draft, by=journalist, correction_note="We erred.")


def test_a_restore_of_a_visible_entry_asks_too(editor):
    statement = StatementFactory(text="First.")
    first = statement.history.earliest()
    statement.text = "Second."
    save_entry(statement, by=editor, minor_fix=True)
    with pytest.raises(ValidationError):
        restore_version(first, by=editor)
    restore_version(first, by=editor, correction_note="Back to the quote as said.")
    assert Statement.objects.get(pk=statement.pk).text == "First."
    assert Correction.objects.get().note == "Back to the quote as said."
