"""Readers follow by email: double opt-in, alerts and digests through a real SMTP
server, one-click unsubscribe, throttles, and never the same alert twice."""

import datetime
import re

import pytest
import time_machine
from django.core import mail as django_mail
from django_tasks_db.models import DBTaskResult

from following import domain, tasks
from following.models import Alert, FanOut, Follow, Frequency, Subscriber
from negotiations.domain.embargoes import record_lapsed_expectations
from negotiations.domain.entries import resolve_expectation, submit_for_review
from negotiations.models import Expectation, PublicationState, ReaderEvent
from tests import factories

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def follow(email, *, frequency=Frequency.IMMEDIATE, time_zone="UTC", **target):
    """A confirmed follow, as a reader who confirmed it has."""
    subscriber, _ = Subscriber.objects.get_or_create(email=email, defaults={"time_zone": time_zone})
    return Follow.objects.create(
        subscriber=subscriber,
        frequency=frequency,
        time_zone=time_zone,
        confirmed_at=LONG_AGO,
        **target,
    )


def sign_up(client, email, **fields):
    return client.post("/follow/", {"email": email, **fields})


def links_in(text):
    return re.findall(r"https?://\S+", text)


# --------------------------------------------------------------------------- #
# The form on the pages
# --------------------------------------------------------------------------- #


def test_the_follow_form_is_on_each_page_with_no_per_reader_token(client, negotiation):
    proposal = factories.ProposalFactory(negotiation=negotiation)
    pages = [
        negotiation.get_absolute_url(),
        proposal.proposed_by.get_absolute_url(),
        f"/negotiations/{negotiation.slug}/proposals/{proposal.pk}/",
    ]
    for page in pages:
        response = client.get(page)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'action="/follow/"' in html
        assert "csrfmiddlewaretoken" not in html
        assert "Set-Cookie" not in str(response.headers)
        assert "public" in response["Cache-Control"]


