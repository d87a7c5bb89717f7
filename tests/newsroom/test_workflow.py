"""Publication workflow: draft → ready for review → published, and scheduled publication."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import publish, submit_for_review, unpublish
from negotiations.models import Entry, PublicationState, Statement
from tests.factories import SourceFactory, StatementFactory
from tests.newsroom.helpers import form_data

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TWO_PM = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=UTC)
MINUTE = datetime.timedelta(minutes=1)


def visible(entry):
    return Entry.objects.published().filter(pk=entry.pk).exists()


@pytest.fixture
def embargoed(editor, time_machine):
    """A statement an editor scheduled, at noon, for 14:00."""
    time_machine.move_to(TWO_PM - datetime.timedelta(hours=2), tick=False)
    statement = StatementFactory(
        state=PublicationState.DRAFT, text="Embargoed until two.", sources=[SourceFactory()]
    )
    return publish(statement, by=editor, at=TWO_PM)


def test_a_scheduled_entry_appears_at_its_time_without_anyone_acting(embargoed, time_machine):
    time_machine.move_to(TWO_PM - MINUTE, tick=False)
    lift_due_embargoes()  # the task run early lifts nothing
    assert not visible(embargoed)
    time_machine.move_to(TWO_PM, tick=False)
    lift_due_embargoes()  # the task, at its time
    assert visible(embargoed)
    time_machine.move_to(TWO_PM + datetime.timedelta(days=30), tick=False)
    assert visible(embargoed)


def test_readers_get_the_scheduled_entry_on_the_page_at_its_time(client, embargoed, time_machine):
    url = embargoed.negotiation.get_absolute_url()
    time_machine.move_to(TWO_PM - MINUTE, tick=False)
    assert "Embargoed until two." not in client.get(url).text
    time_machine.move_to(TWO_PM + MINUTE, tick=False)
    lift_due_embargoes()  # the task, at its time
    assert "Embargoed until two." in client.get(url).text


def test_editors_schedule_in_the_admin_and_see_it_scheduled(client, editor, time_machine):
    time_machine.move_to(TWO_PM - datetime.timedelta(hours=3), tick=False)
    statement = StatementFactory(state=PublicationState.REVIEW, sources=[SourceFactory()])
    client.force_login(editor)
    url = reverse("admin:negotiations_statement_change", args=[statement.pk])
    page = client.get(url)
    response = client.post(
        url,
        form_data(page, state="published", publish_at_0="2025-02-25", publish_at_1="14:00:00"),
    )
    assert response.status_code == 302, page.context["adminform"].form.errors
    statement.refresh_from_db()
    assert (statement.state, statement.publish_at) == ("published", TWO_PM)

    listing = client.get(
        reverse("admin:negotiations_statement_changelist"), {"publication": "scheduled"}
    )
    assert list(listing.context["cl"].result_list) == [statement]
    assert "Scheduled for 2025-02-25 14:00 UTC" in listing.text
    time_machine.move_to(TWO_PM, tick=False)
    lift_due_embargoes()  # the task, at its time
    listing = client.get(
        reverse("admin:negotiations_statement_changelist"), {"publication": "live"}
    )
    assert list(listing.context["cl"].result_list) == [statement]


def test_a_journalist_hands_a_draft_to_review_and_an_editor_publishes_it(
    client, journalist, editor
):
    statement = StatementFactory(state=PublicationState.DRAFT, sources=[SourceFactory()])
    changelist = reverse("admin:negotiations_statement_changelist")

    client.force_login(journalist)
    assert "submit_for_review" in client.get(changelist).text
    client.post(changelist, {"action": "submit_for_review", "_selected_action": [statement.pk]})
    assert Statement.objects.get(pk=statement.pk).state == PublicationState.REVIEW
    # Publishing is not among the journalist's actions, even when asked for.
    client.post(changelist, {"action": "make_published", "_selected_action": [statement.pk]})
    assert Statement.objects.get(pk=statement.pk).state == PublicationState.REVIEW

    client.force_login(editor)
    queue = client.get(changelist, {"publication": "review"})
    assert list(queue.context["cl"].result_list) == [statement]
    client.post(changelist, {"action": "make_published", "_selected_action": [statement.pk]})
    statement.refresh_from_db()
    assert statement.state == PublicationState.PUBLISHED
    assert visible(statement)
    assert statement.history.first().history_user == editor


def test_review_is_for_unpublished_entries(editor):
    statement = StatementFactory()
    with pytest.raises(ValidationError, match="already published"):
        submit_for_review(statement, by=editor)


def test_journalists_cannot_schedule_or_publish_through_the_domain(journalist):
    statement = StatementFactory(state=PublicationState.REVIEW, sources=[SourceFactory()])
    with pytest.raises(PermissionDenied):
        publish(statement, by=journalist, at=TWO_PM)
    assert Statement.objects.get(pk=statement.pk).state == PublicationState.REVIEW


def test_unpublishing_clears_the_schedule(embargoed, editor):
    unpublish(embargoed, by=editor)
    embargoed.refresh_from_db()
    assert (embargoed.state, embargoed.publish_at) == (PublicationState.DRAFT, None)
