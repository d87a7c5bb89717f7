"""Who may do what: every role on every verb of every resource."""

import pytest

from negotiations.models import Actor, Entry, Negotiation, PublicationState, Source
from tests import factories
from tests.api.conftest import API, client_for, if_match


def _actor(negotiation):
    obj = factories.ActorFactory()
    new = {"name": "Emmanuel Macron", "slug": "emmanuel-macron", "kind": "person"}
    return obj, new, {"name": "Renamed", "slug": obj.slug, "kind": "government"}


def _negotiation(negotiation):
    new = {"title": "Grain corridor", "slug": "grain", "status": "active"}
    return negotiation, new, {"title": "Renamed", "slug": negotiation.slug, "status": "stalled"}


def _source(negotiation):
    obj = factories.SourceFactory()
    # Readers see a source while a published entry cites it (one that has another).
    factories.EventFactory(negotiation=negotiation, sources=[obj, factories.SourceFactory()])
    return obj, {"url": "https://example.org/new"}, {"url": obj.url, "title": "Renamed"}


def _entry(negotiation, **fields):
    return {"negotiation": negotiation.pk, "date": "2025-02", **fields}


def _replacing(fields):
    """An editor's replacement of a visible entry says what it is (a minor fix here)."""
    return {**fields, "minor_fix": True}


def _proposal(negotiation):
    obj = factories.ProposalFactory(negotiation=negotiation)
    return (
        obj,
        _entry(negotiation, title="A plan"),
        _replacing(_entry(negotiation, title="Renamed")),
    )


def _status_change(negotiation):
    obj = factories.StatusChangeFactory(proposal__negotiation=negotiation)
    new = {"proposal": obj.proposal_id, "status": "countered", "date": "2025-03"}
    return (
        obj,
        new,
        _replacing({"proposal": obj.proposal_id, "status": "rejected", "date": "2025-03"}),
    )


def _statement(negotiation):
    obj = factories.StatementFactory(negotiation=negotiation)
    return (
        obj,
        _entry(negotiation, actor=obj.actor_id, text="We agree."),
        _replacing(_entry(negotiation, actor=obj.actor_id, text="We disagree.")),
    )


def _event(negotiation):
    obj = factories.EventFactory(negotiation=negotiation)
    return (
        obj,
        _entry(negotiation, title="Summit"),
        _replacing(_entry(negotiation, title="Renamed")),
    )


def _expectation(negotiation):
    obj = factories.ExpectationFactory(negotiation=negotiation)
    return (
        obj,
        _entry(negotiation, actor=obj.actor_id, text="A deal soon."),
        _replacing(
            _entry(negotiation, actor=obj.actor_id, text="A deal later.", due_date="2025-04")
        ),
    )


RESOURCES = {
    "actors": _actor,
    "negotiations": _negotiation,
    "sources": _source,
    "proposals": _proposal,
    "status-changes": _status_change,
    "statements": _statement,
    "events": _event,
    "expectations": _expectation,
}

# list, retrieve, create, replace, change, delete
EXPECTED = {
    "anonymous": (200, 200, 401, 401, 401, 401),
    "reader": (200, 200, 403, 403, 403, 403),
    "journalist": (200, 200, 201, 200, 200, 403),
    "editor": (200, 200, 201, 200, 200, 204),
    "superuser": (200, 200, 201, 200, 200, 204),
}


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("resource", RESOURCES)
def test_role_on_every_verb(request, resource, role, negotiation):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    obj, new, replacement = RESOURCES[resource](negotiation)
    if resource == "negotiations":
        # A negotiation with entries cannot be deleted (409): use an empty one.
        obj = factories.NegotiationFactory()
        replacement["slug"] = obj.slug
    detail = f"{API}{resource}/{obj.pk}/"

    statuses = (
        client.get(f"{API}{resource}/").status_code,
        client.get(detail).status_code,
        client.post(f"{API}{resource}/", new).status_code,
        client.put(detail, replacement, **if_match(obj)).status_code,
        client.patch(detail, {}, **if_match(obj)).status_code,
        client.delete(detail, **if_match(obj)).status_code,
    )

    expected = EXPECTED[role]
    if role == "journalist" and isinstance(obj, Entry):
        # A journalist's change of a live entry waits for an editor (202 Accepted).
        expected = (*expected[:3], 202, 202, expected[5])
    assert statuses == expected
    model = type(obj)
    assert model.objects.filter(pk=obj.pk).exists() == (EXPECTED[role][5] != 204)


def test_created_entries_are_drafts_with_their_author(as_journalist, journalist, negotiation):
    response = as_journalist.post(f"{API}events/", _entry(negotiation, title="Summit"))
    assert response.status_code == 201
    entry = Entry.objects.get(pk=response.json()["id"])
    assert entry.state == PublicationState.DRAFT
    assert entry.created_by == journalist


