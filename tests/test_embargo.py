"""An embargo is lifted by a task at its publish time, never before: late is safe,
early is a breach. The task is idempotent and the worker catches up after downtime."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from negotiations import domain
from negotiations.models import Entry, PublicationState, ReaderEvent
from negotiations.tasks import lift_embargoes
from tests import factories

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def visible(entry):
    return Entry.objects.published().filter(pk=entry.pk).exists()


def events_of(entry):
    return list(
        ReaderEvent.objects.filter(record_id=entry.pk, record_type=entry.entry_type)
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def embargoed(editor, negotiation, django_capture_on_commit_callbacks):
    with at(NOON - datetime.timedelta(hours=1)):
        event = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
        event.sources.add(factories.SourceFactory())
        with django_capture_on_commit_callbacks(execute=True):
            domain.publish(event, by=editor, at=NOON)
    return event


def test_setting_a_future_publish_time_enqueues_the_task_at_that_time(embargoed):
    task = DBTaskResult.objects.get()
    assert task.task_path == "negotiations.tasks.lift_embargoes"
    assert task.run_after == NOON


def test_nothing_is_shown_before_its_time(embargoed, negotiation):
    version = type(negotiation).objects.get(pk=negotiation.pk).reader_version
    with at(NOON - datetime.timedelta(seconds=1)):
        assert lift_embargoes.call() == 0
        assert not visible(embargoed)
    assert events_of(embargoed) == []
    assert type(negotiation).objects.get(pk=negotiation.pk).reader_version == version


def test_late_is_safe_the_clock_alone_shows_nothing(embargoed):
    with at(NOON + datetime.timedelta(hours=1)):
        assert not visible(embargoed)  # until the task runs


def test_the_task_run_twice_publishes_once_with_one_event(embargoed, negotiation):
    version = type(negotiation).objects.get(pk=negotiation.pk).reader_version
    with at(NOON):
        assert lift_embargoes.call() == 1
        assert lift_embargoes.call() == 0
        assert visible(embargoed)
    assert events_of(embargoed) == ["published"]
    stored = Entry.objects.get(pk=embargoed.pk)
    assert stored.live_since == NOON
    assert type(negotiation).objects.get(pk=negotiation.pk).reader_version == version + 1


def test_the_worker_runs_the_task_at_its_time(embargoed):
    with at(NOON - datetime.timedelta(seconds=5)):
        call_command("db_worker", batch=True, reload=False, verbosity=0)
        assert not visible(embargoed)
        assert DBTaskResult.objects.get().status == "READY"
    with at(NOON + datetime.timedelta(seconds=1)):
        call_command("db_worker", batch=True, reload=False, verbosity=0)
        assert visible(embargoed)
        task = DBTaskResult.objects.get()
        assert (task.status, task.return_value) == ("SUCCESSFUL", 1)
    assert events_of(embargoed) == ["published"]


def test_run_worker_catches_up_after_downtime(embargoed):
    DBTaskResult.objects.all().delete()  # the task was lost: the worker was down
    with at(NOON + datetime.timedelta(days=2)):
        out = io.StringIO()
        call_command("run_worker", batch=True, verbosity=0, stdout=out)
        assert visible(embargoed)
        assert "Lifted 1 embargoed" in out.getvalue()
    assert events_of(embargoed) == ["published"]


def test_readyz_reports_how_far_the_worker_is_behind(client, embargoed):
    with at(NOON + datetime.timedelta(seconds=90)):
        report = client.get("/readyz")
        assert report.status_code == 200
        assert report.json() == {"status": "ready", "embargoes_overdue_seconds": 90.0}
        domain.lift_due_embargoes()
        assert client.get("/readyz").json()["embargoes_overdue_seconds"] == 0


def test_an_embargo_set_on_a_live_entry_hides_it_at_once(editor, negotiation):
    event = factories.EventFactory(negotiation=negotiation)
    with at(NOON - datetime.timedelta(hours=1)):
        domain.publish(event, by=editor, at=NOON)
        assert not visible(event)
    with at(NOON):
        domain.lift_due_embargoes()
        assert visible(event)
    assert events_of(event) == ["published", "unpublished", "published"]


def test_a_proposals_status_changes_wait_for_its_embargo(editor, negotiation):
    source = factories.SourceFactory()
    with at(NOON - datetime.timedelta(hours=1)):
        plan = factories.ProposalFactory(negotiation=negotiation, publish_at=NOON, sources=[source])
        change = factories.StatusChangeFactory(proposal=plan, sources=[source])
        assert not visible(change)
    with at(NOON):
        assert domain.lift_due_embargoes() == 1
        assert visible(plan) and visible(change)
    assert events_of(change) == ["published"]
