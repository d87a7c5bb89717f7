"""Editors' previews stored under the preview token (negotiations.caching.tokens): read
again for what it costs to know who asks, shared by every previewer, never readers', and
never read again after a write of anything they show, drafts included."""

import datetime

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client
from django.urls import set_script_prefix

from negotiations.caching import previews, reader_versions, tokens
from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import create_statement, save_entry
from negotiations.domain.records import delete_record, save_record
from negotiations.models import Negotiation, PublicationState
from tests import factories
from tests.pages.test_edge import run_due_tasks
from tests.queries import authentication_only
from tests.test_http_cache import assert_private_copy, outer_calls, signed_in, sql_of

pytestmark = pytest.mark.django_db

DRAFT = PublicationState.DRAFT


def url_of(name, negotiation):
    if name == "timeline":
        return negotiation.get_absolute_url()
    return f"/api/v1/negotiations/{negotiation.pk}/timeline/"


@pytest.mark.parametrize(
    "name, how", [("timeline", "session"), ("api", "session"), ("api", "token")]
)
def test_a_preview_is_stored_for_every_previewer_and_apart_from_readers(talks, editor, name, how):
    factories.EventFactory(negotiation=talks, title="Draft meeting", state=DRAFT)
    url = url_of(name, talks)
    staff = signed_in(Client(), editor, how)
    first = staff.get(url)
    assert "Draft meeting" in first.text
    assert_private_copy(first)
    again, sql = sql_of(lambda: staff.get(url))
    assert authentication_only(sql), sql  # nothing read nor rendered
    assert again.content == first.content
    assert_private_copy(again)
    colleague = signed_in(Client(), factories.journalist(username="jo"), how)
    _, sql = sql_of(lambda: colleague.get(url))
    assert authentication_only(sql), sql
    assert "Draft meeting" not in Client().get(url).text


def _add_draft(talks, editor, draft):
    factories.EventFactory(negotiation=talks, title="Late draft", state=DRAFT)
    return "Late draft", None


def _rename_draft(talks, editor, draft):
    draft.text = "Renamed draft"
    save_entry(draft, by=editor)
    return "Renamed draft", "Draft meeting"


def _delete_draft(talks, editor, draft):
    delete_record(draft, by=editor)
    return None, "Draft meeting"


def _rename_an_actor_only_a_draft_names(talks, editor, draft):
    actor = draft.actor
    actor.name = "Ms Renamed"
    save_record(actor, by=editor)
    return "Ms Renamed", "Ms Before"


def _change_the_draft_s_sources(talks, editor, draft):
    source = factories.SourceFactory(title="A later report")
    save_entry(draft, by=editor, sources=[*draft.sources.all(), source])
    return "A later report", None


WRITES = {
    "a draft added": _add_draft,
    "a draft's title changed": _rename_draft,
    "a draft deleted": _delete_draft,
    "an actor only a draft names renamed": _rename_an_actor_only_a_draft_names,
    "a draft's sources changed": _change_the_draft_s_sources,
}


@pytest.mark.parametrize("name", ["timeline", "api"])
@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_readers_do_not_see_takes_the_stored_preview_away(talks, editor, name, write):
    """None of these moves the reader version: the preview token alone says the stored
    preview is stale."""
    draft = factories.StatementFactory(
        negotiation=talks,
        state=DRAFT,
        actor=factories.ActorFactory(name="Ms Before"),
        text="Draft meeting",
    )
    url = url_of(name, talks)
    staff = signed_in(Client(), editor, "session")
    staff.get(url)
    version = Negotiation.objects.get(pk=talks.pk).reader_version
    shown, gone = WRITES[write](talks, editor, draft)
    assert Negotiation.objects.get(pk=talks.pk).reader_version == version
    page = staff.get(url).text
    if shown:
        assert shown in page
    if gone:
        assert gone not in page
    assert staff.get(url).text == page  # stored again, under the new token


@pytest.mark.parametrize("worker", ["has built", "has not built yet"])
def test_an_embargo_lifted_takes_the_stored_preview_away(
    talks, editor, worker, django_capture_on_commit_callbacks
):
    """The lift is a ``QuerySet.update``, no signal: it moves the reader version, which
    previews are stored under, and the worker builds them again all the same."""
    two_pm = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    staff = signed_in(Client(), editor, "session")
    with time_machine.travel(two_pm - datetime.timedelta(minutes=5), tick=False):
        factories.EventFactory(negotiation=talks, title="Embargoed", publish_at=two_pm)
        assert "Scheduled for" in staff.get(talks.get_absolute_url()).text
    with time_machine.travel(two_pm + datetime.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            lift_due_embargoes()
        if worker == "has built":
            assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 1)]
        page, sql = sql_of(lambda: staff.get(talks.get_absolute_url()))
    assert "Scheduled for" not in page.text
    assert authentication_only(sql) == (worker == "has built"), sql


