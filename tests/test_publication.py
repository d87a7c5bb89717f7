"""A publication as an event (negotiations.caching.publication): once it commits, the
process that wrote it builds what the negotiation's pages share under the new reader
version, and only then sets that version in the shared cache and purges the edge; a build
that fails or runs out of time still does both. The task worker builds the other outputs."""

import datetime
import io
import time

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from redis.exceptions import ResponseError

from negotiations.caching import edge, publication, reader_versions
from negotiations.domain.entries import publish
from negotiations.models import Negotiation, PublicationState
from negotiations.newsroom.backfill import import_entries_csv
from negotiations.reader import feeds, views
from negotiations.reader.selectors import entries
from negotiations.reader.selectors.queries import negotiation_paths
from tests import factories
from tests.pages.test_edge import run_due_tasks
from tests.queries import is_the_stamp
from tests.test_embargo import worker_in_test_transaction  # noqa: F401 (a fixture)
from tests.test_http_cache import sql_of

pytestmark = pytest.mark.django_db

OTHER_OUTPUTS = "negotiations.caching.publication.build_other_outputs"
# What the first read of the timeline after a publication asks the database once its
# build is done: the page's keyset, as a steady read. Building what the pages share costs
# at least ``SHARED_PARTS`` more.
AFTER_THE_BUILD = 1
SHARED_PARTS = 10
# What a publication builds before it announces its version: the negotiation, its header,
# panels, the filter's actors, the latest page.
BUILT_PARTS = 5


@pytest.fixture
def page(demo):
    return demo.get_absolute_url()


@pytest.fixture
def purges(settings, monkeypatch):
    """The edge purges enqueued: their keys and delay."""
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    sent = []

    def record(keys, urls, attempt, repeat, delay=0):
        sent.append((keys, delay))

    monkeypatch.setattr(edge, "_enqueue", record)
    return sent


@pytest.fixture
def builds(monkeypatch):
    """How many parts each build of a publication built, in order."""
    counts, build = [], publication._build

    def counting(*args):
        counts.append(build(*args))
        return counts[-1]

    monkeypatch.setattr(publication, "_build", counting)
    return counts


def publish_one(negotiation, editor, capture, *, execute=True):
    event = factories.EventFactory(
        negotiation=negotiation,
        title="Talks resume in Riyadh",
        state=PublicationState.DRAFT,
        sources=[factories.SourceFactory()],
        actors=[factories.ActorFactory(name="A new envoy")],  # the filter offers one more
    )
    with capture(execute=execute) as callbacks:
        publish(event, by=editor)
    return callbacks


@pytest.fixture
def rendered(monkeypatch):
    """The templates the reader pages render (their fragments: entries, header, panels,
    lanes, filters), by name."""
    names = []

    def recording(render):
        def render_to_string(template_name, *args, **kwargs):
            names.append(template_name)
            return render(template_name, *args, **kwargs)

        return render_to_string

    monkeypatch.setattr(entries, "render_to_string", recording(entries.render_to_string))
    return names


def first_read(page):
    response, sql = sql_of(lambda: Client().get(page))
    assert response.status_code == 200 and "Talks resume in Riyadh" in response.text
    return response, sql


def announced(negotiation):
    """The reader version the shared cache holds for ``negotiation``, if any."""
    return caches[reader_versions.ALIAS].get(reader_versions._key(negotiation.pk))


def test_a_reader_who_finds_the_new_version_finds_its_page_built(
    demo, page, editor, purges, rendered, monkeypatch, django_capture_on_commit_callbacks
):
    Client().get(page)
    seen = []
    publish_version = reader_versions.publish

    def announce_then_read(ids):
        """The reader who comes just after the new version is announced, before the purge."""
        published = publish_version(ids)
        rendered.clear()
        seen.append((announced(demo), purges[:], *first_read(page), list(rendered)))
        return published

    monkeypatch.setattr(reader_versions, "publish", announce_then_read)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    [(version, purged, built, sql, fragments)] = seen
    latest = Negotiation.objects.get(pk=demo.pk)
    assert version == (latest.reader_version, latest.reader_changed_at) and purged == []
    assert len(sql) <= AFTER_THE_BUILD, sql  # the page's keyset
    assert fragments == []  # no fragment rendered: the page's own template only
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]  # after the announcement
    # What the publication built is what a reader builds: the same page, byte for byte.
    cache.clear()
    _, alone = first_read(page)
    assert len(alone) >= AFTER_THE_BUILD + SHARED_PARTS
    assert built.content == Client().get(page).content


