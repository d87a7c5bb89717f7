"""An embargo is lifted by a task at its publish time, never before: late is safe,
early is a breach. The task is idempotent and the worker catches up after downtime."""

import datetime
import io
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import publish
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
            publish(event, by=editor, at=NOON)
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


@pytest.fixture
def worker_in_test_transaction():
    """The worker closes connections it thinks stale between tasks; inside a test's
    transaction (PostgreSQL) that would be the test's own connection."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        yield


@pytest.mark.usefixtures("worker_in_test_transaction")
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


@pytest.mark.usefixtures("worker_in_test_transaction")
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
        lift_due_embargoes()
        assert client.get("/readyz").json()["embargoes_overdue_seconds"] == 0


def test_an_embargo_set_on_a_live_entry_hides_it_at_once(editor, negotiation):
    event = factories.EventFactory(negotiation=negotiation)
    with at(NOON - datetime.timedelta(hours=1)):
        publish(event, by=editor, at=NOON)
        assert not visible(event)
    with at(NOON):
        lift_due_embargoes()
        assert visible(event)
    assert events_of(event) == ["published", "unpublished", "published"]


def test_a_proposals_status_changes_wait_for_its_embargo(editor, negotiation):
    source = factories.SourceFactory()
    with at(NOON - datetime.timedelta(hours=1)):
        plan = factories.ProposalFactory(negotiation=negotiation, publish_at=NOON, sources=[source])
        change = factories.StatusChangeFactory(proposal=plan, sources=[source])
        assert not visible(change)
    with at(NOON):
        assert lift_due_embargoes() == 1
        assert visible(plan) and visible(change)
    assert events_of(change) == ["published"]


EMBARGOES_DUE_SOON = """
import datetime
import django
django.setup()
from django.utils import timezone
from negotiations.domain.entries import save_entry
from negotiations.domain.records import get_or_create_source
from negotiations.models import Actor, Negotiation, Source, Statement

negotiation = Negotiation.objects.get(slug="race")
actor = Actor.objects.get(slug="speaker")
source = get_or_create_source(url="https://example.org/embargoed", by=None)
due = timezone.now() + datetime.timedelta(seconds=4)
for n in range({count}):
    entry = Statement(negotiation=negotiation, actor=actor, text=f"Embargoed {{n}}.")
    entry.date = "2025-02-26"
    entry.state = "published"
    entry.publish_at = due
    save_entry(entry, by=None, sources=[source])
print(due.isoformat())
"""


def test_the_real_worker_on_sqlite_never_makes_a_write_fail(tmp_path):
    """The default SQLite setup under gunicorn, with ``run_worker`` running for real: while
    it lifts 150 embargoes that come due at once, editors keep writing, and no write
    fails with "database is locked" (no 5xx); every embargo is lifted, once."""
    import concurrent.futures
    import subprocess
    import sys
    import time

    import requests

    from tests.test_concurrent_writes import _served

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with _served(url, tmp_path) as (base, token, _pk, log, env):
        setup = subprocess.run(
            [sys.executable, "-c", EMBARGOES_DUE_SOON.format(count=150)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert setup.returncode == 0, setup.stderr[-2000:]
        with open(tmp_path / "worker.log", "wb") as output:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            headers = {"Authorization": f"Token {token}"}

            def write(i):
                statuses = []
                deadline = time.monotonic() + 10
                with requests.Session() as client:
                    while time.monotonic() < deadline:
                        answer = client.post(
                            f"{base}/api/v1/statements/",
                            json={
                                "negotiation": 1,
                                "actor": 1,
                                "text": f"Draft {i}",
                                "date": "2025-02-27",
                            },
                            headers=headers,
                            timeout=60,
                        )
                        statuses.append(answer.status_code)
                return statuses

            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                statuses = [s for batch in pool.map(write, range(6)) for s in batch]
            assert statuses and set(statuses) == {201}, (
                sorted(set(statuses)),
                log.read_text()[-3000:],
            )
            deadline = time.monotonic() + 30
            while requests.get(f"{base}/readyz", timeout=10).json()["embargoes_overdue_seconds"]:
                assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
                time.sleep(0.5)
            count = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import django; django.setup()\n"
                    "from negotiations.models import Entry, ReaderEvent\n"
                    "print(Entry.objects.published().filter(search_text__contains='Embargoed')"
                    ".count(), ReaderEvent.objects.filter(action='published', "
                    "record_type='statement').count())",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            lifted, published_events = map(int, count.stdout.split())
            assert lifted == 150
            assert published_events == 150  # each embargo once (the rest are drafts)
        finally:
            worker.terminate()
            worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_two_workers_lifting_at_once_publish_each_entry_once():
    """PostgreSQL: each run skips the rows the other holds (SKIP LOCKED), and only ever
    sets what is still unset. (SQLite runs one writer at a time: nothing to race.)"""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    negotiation = factories.NegotiationFactory()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    entries = [factories.EventFactory(negotiation=negotiation, publish_at=later) for _ in range(40)]
    due = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(publish_at=due)  # setup
    start, lifted = threading.Barrier(2), []

    def lift():
        try:
            start.wait()
            lifted.append(lift_due_embargoes())
        finally:
            connection.close()

    threads = [threading.Thread(target=lift) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(lifted) == 40
    published = ReaderEvent.objects.filter(record_type="event", action="published")
    assert published.count() == 40
    assert published.values("record_id").distinct().count() == 40
