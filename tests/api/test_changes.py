"""GET /api/v1/changes/: every record's latest change since a time, deletions included."""

import datetime

import time_machine
from django.utils import timezone

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import publish, save_entry, unpublish
from negotiations.domain.records import save_record
from negotiations.models import PublicationState
from tests import factories
from tests.api.conftest import API, if_match, read_all

T0 = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)


def at(minutes):
    return time_machine.travel(T0 + datetime.timedelta(minutes=minutes), tick=False)


def feed(client, since=None, page_size=50):
    query = f"?page_size={page_size}" + (f"&since={since}" if since else "")
    return read_all(client, f"{API}changes/{query}")


def test_the_feed_lists_creations_updates_and_deletions_oldest_first(
    anon, as_editor, editor, negotiation
):
    with at(1):
        actor = factories.ActorFactory()
        save_record(actor, by=editor)  # logged as updated at 09:01
    with at(2):
        event = factories.EventFactory(negotiation=negotiation)
    with at(3):
        doomed = factories.StatementFactory(negotiation=negotiation, actor=actor)
    with at(4):
        deleted = as_editor.delete(f"{API}statements/{doomed.pk}/", **if_match(doomed))
        assert deleted.status_code == 204
    with at(5):
        event.title = "Renamed"
        save_entry(event, by=editor, minor_fix=True)

    items = feed(anon, since="2025-03-01T09:01:00Z", page_size=2)

    def find(kind, pk):
        return next(item for item in items if item["type"] == kind and item["id"] == pk)

    assert find("actor", actor.pk) == {
        "type": "actor",
        "id": actor.pk,
        "action": "updated",
        "changed_at": "2025-03-01T09:01:00Z",
        "url": f"http://testserver/api/v1/actors/{actor.pk}/",
    }
    assert find("statement", doomed.pk) == {
        "type": "statement",
        "id": doomed.pk,
        "action": "deleted",
        "deleted_at": "2025-03-01T09:04:00Z",
    }
    assert find("event", event.pk)["action"] == "updated"
    assert find("event", event.pk)["changed_at"] == "2025-03-01T09:05:00Z"
    stamps = [item.get("changed_at") or item["deleted_at"] for item in items]
    assert stamps == sorted(stamps)
    assert len({(item["type"], item["id"]) for item in items}) == len(items)

    # Only what changed since a later time.
    later = feed(anon, since="2025-03-01T09:04:30Z")
    assert [(item["type"], item["id"]) for item in later] == [("event", event.pk)]


def test_a_mirror_kept_from_the_feed_matches_the_record(anon, as_editor, negotiation):
    """Apply the feed to a dict, as a sync client would, and compare with the lists."""
    with at(1):
        kept = factories.EventFactory(negotiation=negotiation)
        gone = factories.EventFactory(negotiation=negotiation)
    mirror = {}
    for item in feed(anon):
        mirror[(item["type"], item["id"])] = item
    with at(2):
        assert as_editor.delete(f"{API}events/{gone.pk}/", **if_match(gone)).status_code == 204
        kept_now = {"title": "Kept", "minor_fix": True}
        assert (
            as_editor.patch(f"{API}events/{kept.pk}/", kept_now, **if_match(kept)).status_code
            == 200
        )
    for item in feed(anon, since="2025-03-01T09:02:00Z"):
        if item["action"] == "deleted":
            mirror.pop((item["type"], item["id"]), None)
        else:
            mirror[(item["type"], item["id"])] = item
    events = {("event", item["id"]) for item in read_all(anon, f"{API}events/")}
    assert {key for key in mirror if key[0] == "event"} == events == {("event", kept.pk)}


def test_for_anonymous_clients_unpublished_entries_read_as_deleted(
    anon, as_journalist, editor, negotiation
):
    with at(1):
        published = factories.EventFactory(negotiation=negotiation)
        never = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    with at(2):
        unpublish(published, by=editor)

    public = {(i["type"], i["id"]): i for i in feed(anon)}
    assert public[("event", published.pk)] == {
        "type": "event",
        "id": published.pk,
        "action": "deleted",
        "deleted_at": "2025-03-01T09:02:00Z",
    }
    # A draft that was never published does not exist for the public, not even as a tombstone.
    assert ("event", never.pk) not in public

    newsroom = {(i["type"], i["id"]): i for i in feed(as_journalist)}
    assert newsroom[("event", published.pk)]["action"] == "updated"
    assert newsroom[("event", never.pk)]["action"] == "created"


def test_a_scheduled_entry_appears_when_its_embargo_is_lifted(anon, editor, negotiation):
    with at(1):
        event = factories.EventFactory(
            negotiation=negotiation,
            state=PublicationState.DRAFT,
            sources=[factories.SourceFactory()],
        )
        publish(event, by=editor, at=T0 + datetime.timedelta(minutes=30))
    with at(10):
        # Never public yet: not even a tombstone.
        assert ("event", event.pk) not in {(i["type"], i["id"]) for i in feed(anon)}
    with at(30):
        lift_due_embargoes()  # the task's work at the publish time
    with at(40):
        items = feed(anon, since="2025-03-01T09:20:00Z")
        assert [item for item in items if item["type"] == "event"] == [
            {
                "type": "event",
                "id": event.pk,
                "action": "created",
                "changed_at": "2025-03-01T09:30:00Z",
                "url": f"http://testserver/api/v1/events/{event.pk}/",
            }
        ]
        # Its source became visible with it.
        assert [item["type"] for item in items] == ["event", "source"]


def test_deleting_a_proposal_leaves_tombstones_for_its_status_changes(anon, as_editor, negotiation):
    change = factories.StatusChangeFactory(proposal__negotiation=negotiation)
    plan = change.proposal
    # The sources only they cite are no longer visible after: tombstones too.
    cited = {("source", pk) for pk in plan.sources.values_list("pk", flat=True)}
    cited |= {("source", pk) for pk in change.sources.values_list("pk", flat=True)}
    since = timezone.now().isoformat().replace("+00:00", "Z")
    assert as_editor.delete(f"{API}proposals/{plan.pk}/", **if_match(plan)).status_code == 204
    deleted = {(i["type"], i["id"]) for i in feed(anon, since=since) if i["action"] == "deleted"}
    assert deleted == {("proposal", plan.pk), ("status_change", change.pk), *cited}


def test_a_deleted_negotiation_reads_as_deleted(anon, as_editor, db):
    empty = factories.NegotiationFactory()
    response = as_editor.delete(f"{API}negotiations/{empty.pk}/", **if_match(empty))
    assert response.status_code == 204
    items = {(i["type"], i["id"]): i for i in feed(anon)}
    assert items[("negotiation", empty.pk)]["action"] == "deleted"


def test_a_bad_since_is_a_400(anon, db):
    response = anon.get(f"{API}changes/?since=yesterday")
    assert response.status_code == 400
    assert list(response.json()) == ["since"]
