"""Webhooks for API consumers: keys without newsroom rights, endpoints of their own,
Standard Webhooks signatures verified by the receiver, retries with backoff against a
real receiver that fails then succeeds, disabling, and no server-side request forgery."""

import datetime
import io
import json

import pytest
import time_machine
from django.core import mail as django_mail
from django.core.management import call_command
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from following.models import WebhookDelivery, WebhookEndpoint
from negotiations.domain.entries import add_correction, unpublish
from negotiations.models import PublicationState
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def consumer_key():
    out = io.StringIO()
    call_command("create_api_key", "data-desk", "--email", "desk@example.org", stdout=out)
    return out.getvalue().strip()


def api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def verified(request, secret):
    """The payload, verified as a receiver would with the standardwebhooks library."""
    return Webhook(secret).verify(request["body"], request["headers"])


def test_a_consumer_key_reads_like_a_reader_and_writes_nothing(consumer_key, negotiation):
    client = api(consumer_key)
    draft = factories.StatementFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    assert client.get("/api/v1/statements/").json()["results"] == []
    assert client.get(f"/api/v1/statements/{draft.pk}/").status_code == 404
    speaker = factories.ActorFactory()
    response = client.post(
        "/api/v1/statements/",
        {"negotiation": negotiation.pk, "actor": speaker.pk, "text": "x", "date": "2025"},
        format="json",
    )
    assert response.status_code == 403


