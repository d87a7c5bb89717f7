"""No blind writes: PUT, PATCH and DELETE need If-Match or the body's version (428),
a stale one is a 412, and both are checked before the body is."""

import pytest

from negotiations.domain.entries import save_entry
from negotiations.domain.revisions import pending_revision, with_pending_revision
from negotiations.models import Event, PublicationState
from tests import factories
from tests.api.conftest import API, if_match

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(negotiation):
    return factories.EventFactory(negotiation=negotiation, title="Summit")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_blind_write_is_a_428_that_says_how(method, as_editor, event):
    response = getattr(as_editor, method)(f"{API}events/{event.pk}/", {"title": "Blind"})
    assert response.status_code == 428
    detail = response.json()["detail"]
    assert "If-Match" in detail and '"version"' in detail
    assert Event.objects.get(pk=event.pk).version == 1


def test_the_precondition_comes_before_the_body(as_editor, event, negotiation):
    url = f"{API}events/{event.pk}/"
    bad = {"title": "", "date": "not a date", "negotiation": "x"}
    assert as_editor.put(url, bad).status_code == 428
    assert as_editor.put(url, bad, HTTP_IF_MATCH='"9"').status_code == 412
    assert as_editor.put(url, {**bad, "version": 9}).status_code == 412
    assert as_editor.put(url, bad, HTTP_IF_MATCH='"1"').status_code == 400


def test_the_body_version_is_a_precondition(as_editor, event):
    url = f"{API}events/{event.pk}/"
    response = as_editor.patch(url, {"key": True, "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2
    stale = as_editor.patch(url, {"key": False, "version": 1}, format="json")
    assert stale.status_code == 412
    assert "version 2" in stale.json()["detail"]
    # With If-Match too, the body's version is still checked: never ignored.
    both = as_editor.patch(url, {"key": False, "version": 1}, format="json", **if_match(event))
    assert both.status_code == 412
    assert Event.objects.get(pk=event.pk).key is True


@pytest.mark.parametrize("version", ["two", 1.5, True, None, [1]])
def test_a_body_version_that_is_no_number_is_a_400_on_version(version, as_editor, event):
    response = as_editor.patch(
        f"{API}events/{event.pk}/", {"version": version}, format="json", **if_match(event)
    )
    assert response.status_code == 400
    assert list(response.json()) == ["version"]


def test_deleting_needs_the_precondition_too(as_editor, event):
    url = f"{API}events/{event.pk}/"
    assert as_editor.delete(url, HTTP_IF_MATCH='"5"').status_code == 412
    assert as_editor.delete(url, HTTP_IF_MATCH=as_editor.get(url)["ETag"]).status_code == 204


def test_a_whole_etag_names_the_pending_revision(as_journalist, negotiation, journalist):
    """Another journalist's revision written since your read: 412 with the whole ETag;
    a bare "<version>" checks the version only."""
    event = factories.EventFactory(negotiation=negotiation, title="Summit")
    url = f"{API}events/{event.pk}/"
    read = as_journalist.get(url)
    assert read["ETag"].startswith('"1-')  # no pending revision yet

    rival = with_pending_revision(Event.objects.get(pk=event.pk))
    rival.title = "A colleague's title"
    revision = save_entry(rival, by=factories.journalist(username="june"))

    stale = as_journalist.patch(url, {"title": "Mine"}, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert "june" in stale.json()["detail"]
    assert pending_revision(event) == revision

    again = as_journalist.get(url)
    assert again["ETag"].startswith(f'"1.{revision.pk}-')
    assert again.json()["pending_revision"]["changes"] == {"title": "A colleague's title"}
    mine = as_journalist.patch(url, {"description": "Mine"}, HTTP_IF_MATCH=again["ETag"])
    assert mine.status_code == 202
    newer = pending_revision(event)
    assert newer.changes == {"title": "A colleague's title", "description": "Mine"}
    assert mine["ETag"].startswith(f'"1.{newer.pk}-')

    bare = as_journalist.patch(url, {"description": "Bare"}, HTTP_IF_MATCH='"1"')
    assert bare.status_code == 202  # the version only


def test_readers_etags_do_not_move_with_a_pending_revision(anon, journalist, event):
    url = f"{API}events/{event.pk}/"
    before = anon.get(url)["ETag"]
    edit = with_pending_revision(Event.objects.get(pk=event.pk))
    edit.title = "Held"
    save_entry(edit, by=journalist)
    assert anon.get(url)["ETag"] == before


def test_a_draft_edit_is_a_200_with_the_new_etag(as_journalist, negotiation):
    draft = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    url = f"{API}events/{draft.pk}/"
    response = as_journalist.patch(url, {"title": "Draft title"}, **if_match(draft))
    assert response.status_code == 200
    assert response["ETag"].startswith('"2-')


def test_a_version_in_other_digits_names_no_version(as_editor, event):
    url = f"{API}events/{event.pk}/"
    response = as_editor.patch(url, {"key": True}, format="json", HTTP_IF_MATCH='"١"')
    assert response.status_code == 412
    assert Event.objects.get(pk=event.pk).version == 1
