"""The edge in front (negotiations.caching.edge): every anonymous reader response names the keys of
what it shows and may be kept long; signed-in and preview responses are never kept at the edge; a
reader event purges its keys at every edge, through a real HTTP receiver on loopback."""

import datetime
import http.server
import re
import threading

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from negotiations.caching import edge
from negotiations.domain.entries import publish
from negotiations.domain.records import delete_record
from negotiations.models import PublicationState
from tests import factories

from .conftest import grow, page_urls

pytestmark = pytest.mark.django_db

OUTPUTS = [
    "home",
    "timeline",
    "timeline-filtered",
    "changes",
    "next",
    "positions",
    "corrections",
    "proposal",
    "actor",
    "feed",
    "actor-feed",
    "calendar",
    "lanes-svg",
    "embed",
    "timelinejs",
]
ACROSS_NEGOTIATIONS = {"home", "actor", "actor-feed"}


@pytest.fixture
def urls(negotiation):
    first = grow(negotiation, 1)[0]
    urls = page_urls(negotiation, proposal=first, actor=negotiation.parties.first())
    urls["api-timeline"] = f"/api/v1/negotiations/{negotiation.pk}/timeline/"
    urls["api-negotiations"] = "/api/v1/negotiations/"
    statement = negotiation.entries.filter(entry_type="statement").first()
    urls["api-statement"] = f"/api/v1/statements/{statement.pk}/"
    return urls


def keys(response):
    return set(response["xkey"].split())


@pytest.mark.parametrize("name", [*OUTPUTS, "api-timeline", "api-negotiations", "api-statement"])
def test_every_anonymous_output_names_its_keys(client, urls, negotiation, name):
    response = client.get(urls[name])
    assert response.status_code == 200
    shown = (
        {"site"}
        if name in ACROSS_NEGOTIATIONS | {"api-negotiations", "api-statement"}
        else {f"neg-{negotiation.pk}"}
    )
    assert keys(response) == shown | {"all"}
    assert response["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    # A page readers share carries nothing of one reader: no cookie, no CSRF token.
    assert not response.cookies
    assert b"csrfmiddlewaretoken" not in response.content
    again = client.get(urls[name])  # stored copy (or the middleware's answer): the same keys
    assert keys(again) == keys(response)


@pytest.mark.parametrize("name", ["timeline", "home", "feed", "api-timeline", "api-negotiations"])
def test_signed_in_responses_are_never_stored(urls, name):
    client = Client()
    client.force_login(factories.journalist(username="signed-in"))
    response = client.get(urls[name])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "xkey" not in response


def test_the_edge_keeps_copies_long_but_never_past_midnight(client, urls, settings):
    settings.EDGE_CACHE_SECONDS = 86400
    with time_machine.travel(datetime.datetime(2026, 3, 1, 23, 0, tzinfo=datetime.UTC), tick=False):
        response = client.get(urls["timeline"])
    assert re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1] == "3600"
    with time_machine.travel(datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC), tick=False):
        response = client.get(urls["calendar"])
    assert re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1] == str(18 * 3600)


def test_cdn_headers_come_from_the_same_place(client, urls, settings, negotiation):
    settings.EDGE_KEY_HEADERS = ["Surrogate-Key", "Cache-Tag"]
    response = client.get(urls["timeline"])
    assert response["Surrogate-Key"] == f"neg-{negotiation.pk} all"
    assert response["Cache-Tag"] == f"neg-{negotiation.pk}, all"
    assert "xkey" not in response


# --------------------------------------------------------------------------- #
# Purges, sent to a real HTTP server on loopback
# --------------------------------------------------------------------------- #


