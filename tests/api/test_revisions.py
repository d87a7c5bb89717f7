"""Published content changes only through an editor, and visibly: pending revisions,
corrections and the workflow in the API."""

import datetime

import pytest
from django.utils import timezone

from negotiations.domain.entries import save_entry
from negotiations.models import Correction, Event, PublicationState, Revision, Statement
from tests import factories
from tests.api.conftest import API, if_match, read_all

pytestmark = pytest.mark.django_db

SECRET = "Proposed wording nobody may read yet"


@pytest.fixture
def statement(negotiation):
    return factories.StatementFactory(negotiation=negotiation, text="We will not sign.")


def held(as_journalist, statement, **changes):
    response = as_journalist.patch(
        f"{API}statements/{statement.pk}/", changes or {"text": SECRET}, **if_match(statement)
    )
    assert response.status_code == 202, response.content
    return response


def test_a_journalists_edit_of_a_live_entry_is_a_202_with_the_staff_view(as_journalist, statement):
    response = held(as_journalist, statement, text=SECRET, date="2025-02-20", key=True)
    body = response.json()
    revision = Revision.objects.get()
    assert body["text"] == "We will not sign."  # the live entry, unchanged
    assert (body["version"], body["state"], body["publish_at"]) == (1, "published", None)
    assert body["pending_revision"] == {
        "id": revision.pk,
        "changes": {"text": SECRET, "date": "2025-02-20", "key": True},
        "proposed_by": "jane",
        "proposed_at": body["pending_revision"]["proposed_at"],
        "base_version": 1,
    }
    assert Statement.objects.get(pk=statement.pk).text == "We will not sign."


def test_staff_see_pending_revisions_and_null_without(as_editor, as_journalist, statement):
    url = f"{API}statements/{statement.pk}/"
    assert as_editor.get(url).json()["pending_revision"] is None
    held(as_journalist, statement)
    listed = read_all(as_editor, f"{API}statements/")
    assert listed[0]["pending_revision"]["changes"] == {"text": SECRET}


def test_readers_never_see_a_pending_revision_or_the_workflow(
    anon, client, as_journalist, statement, negotiation
):
    held(as_journalist, statement)
    url = f"{API}statements/{statement.pk}/"
    for body in (anon.get(url).json(), read_all(anon, f"{API}statements/")[0]):
        assert not {"state", "publish_at", "pending_revision"} & set(body)
        assert body["text"] == "We will not sign."
    everywhere = [
        anon.get(url),
        anon.get(f"{API}statements/"),
        anon.get(f"{API}negotiations/{negotiation.pk}/timeline/"),
        anon.get(f"{API}changes/"),
        client.get(negotiation.get_absolute_url()),
        client.get(f"{negotiation.get_absolute_url()}feed/"),
        client.get(f"{negotiation.get_absolute_url()}changes/?since=2000-01-01"),
    ]
    for response in everywhere:
        assert response.status_code == 200
        assert SECRET not in response.content.decode()


def test_an_editor_publishes_the_revision_saying_what_it_is(
    as_editor, as_journalist, statement, anon
):
    held(as_journalist, statement)
    publish = f"{API}statements/{statement.pk}/revision/publish/"
    refused = as_editor.post(publish, {}, format="json")
    assert refused.status_code == 400
    assert "correction note" in refused.json()["correction_note"][0]

    response = as_editor.post(publish, {"correction_note": "We misquoted."}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["text"], body["version"], body["pending_revision"]) == (SECRET, 2, None)
    assert Correction.objects.get().note == "We misquoted."
    assert Revision.objects.get().status == Revision.Status.PUBLISHED
    assert anon.get(f"{API}statements/{statement.pk}/").json()["text"] == SECRET


def test_an_editor_discards_it(as_editor, as_journalist, statement):
    held(as_journalist, statement)
    response = as_editor.post(f"{API}statements/{statement.pk}/revision/discard/")
    assert response.status_code == 200
    assert response.json()["pending_revision"] is None
    assert Revision.objects.get().status == Revision.Status.DISCARDED
    assert Statement.objects.get(pk=statement.pk).text == "We will not sign."