def test_a_write_takes_the_token_away_again_once_it_commits(
    talks, editor, django_capture_on_commit_callbacks
):
    """A preview read from the rows as they were, between the write and its commit,
    adds a token of its own: the commit takes that one away too."""
    before = tokens.PREVIEWS.current()
    with django_capture_on_commit_callbacks() as callbacks:
        factories.EventFactory(negotiation=talks, title="Draft meeting", state=DRAFT)
        during = tokens.PREVIEWS.current()  # another process's preview, before the commit
        assert during != before
        assert tokens.PREVIEWS.current() == during
    assert callbacks
    for callback in callbacks:
        callback()
    assert tokens.PREVIEWS.current() not in (before, during)


def test_without_a_shared_cache_a_preview_is_built_every_time(talks, editor, no_shared_cache):
    assert tokens.PREVIEWS.current() is None
    staff = signed_in(Client(), editor, "session")
    staff.get(talks.get_absolute_url())
    page, sql = sql_of(lambda: staff.get(talks.get_absolute_url()))
    assert "First meeting" in page.text and not authentication_only(sql)


def test_a_stored_preview_is_kept_no_longer_than_a_token_lives(talks, editor):
    """Were its token to live on (a commit's delete lost, then the token added again),
    the stored preview is not: it is built again."""
    url = talks.get_absolute_url()
    staff = signed_in(Client(), editor, "session")
    start = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        token = tokens.PREVIEWS.current()
        staff.get(url)
    later = start + datetime.timedelta(seconds=tokens.TOKEN_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        caches[reader_versions.ALIAS].set(tokens.PREVIEWS.key, token)
        page, sql = sql_of(lambda: staff.get(url))
        assert tokens.PREVIEWS.current() == token
    assert "First meeting" in page.text and not authentication_only(sql)


@pytest.mark.parametrize("name, how", [("timeline", "session"), ("api", "token")])
def test_a_preview_reads_both_tokens_in_one_round_trip(talks, editor, name, how, monkeypatch):
    """Its permissions need the roles token, its stored copy the preview token: one read."""
    url = url_of(name, talks)
    staff = signed_in(Client(), editor, how)
    staff.get(url)
    reads = outer_calls(monkeypatch, caches[reader_versions.ALIAS], ("get", "get_many"))
    again, sql = sql_of(lambda: staff.get(url))
    assert "First meeting" in again.text and authentication_only(sql), sql
    keys = {token.key for token in tokens.ALL}
    assert [set(read) for read in reads if keys & set(read)] == [keys]


def test_a_write_in_a_request_gives_its_later_reads_a_new_token(talks, editor):
    seen = []

    def view(request):
        seen.append(tokens.PREVIEWS.current())
        factories.EventFactory(negotiation=talks, title="Draft meeting", state=DRAFT)
        seen.append(tokens.PREVIEWS.current())
        seen.append(tokens.PREVIEWS.current())

    tokens.TokensMiddleware(view)(None)
    assert seen[0] != seen[1] == seen[2]


BUILD_AHEAD = ("negotiations.caching.previews.build_ahead",)


def _write_a_draft(talks, title, callbacks):
    with callbacks(execute=True):
        factories.EventFactory(negotiation=talks, title=title, state=DRAFT)


@pytest.mark.parametrize("name, how", [("timeline", "session"), ("api", "token")])
@pytest.mark.parametrize("worker", ["has built", "has not built yet"])
def test_after_a_write_the_worker_builds_again_what_a_previewer_built(
    talks, editor, name, how, worker, django_capture_on_commit_callbacks
):
    """The editor's next look finds the preview stored, with the write, for what it costs
    to know who asks; before the worker's build, it builds the page whole."""
    url = url_of(name, talks)
    staff = signed_in(Client(), editor, how)
    staff.get(url)
    _write_a_draft(talks, "Late draft", django_capture_on_commit_callbacks)
    if worker == "has built":
        assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 1)]
    page, sql = sql_of(lambda: staff.get(url))
    assert "Late draft" in page.text
    assert authentication_only(sql) == (worker == "has built"), sql
    assert_private_copy(page)