def test_register_list_change_and_delete_your_own(consumer_key, negotiation, receiver):
    client = api(consumer_key)
    created = client.post(
        "/api/v1/webhooks/", {"url": receiver.url, "negotiation": negotiation.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["negotiation"] == negotiation.pk and body["enabled"] is True
    listed = client.get("/api/v1/webhooks/").json()
    assert [item["id"] for item in listed] == [body["id"]]
    assert "secret" not in listed[0]
    changed = client.patch(f"/api/v1/webhooks/{body['id']}/", {"negotiation": None}, format="json")
    assert changed.status_code == 200 and changed.json()["negotiation"] is None

    out = io.StringIO()
    call_command("create_api_key", "someone-else", stdout=out)
    other = api(out.getvalue().strip())
    assert other.get("/api/v1/webhooks/").json() == []
    assert other.get(f"/api/v1/webhooks/{body['id']}/").status_code == 404
    assert other.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 204
    assert APIClient().get("/api/v1/webhooks/").status_code in (401, 403)


def test_an_unknown_query_parameter_is_a_400(consumer_key, receiver):
    client = api(consumer_key)
    created = client.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").json()
    for path in ["/api/v1/webhooks/", f"/api/v1/webhooks/{created['id']}/deliveries/"]:
        response = client.get(path, {"colour": "blue"})
        assert response.status_code == 400
        assert list(response.json()) == ["colour"]


def test_bad_input_is_a_400_with_field_messages(consumer_key, negotiation, receiver):
    client = api(consumer_key)
    actor = factories.ActorFactory()
    both = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "negotiation": negotiation.pk, "actor": actor.pk},
        format="json",
    )
    assert both.status_code == 400
    assert "one negotiation, actor or proposal" in json.dumps(both.json())
    missing = client.post("/api/v1/webhooks/", {"negotiation": 999999}, format="json")
    assert missing.status_code == 400
    assert {"url", "negotiation"} <= set(json.dumps(missing.json()).replace('"', " ").split())


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",  # a name that resolves to 127.0.0.1
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://example.org:99999/hook",  # no such port
        "https://no-such-host.invalid/hook",
    ],
)
def test_urls_that_reach_private_addresses_are_refused(consumer_key, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = api(consumer_key).post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400, response.json()
    assert "url" in json.dumps(response.json())
    assert not WebhookEndpoint.objects.exists()


def test_a_delivery_is_signed_and_carries_what_a_reader_gets(
    consumer_key, negotiation, receiver, run_tasks, committing
):
    created = api(consumer_key).post(
        "/api/v1/webhooks/", {"url": receiver.url, "negotiation": negotiation.pk}, format="json"
    )
    secret = created.json()["secret"]
    with committing():
        statement = factories.StatementFactory(negotiation=negotiation, text="We agree.")
    run_tasks()
    [request] = receiver.requests
    payload = verified(request, secret)
    assert payload["type"] == "entry.published"
    reader_view = APIClient().get(f"/api/v1/statements/{statement.pk}/", secure=True).json()
    assert payload["data"] == reader_view
    assert request["headers"]["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(request["body"], request["headers"])


def test_links_in_the_data_use_site_url_even_when_not_an_allowed_host(
    consumer_key, negotiation, receiver, run_tasks, committing, settings
):
    settings.SITE_URL = "https://parley.example.net"
    api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    run_tasks()
    [request] = receiver.requests
    assert '"https://parley.example.net/api/v1/' in request["body"].decode()


def test_status_changes_corrections_unpublications_and_deletions_have_their_types(
    consumer_key, negotiation, receiver, run_tasks, committing, editor
):
    secret = api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    secret = secret.json()["secret"]
    with committing():
        proposal = factories.ProposalFactory(negotiation=negotiation, title="Plan")
        factories.StatusChangeFactory(proposal=proposal, status="rejected")
    with committing():
        add_correction(proposal, note="Date fixed.", by=editor)
    with committing():
        unpublish(proposal, by=editor)
    run_tasks()
    types = [verified(request, secret)["type"] for request in receiver.requests]
    assert types[:2] == ["entry.published", "proposal.status_changed"]
    assert "entry.corrected" in types
    assert types.count("entry.unpublished") == 2  # the proposal and its status change
    tombstone = verified(receiver.requests[-1], secret)["data"]
    assert set(tombstone) == {"type", "id", "at"}


def test_retries_back_off_keep_the_id_and_the_order_then_succeed(
    consumer_key, negotiation, receiver, run_tasks, committing
):
    receiver.failures = 2
    with at(START):
        secret = api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
        secret = secret.json()["secret"]
        with committing():
            first = factories.StatementFactory(negotiation=negotiation, text="First.")
            second = factories.StatementFactory(negotiation=negotiation, text="Second.")
        run_tasks()
    assert len(receiver.requests) == 1  # the first failed; the second waits behind it
    head = WebhookDelivery.objects.order_by("pk").first()
    assert (head.attempts, head.response_code) == (1, 500)
    assert head.next_attempt_at == START + datetime.timedelta(seconds=5)
    with at(START + datetime.timedelta(seconds=4)):
        run_tasks()
    assert len(receiver.requests) == 1  # not before its time
    with at(START + datetime.timedelta(seconds=5)):
        run_tasks()
    head.refresh_from_db()
    assert head.next_attempt_at == START + datetime.timedelta(seconds=35)
    with at(START + datetime.timedelta(seconds=35)):
        run_tasks()
        payloads = [verified(request, secret) for request in receiver.requests]
    ids = [request["headers"]["webhook-id"] for request in receiver.requests]
    assert ids[0] == ids[1] == ids[2] != ids[3]
    assert [payload["data"]["id"] for payload in payloads] == [first.pk] * 3 + [second.pk]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}

    deliveries = api(consumer_key).get(f"/api/v1/webhooks/{head.endpoint_id}/deliveries/").json()
    assert [(d["status"], d["attempts"], d["response_code"]) for d in deliveries] == [
        ("succeeded", 1, 204),
        ("succeeded", 3, 204),
    ]


def test_a_receiver_slower_than_the_timeout_is_a_failure_retried_later(
    consumer_key, negotiation, receiver, run_tasks, committing, monkeypatch
):
    from following import webhooks

    monkeypatch.setattr(webhooks, "TIMEOUT", 0.3)  # 10 s in production
    receiver.delay = 1.0
    api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, None)
    assert "timed out" in delivery.error
    assert delivery.next_attempt_at is not None


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_owner_told(
    consumer_key, negotiation, receiver, run_tasks, committing
):
    receiver.failures = 10_000
    with at(START):
        api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
        with committing():
            factories.StatementFactory(negotiation=negotiation)
        run_tasks()
    endpoint = WebhookEndpoint.objects.get()
    for _ in range(30):
        delivery = WebhookDelivery.objects.get()
        endpoint.refresh_from_db()
        if endpoint.disabled_at:
            break
        with at(delivery.next_attempt_at):
            run_tasks()
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_at - START >= datetime.timedelta(days=3)
    # Retried for at least 24 hours before that, with growing waits.
    assert WebhookDelivery.objects.get().attempts >= 10
    [told] = django_mail.outbox
    assert told.to == ["desk@example.org"] and receiver.url in told.body
    count = len(receiver.requests)
    with at(endpoint.disabled_at + datetime.timedelta(days=1)):
        run_tasks()
    assert len(receiver.requests) == count

    # Re-enabled, it delivers what waits at once.
    receiver.failures = 0
    with at(endpoint.disabled_at + datetime.timedelta(minutes=1)):
        api(consumer_key).patch(
            f"/api/v1/webhooks/{endpoint.pk}/", {"enabled": True}, format="json"
        )
        run_tasks()
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_day(consumer_key, receiver, run_tasks):
    client = api(consumer_key)
    with at(START):
        created = client.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").json()
        rotated = client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret/").json()
        assert rotated["secret"] != created["secret"]
        assert client.post(f"/api/v1/webhooks/{created['id']}/ping/").status_code == 202
        run_tasks()
        old, new = created["secret"], rotated["secret"]
        assert verified(receiver.requests[0], old)["type"] == "webhook.ping"
        assert verified(receiver.requests[0], new)["type"] == "webhook.ping"
    later = START + datetime.timedelta(hours=24, seconds=1)
    with at(later):
        client.post(f"/api/v1/webhooks/{created['id']}/ping/")
        run_tasks()
        verified(receiver.requests[1], new)
        with pytest.raises(WebhookVerificationError):
            verified(receiver.requests[1], old)