class Receiver(http.server.ThreadingHTTPServer):
    """An edge stand-in: records each PURGE; answers ``status``."""

    def __init__(self, status=200):
        self.status = status
        self.purges = []

        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PURGE(self):
                server.purges.append((self.path, self.headers.get("xkey-softpurge")))
                self.send_response(server.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# What the worker does after a publication: the edge purge, the build of what the other
# outputs read.
PUBLICATION_TASKS = (
    "negotiations.caching.edge.purge_edge",
    "negotiations.caching.publication.build_other_outputs",
)


def run_due_tasks(at=None, paths=PUBLICATION_TASKS):
    """What the worker does with a publication's tasks (``paths``): run each one due
    (``run_after``), once, those they enqueue too, in no set order (their ids are UUIDs).
    (A publication queues other tasks too, such as the followers' fan-out.)"""
    ran = []
    now = at or timezone.now()
    while True:
        due = [
            result
            for result in DBTaskResult.objects.filter(status="READY", task_path__in=paths)
            .order_by("pk")
            .iterator()
            if result.run_after == get_date_max() or result.run_after <= now
        ]
        if not due:
            return ran
        for result in due:
            value = result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            result.status = "SUCCESSFUL"
            result.save(update_fields=["status"])
            ran.append((result.task_name, value))


def test_a_publication_purges_its_negotiation_and_the_site_at_every_edge(
    receiver, settings, editor, negotiation, django_capture_on_commit_callbacks
):
    other = Receiver()
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        settings.EDGE_PURGE_URLS = [receiver.url, other.url]
        event = factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
        event.sources.add(factories.SourceFactory())
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            publish(event, by=editor)
        assert callbacks, "the purge waits for the commit"
        assert sorted(name for name, _ in run_due_tasks()) == ["build_other_outputs", "purge_edge"]
        expected = ("/", f"site neg-{negotiation.pk}")
        assert receiver.purges == [expected] and other.purges == [expected]
        # Once more a few seconds later: a copy fetched just before the commit goes too.
        later = timezone.now() + datetime.timedelta(seconds=settings.EDGE_PURGE_REPEAT_SECONDS)
        assert run_due_tasks(at=later) == [("purge_edge", [])]
        assert receiver.purges == [expected] * 2
    finally:
        other.shutdown()
        other.server_close()


def test_hidden_work_purges_nothing(
    receiver, settings, journalist, negotiation, django_capture_on_commit_callbacks
):
    settings.EDGE_PURGE_URLS = [receiver.url]
    with django_capture_on_commit_callbacks(execute=True):
        factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    assert (
        DBTaskResult.objects.filter(task_path="negotiations.caching.edge.purge_edge").count() == 0
    )


def test_an_edge_that_fails_is_tried_again_alone(receiver, settings):
    failing = Receiver(status=503)
    threading.Thread(target=failing.serve_forever, daemon=True).start()
    try:
        urls = [receiver.url, failing.url]
        assert edge.purge_edge.call(["neg-1"], urls) == [failing.url]
        retry = DBTaskResult.objects.get(task_path="negotiations.caching.edge.purge_edge")
        assert retry.args_kwargs["args"] == [["neg-1"], [failing.url], 1, False]
        assert retry.run_after > timezone.now()
        failing.status = 200
        later = timezone.now() + datetime.timedelta(seconds=edge.RETRY_DELAYS[0] + 1)
        assert run_due_tasks(at=later) == [("purge_edge", [])]
        assert len(receiver.purges) == 1 and len(failing.purges) == 2
        # An edge that does not answer at all is a failure too, not an error.
        failing.shutdown()
        failing.server_close()
        assert edge.purge_edge.call(["neg-1"], [failing.url], 99) == [failing.url]
    finally:
        failing.server_close()


def test_deleting_a_negotiation_purges_its_own_key(
    receiver, settings, editor, django_capture_on_commit_callbacks
):
    settings.EDGE_PURGE_URLS = [receiver.url]
    doomed = factories.NegotiationFactory(slug="doomed")
    doomed_id = doomed.pk
    with django_capture_on_commit_callbacks(execute=True):
        delete_record(doomed, by=editor)
    task = DBTaskResult.objects.get(task_path="negotiations.caching.edge.purge_edge")
    assert f"neg-{doomed_id}" in task.args_kwargs["args"][0]