def test_readers_keep_the_old_version_while_the_build_runs(
    demo, page, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    """The write took the version out of the cache; once it commits, the one readers had is
    put back before the build: a reader during the build gets the page as it was, from its
    stored copy, not a page built whole."""
    Client().get(page)
    before = Client().get(page)  # the second read asks for the version, and keeps it
    old = announced(demo)
    assert old is not None
    seen = []
    build = publication._build

    def read_then_build(ids, deadline, parts):
        if parts is publication._shared_parts:
            seen.append((announced(demo), *sql_of(lambda: Client().get(page))))
        return build(ids, deadline, parts)

    monkeypatch.setattr(publication, "_build", read_then_build)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    [(version, during, sql)] = seen
    assert version == old and sql == []
    assert during.content == before.content
    assert announced(demo) != old
    assert "Talks resume in Riyadh" in Client().get(page).text


def test_readers_keep_the_old_version_even_when_none_was_cached(
    demo, page, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    """Nobody read the negotiation in the seconds before the write (its version expired):
    the one readers had is read from the database before the write moves it, and put back
    all the same; a reader during the build gets the page as it was."""
    before = Client().get(page)
    caches[reader_versions.ALIAS].delete(reader_versions._key(demo.pk))  # expired
    seen = []
    build = publication._build

    def read_then_build(ids, deadline, parts):
        if parts is publication._shared_parts:
            seen.append(sql_of(lambda: Client().get(page)))
        return build(ids, deadline, parts)

    monkeypatch.setattr(publication, "_build", read_then_build)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    [(during, sql)] = seen
    assert during.content == before.content and sql == []
    assert "Talks resume in Riyadh" in Client().get(page).text


def test_a_reader_between_the_commit_and_the_build_builds_it_all(
    demo, page, editor, purges, rendered, django_capture_on_commit_callbacks
):
    """The race left: a reader between the commit and ``put_back`` (or after Redis lost
    what it put back) finds the new version in the database and pays the whole first
    read, and keeps what it built where the build then finds it."""
    Client().get(page)
    caches[reader_versions.ALIAS].delete(reader_versions._key(demo.pk))  # expired
    callbacks = publish_one(demo, editor, django_capture_on_commit_callbacks, execute=False)
    rendered.clear()
    _, sql = first_read(page)
    assert len(sql) >= AFTER_THE_BUILD + SHARED_PARTS
    assert "negotiations/parts.html#header" in rendered
    for output in ("next", "feed", "timelinejs"):  # what the worker builds of them
        assert Client().get(negotiation_paths(demo)[output]).status_code == 200
    with CaptureQueriesContext(connection) as build:
        for callback in callbacks:
            callback()
        run_due_tasks()
    record = [q["sql"] for q in build.captured_queries if '"negotiations_' in q["sql"]]
    # The negotiation (read for the build, its announcement and the other outputs), the
    # keysets of the page, the feed and the export: all found built.
    assert len(record) == 6, record
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]


def test_the_purge_does_not_wait_for_the_other_outputs(
    demo, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    """What "what comes next", the feed and the export read is built by the task worker
    once the purge is sent: neither the edge's refetch nor the write's response wait."""
    order, record, negotiation_entries = [], edge._enqueue, feeds.negotiation_entries
    monkeypatch.setattr(edge, "_enqueue", lambda *args: order.append("purge") or record(*args))
    monkeypatch.setattr(
        feeds, "negotiation_entries", lambda n: order.append("feed") or negotiation_entries(n)
    )
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert order == ["purge"]
    assert run_due_tasks() == [("build_other_outputs", 3)]
    assert order == ["purge", "feed"]


def test_a_failing_part_is_skipped_and_the_purge_still_goes(
    demo, page, editor, purges, builds, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(views, "timeline_panels", broken)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert builds == [BUILT_PARTS - 1]  # all but the panels
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]
    assert announced(demo) is not None


def test_a_build_that_cannot_start_still_announces_and_purges(
    demo, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    def unavailable(negotiation_id):
        raise DatabaseError("gone")

    monkeypatch.setattr(publication, "_shared_parts", unavailable)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert announced(demo) is not None
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]


def test_an_old_version_that_cannot_be_put_back_still_announces_and_purges(
    demo, page, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis refusing that write with an error (not a lost connection, which the cache
    already swallows): readers during the build ask the database; the build, the
    announcement and the purge still go."""

    def refused(held):
        raise ResponseError("OOM command not allowed when used memory > 'maxmemory'")

    Client().get(page), Client().get(page)
    monkeypatch.setattr(reader_versions, "put_back", refused)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    latest = Negotiation.objects.get(pk=demo.pk)
    assert announced(demo) == (latest.reader_version, latest.reader_changed_at)
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]


def test_out_of_time_the_purge_goes_without_the_rest(
    demo, page, editor, purges, builds, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(publication, "BUILD_SECONDS", 0)
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert builds == [0]
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]
    _, sql = first_read(page)
    assert len(sql) >= AFTER_THE_BUILD + SHARED_PARTS  # nothing was built


def test_other_outputs_that_cannot_be_enqueued_leave_the_write_alone(
    demo, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    class Unreachable:
        def enqueue(self, *args):
            raise ConnectionError("the task database is away")

    monkeypatch.setattr(publication, "build_other_outputs", Unreachable())
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]


def test_without_a_shared_cache_nothing_is_built(
    demo, editor, no_shared_cache, purges, builds, django_capture_on_commit_callbacks
):
    """Each process keeps its own pages: a build would help no other reader."""
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert builds == []
    assert not DBTaskResult.objects.filter(task_path=OTHER_OUTPUTS).exists()
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout")
def test_a_statement_past_the_deadline_is_stopped_and_the_purge_goes(
    demo, editor, purges, builds, monkeypatch, django_capture_on_commit_callbacks
):
    def stuck(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(30)")

    calls = []
    monkeypatch.setattr(publication, "BUILD_SECONDS", 2.0)
    monkeypatch.setattr(views, "timeline_panels", lambda *args, **kwargs: calls.append(stuck()))
    started = time.monotonic()
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < publication.BUILD_SECONDS + 3
    assert calls == []
    # All but the panels (and what comes after them, out of time).
    assert builds[0] in (2, 3, 4)
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout")
def test_a_part_s_deadline_ends_with_it_inside_another_transaction(demo):
    """The test's own transaction stands for a caller's: after the part, its statements
    run under the timeout they had (a reader's first read once failed on the worker's)."""

    def timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = timeout()
    with publication._at_most(0.05):
        assert timeout() == "50ms"
    assert timeout() == before


DAY_BUILD = "negotiations.caching.publication.build_the_day"
DAY_BUILD_OF = "negotiations.caching.publication.build_the_day_of"
NOON = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.UTC)
NEXT_MIDNIGHT = datetime.datetime(2027, 1, 16, tzinfo=datetime.UTC)


def first_read_sql(negotiation):
    """What a reader's first read of the timeline asks besides the reader version."""
    response, sql = sql_of(lambda: Client().get(negotiation.get_absolute_url()))
    assert response.status_code == 200
    return [query for query in sql if not is_the_stamp(query)]


@pytest.mark.usefixtures("worker_in_test_transaction")
def test_as_the_worker_starts_it_builds_every_negotiation_s_first_page(demo):
    other = factories.NegotiationFactory(title="Other talks")
    factories.EventFactory(negotiation=other, title="A meeting")
    call_command("run_worker", batch=True, verbosity=0, stdout=io.StringIO())
    for negotiation in (demo, other):
        assert len(first_read_sql(negotiation)) <= AFTER_THE_BUILD


def test_the_day_s_build_runs_once_a_day_and_again_after_midnight(demo):
    other = factories.NegotiationFactory(title="Other talks")
    with time_machine.travel(NOON, tick=False):
        publication.build_the_day.enqueue()
        ran = run_due_tasks(paths=[DAY_BUILD, DAY_BUILD_OF])
        assert ran[0] == ("build_the_day", 2)  # one task for each negotiation
        assert [name for name, _ in ran[1:]] == ["build_the_day_of"] * 2
        assert max(built for _, built in ran[1:]) >= SHARED_PARTS // 2
        publication.build_the_day.enqueue()  # another worker starts the same day
        assert run_due_tasks(paths=[DAY_BUILD, DAY_BUILD_OF]) == [("build_the_day", 0)]
        [scheduled] = DBTaskResult.objects.filter(task_path=DAY_BUILD, status="READY")
        assert scheduled.run_after == NEXT_MIDNIGHT + publication.DAY_BUILD_DELAY
        for negotiation in (demo, other):
            assert len(first_read_sql(negotiation)) <= AFTER_THE_BUILD
    with time_machine.travel(NEXT_MIDNIGHT + datetime.timedelta(seconds=6), tick=False):
        ran = run_due_tasks(paths=[DAY_BUILD, DAY_BUILD_OF])
        assert ran[0] == ("build_the_day", 2)  # the new day's keys
        assert len(first_read_sql(demo)) <= AFTER_THE_BUILD
        assert DBTaskResult.objects.filter(task_path=DAY_BUILD, status="READY").count() == 1


@pytest.mark.usefixtures("worker_in_test_transaction")
def test_a_publication_s_tasks_do_not_wait_for_the_day_s_build(
    demo, editor, django_capture_on_commit_callbacks
):
    """The day's build waits on the worker's queue, one task per negotiation, behind what
    a publication enqueues meanwhile: on a site of many negotiations, a purge or the other
    outputs after midnight come within one negotiation's build, not the whole site's."""
    factories.NegotiationFactory.create_batch(3)
    assert publication.build_the_day.call() == 4
    publish_one(demo, editor, django_capture_on_commit_callbacks)
    call_command("db_worker", batch=True, reload=False, verbosity=0)
    finished = list(
        DBTaskResult.objects.filter(status="SUCCESSFUL")
        .order_by("finished_at")
        .values_list("task_path", flat=True)
    )
    assert finished == [OTHER_OUTPUTS] + [DAY_BUILD_OF] * 4


def test_a_next_day_that_could_not_be_scheduled_is_scheduled_by_the_next_start(demo, monkeypatch):
    class Unreachable:
        def using(self, **options):
            raise ConnectionError("the task database is away")

    task = publication.build_the_day
    monkeypatch.setattr(publication, "build_the_day", Unreachable())
    publication._schedule_the_next_day()
    monkeypatch.setattr(publication, "build_the_day", task)
    publication._schedule_the_next_day()
    assert DBTaskResult.objects.filter(task_path=DAY_BUILD, status="READY").count() == 1


def test_without_a_shared_cache_the_day_s_build_does_nothing(demo, no_shared_cache):
    assert publication.build_the_day.call() == 0
    assert not DBTaskResult.objects.filter(task_path=DAY_BUILD).exists()


def _drafts(negotiation, count):
    return [
        factories.EventFactory(
            negotiation=negotiation,
            title=f"Talks resume, day {number}",
            state=PublicationState.DRAFT,
            sources=[factories.SourceFactory()],
        )
        for number in range(count)
    ]


def test_writes_published_together_are_built_and_purged_once(
    demo, page, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    """Readers keep, during that one build, the version they had before the first write."""
    before = Client().get(page)
    Client().get(page)  # the second read asks for the version, and keeps it
    old = announced(demo)
    drafts = _drafts(demo, 3)
    seen, build = [], publication._build

    def read_then_build(ids, deadline, parts):
        if parts is publication._shared_parts:
            seen.append((ids, announced(demo), Client().get(page).content))
        return build(ids, deadline, parts)

    monkeypatch.setattr(publication, "_build", read_then_build)
    with django_capture_on_commit_callbacks(execute=True), publication.together():
        for draft in drafts:
            publish(draft, by=editor)
    assert seen == [([demo.pk], old, before.content)]
    assert purges == [(["site", f"neg-{demo.pk}"], 0)]
    assert "Talks resume, day 2" in Client().get(page).text


def test_writes_rolled_back_together_publish_nothing(
    demo, editor, purges, monkeypatch, django_capture_on_commit_callbacks
):
    drafts = _drafts(demo, 2)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        publication.together(),
    ):
        for draft in drafts:
            publish(draft, by=editor)
        raise RuntimeError("an import that fails on its last row")
    assert callbacks == [] and purges == []


def test_a_bulk_publication_in_the_admin_is_one_publication(
    client, demo, editor, purges, builds, django_capture_on_commit_callbacks
):
    drafts = _drafts(demo, 3)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:negotiations_event_changelist"),
            {"action": "make_published", "_selected_action": [draft.pk for draft in drafts]},
        )
    assert len(builds) == 1 and len(purges) == 1


def test_a_csv_import_is_one_publication(
    demo, editor, purges, builds, django_capture_on_commit_callbacks
):
    actor = demo.parties.order_by("pk").first()
    rows = "".join(
        f"statement,2025-03-0{day},{actor.slug},Day {day}.,https://news.example.org/{day},"
        "published\n"
        for day in range(1, 4)
    )
    text = "type,date,speaker,text,source_url,state\n" + rows
    with django_capture_on_commit_callbacks(execute=True):
        report = import_entries_csv(io.StringIO(text), negotiation=demo, by=editor)
    assert report.imported, report.errors
    assert report.created["statement"] == 3
    assert len(builds) == 1 and len(purges) == 1