def test_the_address_is_checked_again_at_delivery_time(
    consumer_key, negotiation, receiver, run_tasks, committing, settings
):
    api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    settings.WEBHOOK_ALLOW_PRIVATE = False  # as if the name now resolved to loopback
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    run_tasks()
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.error.startswith("Refused:")


def test_endpoints_get_only_what_they_follow_and_never_staff_work(
    consumer_key, negotiation, receiver, run_tasks, committing
):
    other = factories.NegotiationFactory()
    speaker = factories.ActorFactory()
    client = api(consumer_key)
    client.post("/api/v1/webhooks/", {"url": receiver.url, "actor": speaker.pk}, format="json")
    with committing():
        factories.StatementFactory(negotiation=other, actor=speaker, text="Mine.")
        factories.StatementFactory(negotiation=negotiation, text="Not mine.")
        factories.StatementFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    run_tasks()
    assert [json.loads(r["body"])["data"]["text"] for r in receiver.requests] == ["Mine."]


def test_editors_issue_consumer_keys_in_the_admin(admin_client):
    from following.models import ApiConsumer

    response = admin_client.post(
        "/admin/following/apiconsumer/add/",
        {"name": "newsdesk", "email": "news@example.org"},
        follow=True,
    )
    assert response.status_code == 200
    consumer = ApiConsumer.objects.get(name="newsdesk")
    key = consumer.user.auth_token.key
    assert key in response.content.decode()  # shown once, in the message
    assert not consumer.user.is_staff and not consumer.user.groups.exists()
    assert api(key).get("/api/v1/webhooks/").status_code == 200


def test_a_new_endpoint_gets_no_backlog(consumer_key, negotiation, receiver, run_tasks, committing):
    with committing():
        factories.StatementFactory(negotiation=negotiation)
    with at(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=5)):
        api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    run_tasks()
    assert receiver.requests == []


def test_an_editor_re_enables_an_endpoint_in_the_admin(admin_client, consumer_key, receiver):
    created = api(consumer_key).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    endpoint = WebhookEndpoint.objects.get(pk=created.json()["id"])
    endpoint.disabled_at = START
    endpoint.save()
    page = f"/admin/following/webhookendpoint/{endpoint.pk}/change/"
    form = {"disabled_at_0": "", "disabled_at_1": ""}
    form |= {f"deliveries-{name}": 0 for name in ("TOTAL_FORMS", "INITIAL_FORMS")}
    response = admin_client.post(page, form)
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None
