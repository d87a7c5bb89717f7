"""Throttling, CORS, the schema and the interactive docs."""

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema
from rest_framework.settings import api_settings

from tests import factories
from tests.api.conftest import API, client_for, if_match
from tests.queries import at_most_the_stamp


def rates(anon, user):
    return override_settings(
        REST_FRAMEWORK={
            **_current_settings(),
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }
    )


def _current_settings():
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_default_rates_are_generous():
    assert api_settings.DEFAULT_THROTTLE_RATES == {"anon": "300/min", "user": "1000/min"}


def test_anonymous_clients_are_throttled_per_address(anon, db):
    with rates("3/min", "100/min"):
        statuses = [anon.get(f"{API}actors/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = anon.get(f"{API}actors/")
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 60
        other = client_for()
        other.defaults["REMOTE_ADDR"] = "10.0.0.2"
        assert other.get(f"{API}actors/").status_code == 200


def test_anonymous_clients_are_counted_once(anon, db):
    """Under the anonymous rate alone: the users' rate (here lower) counts signed-in users."""
    with rates("3/min", "1/min"):
        statuses = [anon.get(f"{API}actors/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


def test_users_are_throttled_per_user(journalist, editor):
    with rates("1/min", "2/min"):
        first, second = client_for(journalist), client_for(editor)
        assert [first.get(f"{API}actors/").status_code for _ in range(3)] == [200, 200, 429]
        assert "Retry-After" in first.get(f"{API}actors/")
        assert second.get(f"{API}actors/").status_code == 200


def test_the_limit_slides_over_the_previous_window(anon, db, monkeypatch):
    """Two counters per client: the last window counts for the share still in the sliding one."""
    from negotiations.api import throttling

    clock = {"now": 6_000_000 * 60 + 50.0}  # 50 s into a one-minute window
    monkeypatch.setattr(throttling.AnonRateThrottle, "timer", lambda self: clock["now"])
    with rates("4/min", "100/min"):
        statuses = [anon.get(f"{API}actors/").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]
        clock["now"] += 40  # halfway through the next window: the last one's 4 count as 2
        statuses = [anon.get(f"{API}actors/").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert anon.get(f"{API}actors/")["Retry-After"] == "30"
        clock["now"] += 60  # a full window later only the last window's 2 count, at half
        assert [anon.get(f"{API}actors/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_reads_are_open_to_any_origin(anon, db):
    response = anon.get(f"{API}actors/", HTTP_ORIGIN="https://data-desk.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_no_cross_origin_writes(anon, db):
    preflight = anon.options(
        f"{API}actors/",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert preflight.status_code == 200
    allowed = {m.strip() for m in preflight["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


def test_a_cross_site_form_post_with_a_session_is_refused(journalist):
    """Browsers send simple POSTs without a preflight: the session needs its CSRF token."""
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(journalist)
    response = browser.post(
        f"{API}actors/",
        {"name": "A", "slug": "a"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_anonymous_writes_ask_for_a_token(anon, db):
    response = anon.post(f"{API}actors/", {"name": "A", "slug": "a"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_schema_is_valid_openapi(anon, db):
    response = anon.get(f"{API}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    for resource in (
        "actors",
        "negotiations",
        "sources",
        "proposals",
        "status-changes",
        "statements",
        "events",
        "expectations",
    ):
        assert set(paths[f"/api/v1/{resource}/"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{resource}/{{id}}/"]) == {"get", "put", "patch", "delete"}
    assert "/api/v1/negotiations/{id}/timeline/" in paths
    assert "/api/v1/changes/" in paths
    timeline = paths["/api/v1/negotiations/{id}/timeline/"]["get"]
    assert {p["name"] for p in timeline["parameters"]} >= {
        "type",
        "actor",
        "since",
        "until",
        "q",
        "cursor",
    }
    items = timeline["responses"]["200"]["content"]["application/json"]["schema"]
    assert items["$ref"] == "#/components/schemas/PaginatedTimelineItemList"
    item = schema["components"]["schemas"]["TimelineItem"]["properties"]
    assert list(item) == [
        "type",
        "id",
        "date",
        "date_precision",
        "title",
        "actors",
        "sources",
        "key",
        "published",
        "corrections",
        "url",
    ]
    page = schema["components"]["schemas"]["PaginatedProposalList"]
    assert set(page["properties"]) == {"next", "previous", "results"}
    created = paths["/api/v1/proposals/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Proposal"
    }
    proposal = schema["components"]["schemas"]["Proposal"]["properties"]
    assert proposal["status"]["readOnly"] is True
    assert "status" not in schema["components"]["schemas"]["ProposalRequest"]["properties"]


def test_the_docs_are_served_from_our_static_files(anon, db):
    response = anon.get(f"{API}docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    # The start-up script is its own request, not inline (Content Security Policy).
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = anon.get(f"{API}docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert anon.get(f"{API}redoc/").status_code == 200


@pytest.mark.parametrize("path", ["", "actors/"])
def test_the_browsable_api_renders(path, journalist):
    factories.ActorFactory()
    response = client_for(journalist).get(f"{API}{path}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<html" in response.content


def test_delete_answers_204_with_no_body(as_editor, db):
    actor = factories.ActorFactory()
    response = as_editor.delete(f"{API}actors/{actor.pk}/", **if_match(actor))
    assert response.status_code == 204
    assert response.content == b""


def test_deleting_a_record_still_referred_to_is_a_409(as_editor, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    response = as_editor.delete(f"{API}actors/{plan.proposed_by_id}/", **if_match(plan.proposed_by))
    assert response.status_code == 409
    assert "proposal" in response.json()["detail"]
    response = as_editor.delete(f"{API}negotiations/{negotiation.pk}/", **if_match(negotiation))
    assert response.status_code == 409


def test_the_schema_generates_without_warnings(tmp_path, db):
    from django.core.management import call_command

    call_command("spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "s.yaml"))
    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3")


def test_a_crowd_of_clients_does_not_push_the_stored_pages_out(anon, negotiation):
    """Rate counters live in a cache of their own: a thousand clients' counters (more
    than the pages' cache holds) leave the stored pages in place."""
    page = negotiation.get_absolute_url()
    anon.get(page)  # rendered and stored
    for n in range(1_100):
        assert anon.get(API, REMOTE_ADDR=f"10.1.{n // 200}.{n % 200}").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert anon.get(page).status_code == 200
    assert at_most_the_stamp([q["sql"] for q in queries.captured_queries])