def test_the_revision_actions_answer_403_404_409_and_412(
    as_editor, as_journalist, statement, editor
):
    publish = f"{API}statements/{statement.pk}/revision/publish/"
    discard = f"{API}statements/{statement.pk}/revision/discard/"
    assert as_editor.post(publish, {"minor_fix": True}, format="json").status_code == 404
    assert as_editor.post(discard).status_code == 404
    held(as_journalist, statement)
    assert as_journalist.post(publish, {"minor_fix": True}, format="json").status_code == 403
    assert as_journalist.post(discard).status_code == 403

    stale = as_editor.post(discard, HTTP_IF_MATCH='"1-00"')  # read before the revision
    assert stale.status_code == 412
    etag = as_editor.get(f"{API}statements/{statement.pk}/")["ETag"]

    live = Statement.objects.get(pk=statement.pk)
    live.text = "The editor's own fix."
    save_entry(live, by=editor, minor_fix=True)
    conflict = as_editor.post(publish, {"minor_fix": True}, format="json")
    assert conflict.status_code == 409
    assert "text" in conflict.json()["detail"]
    assert as_editor.post(discard, HTTP_IF_MATCH=etag).status_code == 412  # version moved
    assert as_editor.post(discard).status_code == 200


def test_editors_change_visible_content_only_with_a_note_or_a_minor_fix(as_editor, statement):
    url = f"{API}statements/{statement.pk}/"
    refused = as_editor.patch(url, {"text": "Reworded."}, **if_match(statement))
    assert refused.status_code == 400
    assert list(refused.json()) == ["correction_note"]
    both = {"text": "Reworded.", "correction_note": "x", "minor_fix": True}
    assert as_editor.patch(url, both, **if_match(statement)).status_code == 400
    fixed = as_editor.patch(url, {"text": "Reworded.", "minor_fix": True}, **if_match(statement))
    assert fixed.status_code == 200
    assert fixed.json()["corrections"] == []
    corrected = as_editor.patch(
        url, {"text": "Reworded again.", "correction_note": "Misquoted."}, **if_match(statement)
    )
    assert corrected.status_code == 200
    assert [c["note"] for c in corrected.json()["corrections"]] == ["Misquoted."]


def test_the_workflow_state_and_publish_time_for_staff(as_editor, as_journalist, negotiation, anon):
    draft = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    url = f"{API}events/{draft.pk}/"
    review = as_journalist.patch(url, {"state": "review"}, **if_match(draft))
    assert review.status_code == 200 and review.json()["state"] == "review"
    for forbidden in ({"state": "published"}, {"published": True}):
        assert as_journalist.patch(url, forbidden, **if_match(draft)).status_code == 403
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert as_journalist.patch(url, {"publish_at": later}, **if_match(draft)).status_code == 403
    assert as_editor.patch(url, {"publish_at": later}, **if_match(draft)).status_code == 400
    disagree = {"state": "draft", "published": True}
    assert as_editor.patch(url, disagree, **if_match(draft)).status_code == 400

    embargoed = as_editor.patch(
        url,
        {"state": "published", "publish_at": later, "sources": [{"url": "https://a.org/"}]},
        **if_match(draft),
    )
    assert embargoed.status_code == 200
    assert (embargoed.json()["state"], embargoed.json()["published"]) == ("published", True)
    assert anon.get(url).status_code == 404  # embargoed: not yet


def test_an_editor_embargoes_or_unpublishes_a_visible_entry_without_a_note(as_editor, anon):
    event = factories.EventFactory()
    url = f"{API}events/{event.pk}/"
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = as_editor.patch(url, {"publish_at": later}, **if_match(event))
    assert response.status_code == 200
    assert anon.get(url).status_code == 404  # readers stop seeing it at once
    response = as_editor.patch(url, {"state": "draft"}, **if_match(event))
    assert response.status_code == 200
    assert response.json()["publish_at"] is None
    assert Event.objects.get(pk=event.pk).state == PublicationState.DRAFT


def test_the_schema_documents_the_contract(anon):
    schema = anon.get(f"{API}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    patch = schema["paths"]["/api/v1/statements/{id}/"]["patch"]["responses"]
    assert {"200", "202", "400", "403", "412", "428"} <= set(patch)
    delete = schema["paths"]["/api/v1/actors/{id}/"]["delete"]["responses"]
    assert {"204", "412", "428"} <= set(delete)
    publish = schema["paths"]["/api/v1/statements/{id}/revision/publish/"]["post"]
    assert {"200", "403", "404", "409", "412"} <= set(publish["responses"])
    assert "/api/v1/statements/{id}/revision/discard/" in schema["paths"]
    statement = schema["components"]["schemas"]["Statement"]["properties"]
    assert {"state", "publish_at", "pending_revision"} <= set(statement)
    assert statement["pending_revision"]["description"].startswith("Staff only")
    request = schema["components"]["schemas"]["PatchedStatementRequest"]["properties"]
    assert {"version", "correction_note", "minor_fix", "state", "publish_at"} <= set(request)
