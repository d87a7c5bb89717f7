"""The newsroom roles created by the data migration, and what each may do."""

import pytest
from django.urls import reverse

from negotiations.models import Event, PublicationState
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

KINDS = ["proposal", "statuschange", "statement", "event", "expectation"]


@pytest.mark.parametrize("kind", KINDS)
def test_journalists_add_and_change_but_neither_delete_nor_publish(journalist, kind):
    assert journalist.has_perm(f"negotiations.add_{kind}")
    assert journalist.has_perm(f"negotiations.change_{kind}")
    assert not journalist.has_perm(f"negotiations.delete_{kind}")
    assert not journalist.has_perm("negotiations.publish_entry")


@pytest.mark.parametrize("kind", KINDS)
def test_editors_also_delete_and_publish(editor, kind):
    assert editor.has_perm(f"negotiations.add_{kind}")
    assert editor.has_perm(f"negotiations.delete_{kind}")
    assert editor.has_perm("negotiations.publish_entry")
    assert editor.has_perm("negotiations.add_correction")


def test_a_journalist_cannot_delete_in_the_admin(client, journalist):
    event = EventFactory(state=PublicationState.DRAFT)
    client.force_login(journalist)
    response = client.post(
        reverse("admin:negotiations_event_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_an_editor_deletes_in_the_admin(client, editor):
    event = EventFactory()
    client.force_login(editor)
    client.post(reverse("admin:negotiations_event_delete", args=[event.pk]), {"post": "yes"})
    assert not Event.objects.filter(pk=event.pk).exists()