def posted_as_shown(client, page, email):
    """The page's follow form, filled with ``email`` and posted with what else it holds."""
    html = client.get(page).content.decode()
    form = html[html.index('<form method="post" action="/follow/"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    fields |= {"frequency": "immediate", "time_zone": "UTC"}
    return sign_up(client, email, **fields)


def test_each_pages_form_posted_as_shown_follows_what_the_page_shows(client, negotiation):
    proposal = factories.ProposalFactory(negotiation=negotiation)
    actor = proposal.proposed_by
    pages = {
        "negotiation": (negotiation.get_absolute_url(), negotiation),
        "actor": (actor.get_absolute_url(), actor),
        "proposal": (f"/negotiations/{negotiation.slug}/proposals/{proposal.pk}/", proposal),
    }
    for name, (page, target) in pages.items():
        response = posted_as_shown(client, page, f"{name}@example.org")
        assert response.status_code == 200, response.content.decode()
        followed = Follow.objects.get(subscriber__email=f"{name}@example.org")
        assert getattr(followed, name) == target


def test_the_timeline_form_carries_the_filters_shown(client, negotiation):
    html = client.get(negotiation.get_absolute_url(), {"kind": "statement", "q": "ceasefire"})
    text = html.content.decode()
    assert 'name="filter_kind" value="statement"' in text
    assert 'name="filter_q" value="ceasefire"' in text


def test_bad_input_is_a_400_with_the_reason(client, negotiation):
    response = sign_up(client, "not an address", negotiation=negotiation.slug)
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    response = sign_up(client, "a@example.org", negotiation="no-such-talks")
    assert response.status_code == 400
    assert "There is nothing to follow here." in response.content.decode()
    response = sign_up(client, "a@example.org")
    assert response.status_code == 400
    assert "Follow one negotiation, actor or proposal." in response.content.decode()
    response = sign_up(client, "a@example.org", negotiation=negotiation.slug, time_zone="Mars/Base")
    assert response.status_code == 400
    assert Follow.objects.count() == 0


def test_a_draft_proposal_cannot_be_followed(client, negotiation):
    draft = factories.ProposalFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    response = sign_up(client, "a@example.org", proposal=draft.pk)
    assert response.status_code == 400


# --------------------------------------------------------------------------- #
# Double opt-in
# --------------------------------------------------------------------------- #


def test_double_opt_in_confirms_by_post_never_by_get(
    client, negotiation, smtp_server, run_tasks, committing
):
    with committing():
        response = sign_up(client, "Reader@Example.org", negotiation=negotiation.slug)
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert smtp_server.messages == []  # the worker mails it, not the request
    run_tasks()
    [message] = smtp_server.to("reader@example.org")
    assert "The talks" in smtp_server.body(message)
    [link] = [url for url in links_in(smtp_server.body(message)) if "/follow/confirm/" in url]
    assert link.startswith("https://testserver/follow/confirm/")
    path = link.removeprefix("https://testserver")

    # Unconfirmed: a publication mails nothing.
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    run_tasks()
    assert len(smtp_server.messages) == 1

    page = client.get(path)  # a mail scanner opening the link
    assert page.status_code == 200
    assert '<form method="post">' in page.content.decode()
    assert Follow.objects.get().confirmed_at is None
    assert "no-store" in page["Cache-Control"]

    assert client.post(path).status_code == 200
    assert Follow.objects.get().confirmed_at is not None

    with committing():
        factories.StatementFactory(negotiation=negotiation, text="We will sign on Friday.")
    run_tasks()
    assert len(smtp_server.messages) == 2
    assert "We will sign on Friday." in smtp_server.messages[-1]["Subject"]


def test_asking_again_answers_the_same_whether_or_not_the_address_follows(
    client, negotiation, time_machine
):
    # One instant for both answers: their Expires headers say the time to the second.
    time_machine.move_to(datetime.datetime.now(tz=datetime.UTC), tick=False)
    follow("known@example.org", negotiation=negotiation)
    known = sign_up(client, "known@example.org", negotiation=negotiation.slug)
    unknown = sign_up(client, "unknown@example.org", negotiation=negotiation.slug)
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().replace("known@", "X@") == unknown.content.decode().replace(
        "unknown@", "X@"
    )
    lengths = {"Content-Length"}  # the address is said back: its length differs
    assert {k: v for k, v in known.headers.items() if k not in lengths} == {
        k: v for k, v in unknown.headers.items() if k not in lengths
    }
    assert django_mail.outbox == []  # nothing is sent while the request waits


def test_asking_takes_the_same_statements_for_a_new_a_known_and_a_following_address(
    client, negotiation
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    follow("follows@example.org", negotiation=negotiation)
    follow("known@example.org", actor=factories.ActorFactory())

    def statements(address):
        with CaptureQueriesContext(connection) as queries:
            assert sign_up(client, address, negotiation=negotiation.slug).status_code == 200
        return [query["sql"].split()[0] for query in queries]

    new, known, following = (
        statements("new@example.org"),
        statements("known@example.org"),
        statements("follows@example.org"),
    )
    assert new == known
    # The same statements but one: the follow's row is written either way (inserted, or
    # updated where unconfirmed, which a confirmed follow is not).
    differing = [(a, b) for a, b in zip(new, following, strict=True) if a != b]
    assert differing == [("INSERT", "UPDATE")]
    assert Follow.objects.get(subscriber__email="follows@example.org").confirmed_at is not None


def test_at_most_one_confirmation_mail_an_hour(
    client, negotiation, smtp_server, run_tasks, committing
):
    other = factories.NegotiationFactory()
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        with committing():
            sign_up(client, "a@example.org", negotiation=negotiation.slug)
            sign_up(client, "a@example.org", negotiation=other.slug)
            sign_up(client, "a@example.org", negotiation=other.slug, frequency="daily")
        run_tasks()
    assert len(smtp_server.messages) == 1
    with time_machine.travel(start + datetime.timedelta(minutes=59), tick=False):
        with committing():
            sign_up(client, "a@example.org", negotiation=negotiation.slug)
        run_tasks()
    assert len(smtp_server.messages) == 1
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        with committing():
            sign_up(client, "a@example.org", negotiation=negotiation.slug)
        run_tasks()
    assert len(smtp_server.messages) == 2
    # Its link confirms everything asked for: both negotiations.
    body = smtp_server.body(smtp_server.messages[-1])
    assert negotiation.title in body and other.title in body


def test_unconfirmed_requests_expire(client, negotiation, smtp_server, run_tasks, committing):
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        with committing():
            sign_up(client, "a@example.org", negotiation=negotiation.slug)
        run_tasks()
    [link] = [u for u in links_in(smtp_server.body(smtp_server.messages[0])) if "confirm" in u]
    with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
        assert client.post(link.removeprefix("https://testserver")).status_code == 400
        sign_up(client, "b@example.org", negotiation=negotiation.slug)  # sweeps
    assert not Subscriber.objects.filter(email="a@example.org").exists()


@pytest.mark.parametrize("limit", ["FOLLOW_THROTTLE_ADDRESS", "FOLLOW_THROTTLE_CLIENT"])
def test_sign_ups_are_throttled(client, negotiation, settings, limit):
    setattr(settings, limit, 2)
    addresses = (
        ["a@example.org"] * 3 if limit.endswith("ADDRESS") else ["a@x.org", "b@x.org", "c@x.org"]
    )
    answers = [sign_up(client, address, negotiation=negotiation.slug) for address in addresses]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1]["Retry-After"] == "3600"


# --------------------------------------------------------------------------- #
# Alerts
# --------------------------------------------------------------------------- #


def test_an_alert_says_what_happened_links_to_it_and_unsubscribes_in_one_click(
    client, negotiation, smtp_server, run_tasks, committing
):
    follow("reader@example.org", negotiation=negotiation)
    speaker = factories.ActorFactory(name="Ms Speaker")
    with committing():
        statement = factories.StatementFactory(
            negotiation=negotiation, actor=speaker, text="We are ready to talk about the border."
        )
    task = DBTaskResult.objects.get(task_path="following.tasks.fan_out")
    assert (task.queue_name, task.priority) == ("follow", -10)
    run_tasks()
    [message] = smtp_server.to("reader@example.org")
    assert message["Subject"] == (
        "New statement in The talks: Ms Speaker: “We are ready to talk about the border.”"
    )
    body = smtp_server.body(message)
    assert (
        f"https://testserver/negotiations/talks/?entry={statement.pk}#entry-{statement.pk}" in body
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(
        r"<(https://testserver/follow/unsubscribe/[^>]+/)>", message["List-Unsubscribe"]
    )
    assert unsubscribe
    manage = [u for u in links_in(body) if "/follow/manage/" in u]
    assert manage

    # One click, as RFC 8058 mail clients do it: a POST with no cookie and no token.
    path = unsubscribe.group(1).removeprefix("https://testserver")
    answer = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert not Subscriber.objects.exists()
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    run_tasks()
    assert len(smtp_server.messages) == 1


def test_a_get_on_the_unsubscribe_link_changes_nothing(client, negotiation):
    subscriber = follow("reader@example.org", negotiation=negotiation).subscriber
    path = f"/follow/unsubscribe/{domain.manage_token(subscriber)}/"
    assert client.get(path).status_code == 200
    assert Follow.objects.count() == 1


def test_the_manage_page_stops_one_follow_or_changes_it(client, negotiation):
    first = follow("reader@example.org", negotiation=negotiation)
    actor = factories.ActorFactory()
    second = follow("reader@example.org", actor=actor)
    path = f"/follow/manage/{domain.manage_token(first.subscriber)}/"
    page = client.get(path).content.decode()
    assert negotiation.title in page and actor.name in page
    client.post(path, {"action": "frequency", "follow": second.pk, "frequency": "daily"})
    client.post(path, {"action": "stop", "follow": first.pk})
    assert list(Follow.objects.values_list("pk", "frequency")) == [(second.pk, "daily")]
    assert client.post(path, {"action": "timezone", "time_zone": "Nowhere/Land"}).status_code == 400
    assert client.get("/follow/manage/forged/").status_code == 400


def test_actor_proposal_and_filter_follows_get_what_concerns_them(
    negotiation, smtp_server, run_tasks, committing
):
    speaker = factories.ActorFactory(slug="speaker", name="Speaker")
    proposal = factories.ProposalFactory(negotiation=negotiation, title="Border plan")
    follow("actor@example.org", actor=speaker)
    follow("proposal@example.org", proposal=proposal)
    Follow.objects.create(
        subscriber=Subscriber.objects.create(email="statements@example.org"),
        negotiation=negotiation,
        filters={"kind": "statement"},
        confirmed_at=LONG_AGO,
    )
    with committing():
        factories.StatementFactory(negotiation=negotiation, actor=speaker, text="Yes.")
        factories.EventFactory(negotiation=negotiation, title="A meeting")
        factories.StatusChangeFactory(proposal=proposal, status="rejected")
    run_tasks()
    assert [m["Subject"] for m in smtp_server.to("actor@example.org")] == [
        "New statement in The talks: Speaker: “Yes.”"
    ]
    assert [m["Subject"] for m in smtp_server.to("proposal@example.org")] == [
        "A proposal's status changed in The talks: Border plan: rejected"
    ]
    statements = smtp_server.to("statements@example.org")
    assert len(statements) == 1 and "Yes." in statements[0]["Subject"]


def test_a_new_follower_gets_no_backlog(negotiation, smtp_server, run_tasks, committing):
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    later = follow("late@example.org", negotiation=negotiation)
    later.confirmed_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    later.save()
    run_tasks()
    assert smtp_server.messages == []


def test_staff_only_work_triggers_nothing(negotiation, committing):
    with committing():
        draft = factories.StatementFactory(negotiation=negotiation, state=PublicationState.DRAFT)
        submit_for_review(draft, by=factories.journalist())
    assert not DBTaskResult.objects.filter(task_path="following.tasks.fan_out").exists()


def test_no_page_feed_or_api_shows_a_followers_address(client, negotiation, committing):
    follow("secret-reader@example.org", negotiation=negotiation)
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    for path in [
        negotiation.get_absolute_url(),
        f"{negotiation.get_absolute_url()}feed/",
        "/api/v1/changes/",
        "/api/v1/statements/",
        f"/api/v1/negotiations/{negotiation.pk}/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"secret-reader" not in response.content


# --------------------------------------------------------------------------- #
# Digests
# --------------------------------------------------------------------------- #


def test_a_daily_digest_at_seven_in_the_followers_time_zone_grouped_by_negotiation(
    smtp_server, run_tasks, committing
):
    talks = factories.NegotiationFactory(title="Alpha talks")
    other = factories.NegotiationFactory(title="Beta talks")
    follow("d@example.org", frequency=Frequency.DAILY, time_zone="Europe/Kyiv", negotiation=talks)
    follow("d@example.org", frequency=Frequency.DAILY, time_zone="Europe/Kyiv", negotiation=other)
    # Kyiv is UTC+2 in March: its 07:00 is 05:00 UTC.
    noon = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(noon, tick=False):
        with committing():
            factories.StatementFactory(negotiation=talks, text="First.")
            factories.EventFactory(negotiation=talks, title="A meeting")
            factories.StatementFactory(negotiation=other, text="Second.")
        run_tasks()
    assert smtp_server.messages == []
    assert DBTaskResult.objects.filter(task_path="following.tasks.send_digest").count() == 1
    with time_machine.travel(noon + datetime.timedelta(hours=16, minutes=59), tick=False):
        run_tasks()
    assert smtp_server.messages == []
    with time_machine.travel(noon + datetime.timedelta(hours=17), tick=False):
        run_tasks()
    [digest] = smtp_server.messages
    body = smtp_server.body(digest)
    assert body.index("Alpha talks") < body.index("First.") < body.index("A meeting")
    assert body.index("A meeting") < body.index("Beta talks") < body.index("Second.")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Alert.objects.filter(status=Alert.Status.SENT).count() == 3


def test_someone_following_both_ways_gets_it_at_once(
    negotiation, smtp_server, run_tasks, committing
):
    follow("both@example.org", frequency=Frequency.DAILY, negotiation=negotiation)
    speaker = factories.ActorFactory()
    follow("both@example.org", actor=speaker)
    with committing():
        factories.StatementFactory(negotiation=negotiation, actor=speaker)
    run_tasks()
    assert len(smtp_server.messages) == 1
    assert Alert.objects.get().digest is False


# --------------------------------------------------------------------------- #
# Once, and only once
# --------------------------------------------------------------------------- #


def test_a_fan_out_run_again_after_a_killed_worker_sends_nobody_the_same_alert_twice(
    negotiation, smtp_server, run_tasks, committing
):
    for n in range(5):
        follow(f"r{n}@example.org", negotiation=negotiation)
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    event = ReaderEvent.objects.get(record_type="statement")
    # A worker planned the event, handed two mails to the server, was killed in the third.
    domain.plan(event)
    claimed = domain.claim(Alert.objects.filter(event=event), 3)
    domain.mark_sent(claimed[:2])
    DBTaskResult.objects.all().delete()  # its tasks died with it
    # Planning again adds nothing; the restarted worker resumes what is left.
    assert domain.plan(event) == (False, [], [])
    assert Alert.objects.count() == 5
    tasks.resume()
    run_tasks()
    received = sorted(message["To"] for message in smtp_server.messages)
    assert received == ["r3@example.org", "r4@example.org"]
    # The one being sent when it was killed is never sent again (at most once).
    assert Alert.objects.filter(status=Alert.Status.SENDING).count() == 1
    tasks.resume()
    run_tasks()
    assert len(smtp_server.messages) == 2


def test_a_stopped_worker_catches_up_once(negotiation, smtp_server, run_tasks, committing):
    follow("r@example.org", negotiation=negotiation)
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    DBTaskResult.objects.all().delete()  # enqueued while no worker could take it, then lost
    assert not FanOut.objects.exists()
    tasks.resume()
    tasks.resume()
    run_tasks()
    assert len(smtp_server.messages) == 1


def test_the_mail_server_down_delays_alerts_and_loses_none(
    negotiation, settings, run_tasks, committing
):
    from tests.following.conftest import free_port, smtp_mailer

    settings.MAILERS = {"default": smtp_mailer(free_port())}  # nobody listens there
    follow("r@example.org", negotiation=negotiation)
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    run_tasks()
    assert Alert.objects.get().status == Alert.Status.PENDING
    retry = DBTaskResult.objects.filter(task_path="following.tasks.send_alerts", status="READY")
    assert retry.exists()


# --------------------------------------------------------------------------- #
# An expectation that lapses
# --------------------------------------------------------------------------- #


def test_a_lapsed_expectation_is_an_event_at_its_due_date_and_an_alert(
    negotiation, smtp_server, run_tasks, committing
):
    follow("r@example.org", negotiation=negotiation)
    speaker = factories.ActorFactory(name="The envoy")
    stated = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(stated, tick=False):
        with committing():
            expectation = factories.ExpectationFactory(
                negotiation=negotiation,
                actor=speaker,
                text="A deal by Friday.",
                date="2026-03-01",
                due_date_start=datetime.date(2026, 3, 6),
            )
        run_tasks()
    lapse = DBTaskResult.objects.get(task_path="negotiations.tasks.record_lapsed_expectations")
    assert lapse.run_after == datetime.datetime(2026, 3, 7, tzinfo=datetime.UTC)
    assert len(smtp_server.messages) == 1  # the new expectation
    with time_machine.travel(
        datetime.datetime(2026, 3, 7, 0, 0, 1, tzinfo=datetime.UTC), tick=False
    ):
        run_tasks()
        run_tasks()
    assert list(
        ReaderEvent.objects.filter(record_id=expectation.pk, action="overdue").values_list(
            "record_type", flat=True
        )
    ) == ["expectation"]
    assert smtp_server.messages[-1]["Subject"] == (
        "Overdue, with no outcome yet in The talks: The envoy expects: A deal by Friday."
    )
    assert len(smtp_server.messages) == 2


def test_a_resolved_expectation_never_lapses(negotiation):
    expectation = factories.ExpectationFactory(
        negotiation=negotiation, due_date_start=datetime.date(2026, 3, 6)
    )
    resolve_expectation(
        expectation, outcome=Expectation.Outcome.MET, resolved_on=datetime.date(2026, 3, 5), by=None
    )
    at = datetime.datetime(2026, 3, 8, tzinfo=datetime.UTC)
    assert record_lapsed_expectations(now=at) == 0


def test_queries_per_recipient_do_not_grow(negotiation, committing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fan_out_queries(count):
        other = factories.NegotiationFactory()
        for n in range(count):
            follow(f"q{count}-{n}@example.org", negotiation=other)
        with committing():
            factories.StatementFactory(negotiation=other)
        event = ReaderEvent.objects.filter(negotiation=other, record_type="statement").get()
        with CaptureQueriesContext(connection) as queries:
            tasks.fan_out.call([event.pk])
            while tasks.send_alerts.call(event.pk):
                pass
        return len(queries)

    three, six, nine = fan_out_queries(3), fan_out_queries(6), fan_out_queries(9)
    assert nine - six == six - three == 3 * 2  # a claim and a "sent" per alert
