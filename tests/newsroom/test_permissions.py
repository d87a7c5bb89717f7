"""Rights by role, in the admin and in the domain: journalists neither publish nor delete."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from negotiations.domain.entries import publish
from negotiations.domain.records import delete_record
from negotiations.domain.versions import latest_version
from negotiations.models import Actor, Entry, Event, PublicationState, Statement
from tests.factories import ActorFactory, EventFactory, SourceFactory, StatementFactory

pytestmark = pytest.mark.django_db


def draft(**kwargs):
    return StatementFactory(state=PublicationState.DRAFT, sources=[SourceFactory()], **kwargs)


@pytest.mark.parametrize("role", ["journalist", "editor"])
def test_publishing_through_the_domain(request, role):
    user = request.getfixturevalue(role)
    statement = draft()
    if role == "journalist":
        with pytest.raises(PermissionDenied, match="Only editors can publish"):
            publish(statement, by=user)
        assert Statement.objects.get(pk=statement.pk).state == PublicationState.DRAFT
    else:
        publish(statement, by=user)
        assert Statement.objects.get(pk=statement.pk).state == PublicationState.PUBLISHED


@pytest.mark.parametrize("role", ["journalist", "editor"])
def test_deleting_through_the_domain(request, role):
    user = request.getfixturevalue(role)
    statement, actor = draft(), ActorFactory()
    statement_pk = statement.pk
    if role == "journalist":
        for record in (statement, actor, statement.entry_ptr):
            with pytest.raises(PermissionDenied, match="Only editors can delete"):
                delete_record(record, by=user)
        assert Statement.objects.filter(pk=statement_pk).exists()
        assert Actor.objects.filter(pk=actor.pk).exists()
    else:
        delete_record(statement.entry_ptr, by=user)  # the spine deletes its kind
        delete_record(actor, by=user)
        assert not Entry.objects.exists()
        assert not Actor.objects.filter(pk=actor.pk).exists()
        tombstone = latest_version(Statement, statement_pk)
        assert (tombstone.history_type, tombstone.history_user) == ("-", user)


def test_a_journalist_cannot_publish_in_the_admin_form(client, journalist):
    statement = draft()
    client.force_login(journalist)
    url = reverse("admin:negotiations_statement_change", args=[statement.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    assert "published" not in dict(form.fields["state"].choices)
    assert "publish_at" not in form.fields
    assert "correction_note" not in form.fields


def test_a_journalist_cannot_unpublish_in_the_admin(client, journalist):
    statement = StatementFactory()  # published
    client.force_login(journalist)
    page = client.get(reverse("admin:negotiations_statement_change", args=[statement.pk]))
    assert "state" not in page.context["adminform"].form.fields  # shown read-only
    client.post(
        reverse("admin:negotiations_statement_changelist"),
        {"action": "make_draft", "_selected_action": [statement.pk]},
    )
    assert Statement.objects.get(pk=statement.pk).state == PublicationState.PUBLISHED


@pytest.mark.parametrize("changelist", ["event", "entry"])
def test_journalists_cannot_delete_in_bulk(client, journalist, changelist):
    event = EventFactory(state=PublicationState.DRAFT)
    client.force_login(journalist)
    page = client.get(reverse(f"admin:negotiations_{changelist}_changelist"))
    assert "delete_selected" not in page.text
    client.post(
        reverse(f"admin:negotiations_{changelist}_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert Event.objects.filter(pk=event.pk).exists()


def test_editors_delete_in_bulk_through_the_domain(client, editor):
    events = [EventFactory(), EventFactory()]
    client.force_login(editor)
    client.post(
        reverse("admin:negotiations_entry_changelist"),
        {"action": "delete_selected", "_selected_action": [e.pk for e in events], "post": "yes"},
    )
    assert not Event.objects.exists()
    assert all(latest_version(Event, e.pk).history_user == editor for e in events)


def test_editors_publish_and_schedule_in_the_admin(client, editor):
    statement = draft()
    client.force_login(editor)
    page = client.get(reverse("admin:negotiations_statement_change", args=[statement.pk]))
    form = page.context["adminform"].form
    assert "published" in dict(form.fields["state"].choices)
    assert "publish_at" in form.fields
    # A draft: nothing readers read changes, so no correction is asked for.
    assert "correction_note" not in form.fields
