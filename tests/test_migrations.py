"""The upgrade to reader events (migrations 0009 and 0010) leaves no page stale or empty:
what readers saw before, they see after, each record with one ``published`` event."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("negotiations", "0008_revision")]
AFTER = [("negotiations", "0010_reader_events_backfill")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_records_get_live_since_versions_and_events():
    old = migrate(BEFORE)
    Negotiation = old.get_model("negotiations", "Negotiation")
    Source = old.get_model("negotiations", "Source")
    Statement = old.get_model("negotiations", "Statement")
    Proposal = old.get_model("negotiations", "Proposal")
    StatusChange = old.get_model("negotiations", "StatusChange")
    Actor = old.get_model("negotiations", "Actor")
    now = timezone.now()
    talks = Negotiation.objects.create(title="Talks", slug="talks")
    actor = Actor.objects.create(name="Speaker", slug="speaker")
    cited, hidden_source = (
        Source.objects.create(url="https://example.org/a"),
        Source.objects.create(url="https://example.org/b"),
    )

    def entry(model, state="published", publish_at=None, **fields):
        made = model.objects.create(
            negotiation=talks,
            entry_type=model._meta.model_name.replace("statuschange", "status_change"),
            date_start=datetime.date(2025, 2, 1),
            state=state,
            publish_at=publish_at,
            **fields,
        )
        return made

    live = entry(Statement, actor=actor, text="Said.")
    live.sources.add(cited)
    scheduled_past = entry(
        Statement, actor=actor, text="Was embargoed.", publish_at=now - datetime.timedelta(days=1)
    )
    embargoed = entry(
        Statement, actor=actor, text="Embargoed.", publish_at=now + datetime.timedelta(days=1)
    )
    embargoed.sources.add(hidden_source)
    draft = entry(Statement, state="draft", actor=actor, text="Draft.")
    draft_plan = entry(Proposal, state="draft", title="Draft plan")
    hidden_change = entry(StatusChange, proposal=draft_plan, status="proposed")

    new = migrate(AFTER)
    Entry = new.get_model("negotiations", "Entry")
    ReaderEvent = new.get_model("negotiations", "ReaderEvent")
    talks = new.get_model("negotiations", "Negotiation").objects.get(pk=talks.pk)
    assert talks.reader_version == 1 and talks.reader_changed_at is not None

    since = dict(Entry.objects.values_list("pk", "live_since"))
    assert since[live.pk] is not None
    assert since[scheduled_past.pk] == scheduled_past.publish_at
    assert since[embargoed.pk] is None and since[draft.pk] is None

    events = set(ReaderEvent.objects.values_list("record_type", "record_id", "action"))
    assert events == {
        ("negotiation", talks.pk, "published"),
        ("actor", actor.pk, "published"),
        ("statement", live.pk, "published"),
        ("statement", scheduled_past.pk, "published"),
        ("source", cited.pk, "published"),
    }
    # The hidden status change (its proposal is a draft) got live_since (it is published
    # itself) but no event: readers see it only with its proposal.
    assert since[hidden_change.pk] is not None
