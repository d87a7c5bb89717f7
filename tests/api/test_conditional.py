"""ETag and 304 on reads; If-Match and 412 on writes."""

import pytest

from negotiations.domain.entries import save_entry
from negotiations.models import Event, PublicationState
from tests import factories
from tests.api.conftest import API, if_match


@pytest.fixture
def event(negotiation):
    return factories.EventFactory(negotiation=negotiation, title="Summit")


@pytest.mark.parametrize(
    "path",
    ["events/{pk}/", "events/", "negotiations/{negotiation}/timeline/", "changes/", "actors/"],
)
def test_every_get_has_an_etag_and_answers_304(path, anon, event, negotiation):
    url = API + path.format(pk=event.pk, negotiation=negotiation.pk)
    first = anon.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.removeprefix("W/").startswith('"') and etag.endswith('"')

    again = anon.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    weak = etag if etag.startswith("W/") else f"W/{etag}"  # If-None-Match compares weakly
    assert anon.get(url, HTTP_IF_NONE_MATCH=weak).status_code == 304
    assert anon.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert anon.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_etag_changes_with_what_is_shown(anon, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    url = f"{API}proposals/{plan.pk}/"
    etag = anon.get(url)["ETag"]
    assert etag.startswith('"1-')  # the version comes first

    # A new status change does not touch the proposal's row, but its status shows it.
    factories.StatusChangeFactory(proposal=plan, status="countered")
    response = anon.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["status"] == "countered"
    assert response["ETag"] != etag


def test_a_preview_carries_no_validators_readers_could_match(anon, as_journalist, negotiation):
    factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    url = f"{API}negotiations/{negotiation.pk}/timeline/"
    public, preview = anon.get(url), as_journalist.get(url)
    assert "ETag" not in preview and "Last-Modified" not in preview
    assert preview.content != public.content
    assert "private" in preview["Cache-Control"]
    again = as_journalist.get(url, HTTP_IF_NONE_MATCH=public["ETag"])
    assert again.status_code == 200 and again.content == preview.content
    assert "Authorization" in public["Vary"]


def test_if_match_with_the_current_etag_or_version(as_journalist, negotiation):
    draft = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    url = f"{API}events/{draft.pk}/"
    etag = as_journalist.get(url)["ETag"]

    response = as_journalist.patch(url, {"title": "Summit in Riyadh"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response["ETag"].startswith('"2-')

    response = as_journalist.patch(url, {"title": "Summit in Jeddah"}, HTTP_IF_MATCH='"2"')
    assert response.status_code == 200
    response = as_journalist.patch(url, {"key": True}, HTTP_IF_MATCH='"3"')
    assert response.status_code == 200
    assert response.json()["version"] == 4
    # "Any version" is no precondition: a blind write.
    response = as_journalist.patch(url, {"key": False}, HTTP_IF_MATCH="*")
    assert response.status_code == 428


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_gets_412_and_nothing_changes(method, as_editor, event, negotiation):
    url = f"{API}events/{event.pk}/"
    stale = as_editor.get(url)["ETag"]
    changed = as_editor.patch(
        url, {"title": "Changed meanwhile", "minor_fix": True}, **if_match(event)
    )
    assert changed.status_code == 200

    payload = {"negotiation": negotiation.pk, "date": "2025-03", "title": "Mine"}
    response = getattr(as_editor, method)(url, payload, HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert "version 2" in response.json()["detail"]
    event = Event.objects.get(pk=event.pk)
    assert (event.title, event.version, event.date.edtf) == ("Changed meanwhile", 2, "2025-02-23")


def test_a_write_that_loses_the_race_gets_412_naming_who_won(
    as_journalist, editor, event, monkeypatch
):
    """Between reading the record and saving it, someone else saved: the domain refuses."""
    url = f"{API}events/{event.pk}/"
    original = save_entry

    def save_after_someone_else(entry, **kwargs):
        rival = Event.objects.get(pk=entry.pk)
        rival.title = "The editor's title"
        original(rival, by=editor, minor_fix=True)
        return original(entry, **kwargs)

    monkeypatch.setattr("negotiations.api.serializers.save_entry", save_after_someone_else)
    response = as_journalist.patch(url, {"title": "Mine"}, **if_match(event))

    assert response.status_code == 412
    assert "was changed by eddie" in response.json()["detail"]
    event.refresh_from_db()
    assert event.title != "Mine"  # (the simulated rival shared the request's transaction)


def test_writes_without_a_precondition_are_refused(as_journalist, event):
    response = as_journalist.patch(f"{API}events/{event.pk}/", {"title": "No precondition"})
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