def test_the_worker_builds_once_the_publication_is_announced(
    talks, editor, django_capture_on_commit_callbacks, monkeypatch
):
    """A publication holds its new reader version back while it builds the readers' pages
    (``caching.publication``): a preview built before would be stored under the old one,
    where the editor's look would not find it."""
    url = talks.get_absolute_url()
    staff = signed_in(Client(), editor, "session")
    staff.get(url)
    with django_capture_on_commit_callbacks() as callbacks:
        create_statement(
            negotiation=talks,
            actor=factories.ActorFactory(),
            text="Signed.",
            date="2025-02-25",
            by=editor,
            published=True,
            sources=[factories.SourceFactory()],
        )
    publish = reader_versions.publish
    monkeypatch.setattr(reader_versions, "publish", lambda ids: True)  # still building
    for callback in callbacks:
        callback()
    waits = []

    def announce_while_waiting(seconds):
        waits.append(seconds)
        publish([talks.pk])

    monkeypatch.setattr(previews.time, "sleep", announce_while_waiting)
    run_due_tasks(paths=BUILD_AHEAD)
    page, sql = sql_of(lambda: staff.get(url))
    assert waits and "Signed" in page.text
    assert authentication_only(sql), sql


def test_only_what_a_previewer_built_lately_is_built_again(
    talks, editor, django_capture_on_commit_callbacks
):
    staff = signed_in(Client(), editor, "session")
    start = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        staff.get(talks.get_absolute_url())
    later = start + datetime.timedelta(seconds=previews.RECENT_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        _write_a_draft(talks, "Late draft", django_capture_on_commit_callbacks)
        assert run_due_tasks(paths=BUILD_AHEAD) == []  # nothing queued: nobody previewed


def test_of_the_addresses_remembered_only_those_built_lately_are_built_again(
    talks, editor, django_capture_on_commit_callbacks
):
    """Each address for ``RECENT_SECONDS`` after its previewer built it, however recently
    another was built."""
    staff = signed_in(Client(), editor, "session")
    start = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        staff.get(talks.get_absolute_url())
    with time_machine.travel(start + datetime.timedelta(seconds=500), tick=False):
        staff.get(f"/api/v1/negotiations/{talks.pk}/timeline/")
    with time_machine.travel(start + datetime.timedelta(seconds=700), tick=False):
        _write_a_draft(talks, "Late draft", django_capture_on_commit_callbacks)
        assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 1)]


def test_the_worker_looks_as_the_previewer_only_while_they_may_preview(
    talks, editor, django_capture_on_commit_callbacks
):
    staff = signed_in(Client(), editor, "session")
    staff.get(talks.get_absolute_url())
    editor.is_staff = False
    editor.save()
    _write_a_draft(talks, "Late draft", django_capture_on_commit_callbacks)
    assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 0)]


def test_writes_committed_before_the_worker_starts_queue_one_build(
    talks, editor, django_capture_on_commit_callbacks
):
    signed_in(Client(), editor, "session").get(talks.get_absolute_url())
    for title in ("One", "Two", "Three"):
        _write_a_draft(talks, title, django_capture_on_commit_callbacks)
    assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 1)]
    _write_a_draft(talks, "Four", django_capture_on_commit_callbacks)  # after it started
    assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 1)]


@pytest.fixture
def served_under_a_path():
    """Parley served under ``/parley/`` (what a WSGI server's ``SCRIPT_NAME`` sets for each
    request; the test client sets nothing)."""
    set_script_prefix("/parley/")
    yield
    set_script_prefix("/")


def test_the_worker_builds_the_preview_with_the_address_s_own_links(
    talks, editor, served_under_a_path, django_capture_on_commit_callbacks
):
    """The links of the preview the worker builds start with the path the previewer's
    own build's started with, whatever the worker's last task set."""
    staff = signed_in(Client(SCRIPT_NAME="/parley"), editor, "session")
    url = "/negotiations/talks/"  # the path after SCRIPT_NAME
    staff.get(url)
    _write_a_draft(talks, "Late draft", django_capture_on_commit_callbacks)
    set_script_prefix("/")  # the worker serves no request
    assert run_due_tasks(paths=BUILD_AHEAD) == [("build_ahead", 1)]
    set_script_prefix("/parley/")
    page, sql = sql_of(lambda: staff.get(url))
    assert authentication_only(sql), sql
    assert 'href="/parley/negotiations/talks/changes/"' in page.text
