"""Admin sign-in against password guessing (django-axes), by the real client address.

At the AXES_FAILURE_LIMIT-th (5th) failure from one address, sign-in from it is paused for
AXES_COOLOFF_TIME (15 minutes), right password or not, with a clear 429 page; other
addresses sign in as usual. Behind TRUSTED_PROXY_COUNT proxies the address is the one
the outermost trusted proxy appended to X-Forwarded-For, so a client can neither evade
the count by inventing addresses nor lock out everyone behind the proxy.
"""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.utils import timezone

from tracker.security import client_ip

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
RIGHT = "correct horse battery staple"  # the factories' password


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def fail(client, username, times, *, before=0, **meta):
    """``times`` wrong passwords after ``before`` others from the same address; the one
    that reaches the limit (the 5th) already answers with the pause."""
    statuses = [sign_in(client, username, "wrong guess", **meta).status_code for _ in range(times)]
    expected = [200 if before + n < 4 else 429 for n in range(times)]
    assert statuses == expected
    assert "_auth_user_id" not in client.session


def test_five_failures_pause_sign_in_from_that_address(client, editor):
    fail(client, "eddie", 5, REMOTE_ADDR="198.51.100.7")
    response = sign_in(client, "eddie", RIGHT, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "Too many failed sign-in attempts from your network" in page
    assert "paused for 15 minutes" in page
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get()
    # The attempt made during the pause counted too (and restarted the pause).
    assert (attempt.ip_address, attempt.failures_since_start) == ("198.51.100.7", 6)


def test_four_failures_then_the_right_password_signs_in(client, editor):
    fail(client, "eddie", 4, REMOTE_ADDR="198.51.100.7")
    response = sign_in(client, "eddie", RIGHT, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_guessing_other_usernames_counts_against_the_same_address(client, editor, journalist):
    fail(client, "eddie", 3, REMOTE_ADDR="198.51.100.7")
    fail(client, "jane", 2, before=3, REMOTE_ADDR="198.51.100.7")
    assert sign_in(client, "jane", RIGHT, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_other_addresses_are_not_locked_out(client, editor):
    fail(client, "eddie", 5, REMOTE_ADDR="198.51.100.7")
    response = sign_in(client, "eddie", RIGHT, REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 302


def test_the_pause_ends_after_the_cool_off(client, editor):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "eddie", 5, REMOTE_ADDR="198.51.100.7")
        assert sign_in(client, "eddie", RIGHT, REMOTE_ADDR="198.51.100.7").status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert sign_in(client, "eddie", RIGHT, REMOTE_ADDR="198.51.100.7").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_client_is_counted_by_its_own_address(client, editor):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy
    fail(client, "eddie", 5, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    # The attacker is paused, whatever it puts in front of the proxy's entry…
    spoofed = sign_in(client, "eddie", RIGHT, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7", **proxy)
    assert spoofed.status_code == 429
    # …and a colleague behind the same proxy is not.
    colleague = sign_in(client, "eddie", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.20", **proxy)
    assert colleague.status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]


def test_without_a_proxy_x_forwarded_for_is_ignored(client, editor):
    """Clients connecting directly cannot invent a new address per guess."""
    for guess in range(5):
        sign_in(
            client,
            "eddie",
            "wrong",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{guess}",
        )
    response = sign_in(
        client, "eddie", RIGHT, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.9.9.99"
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.2"),  # no proxy: the header is the client's invention
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the left part came from the client
        (1, " 6.6.6.6 ,1.2.3.4 ", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.1", "1.2.3.4"),  # two proxies: second from the right
        (2, "1.2.3.4", "10.0.0.2"),  # did not pass both proxies
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_ip(count, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_ip(request) == expected


def test_api_throttling_counts_the_same_address(db):
    """DRF's anonymous throttle reads the same proxy count (NUM_PROXIES)."""
    from django.conf import settings
    from rest_framework.test import APIClient

    rest = {
        **settings.REST_FRAMEWORK,
        "NUM_PROXIES": 1,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min"},
    }
    with override_settings(REST_FRAMEWORK=rest, TRUSTED_PROXY_COUNT=1):
        client = APIClient(REMOTE_ADDR="10.0.0.2")
        statuses = [
            client.get(
                "/api/v1/actors/", HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 198.51.100.7"
            ).status_code
            for n in range(3)
        ]
        assert statuses == [200, 200, 429]
        other = client.get("/api/v1/actors/", HTTP_X_FORWARDED_FOR="203.0.113.20")
        assert other.status_code == 200