def test_a_journalist_may_not_publish(as_journalist, negotiation):
    response = as_journalist.post(
        f"{API}events/",
        _entry(negotiation, title="Summit", published=True, sources=[{"url": "https://a.org/"}]),
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only editors can publish entries."}
    assert not Entry.objects.exists()
    assert not Source.objects.exists()  # nothing half-written

    draft = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    response = as_journalist.patch(
        f"{API}events/{draft.pk}/", {"published": True}, **if_match(draft)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only editors can publish entries."
    draft.refresh_from_db()
    assert draft.state == PublicationState.DRAFT


def test_a_journalist_may_not_unpublish_but_may_edit(as_journalist, negotiation):
    event = factories.EventFactory(negotiation=negotiation)
    response = as_journalist.patch(
        f"{API}events/{event.pk}/", {"published": False}, **if_match(event)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only editors can unpublish entries."

    response = as_journalist.patch(
        f"{API}events/{event.pk}/", {"title": "Better title"}, **if_match(event)
    )
    assert response.status_code == 202  # it waits for an editor
    body = response.json()
    assert body["published"] is True  # editing keeps it published
    assert body["pending_revision"]["changes"] == {"title": "Better title"}


def test_an_editor_publishes_and_unpublishes(as_editor, negotiation):
    draft = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    url = f"{API}events/{draft.pk}/"

    response = as_editor.patch(url, {"published": True}, **if_match(draft))
    assert response.status_code == 400
    assert response.json() == {"sources": ["A published entry cites at least one source."]}

    response = as_editor.patch(
        url, {"published": True, "sources": [{"url": "https://a.org/"}]}, **if_match(draft)
    )
    assert response.status_code == 200
    assert response.json()["published"] is True

    response = as_editor.patch(url, {"published": False}, **if_match(draft))
    assert response.status_code == 200
    assert response.json()["published"] is False


def test_drafts_do_not_exist_for_anonymous_readers(anon, reader, as_journalist, negotiation):
    published = factories.StatementFactory(negotiation=negotiation)
    draft = factories.StatementFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    signed_in = client_for(reader)

    for client in (anon, signed_in):
        listed = [item["id"] for item in client.get(f"{API}statements/").json()["results"]]
        assert listed == [published.pk]
        assert client.get(f"{API}statements/{draft.pk}/").status_code == 404
        timeline = client.get(f"{API}negotiations/{negotiation.pk}/timeline/").json()
        assert [item["id"] for item in timeline["results"]] == [published.pk]
        assert client.get(f"{API}statements/?q=Statement").json()["results"] != []

    listed = [item["id"] for item in as_journalist.get(f"{API}statements/").json()["results"]]
    assert listed == [published.pk, draft.pk]
    assert as_journalist.get(f"{API}statements/{draft.pk}/").status_code == 200


def test_records_without_publication_are_public(anon, negotiation):
    actor = factories.ActorFactory()
    assert anon.get(f"{API}actors/{actor.pk}/").status_code == 200
    assert anon.get(f"{API}negotiations/{negotiation.pk}/").json()["title"] == "The talks"
    assert Actor.objects.count() == 1 and Negotiation.objects.count() == 1


def test_readers_never_learn_of_a_draft_proposal_through_what_points_at_it(
    anon, as_journalist, negotiation
):
    """A published statement about a draft proposal, a proposal superseding one: readers
    get neither the draft's id nor the stance on it (as the pages show neither)."""
    draft = factories.ProposalFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    statement = factories.StatementFactory(
        negotiation=negotiation, proposal=draft, stance="opposes"
    )
    successor = factories.ProposalFactory(negotiation=negotiation, supersedes=draft)

    for path in (f"statements/{statement.pk}/", "statements/"):
        read = anon.get(f"{API}{path}").json()
        read = read["results"][0] if "results" in read else read
        assert (read["proposal"], read["stance"]) == (None, "")
    assert anon.get(f"{API}proposals/{successor.pk}/").json()["supersedes"] is None

    # Filtering by it answers as for an id that does not exist.
    for path in ("statements", "status-changes"):
        unknown = anon.get(f"{API}{path}/?proposal=999999")
        response = anon.get(f"{API}{path}/?proposal={draft.pk}")
        assert (response.status_code, response.json()) == (400, unknown.json())
        assert as_journalist.get(f"{API}{path}/?proposal={draft.pk}").status_code == 200

    read = as_journalist.get(f"{API}statements/{statement.pk}/").json()
    assert (read["proposal"], read["stance"]) == (draft.pk, "opposes")
    assert as_journalist.get(f"{API}proposals/{successor.pk}/").json()["supersedes"] == draft.pk
