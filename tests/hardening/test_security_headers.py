"""The production settings, as gunicorn serves them: `check --deploy` passes, HTTPS
headers (HSTS, secure cookies, Referrer-Policy, framing), health checks over plain http,
body size limits; and the same headers in the settings every environment shares.

The production checks run in a subprocess with ``tracker.settings.production`` and the
environment a deployment sets (a real SECRET_KEY, ALLOWED_HOSTS), on a throwaway SQLite.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from tests import factories

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
    "SECRET_KEY": "k3y-" + "x9Qz" * 16,
    "ALLOWED_HOSTS": "parley.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://parley.example.org",
}


def directives(policy):
    """A Content-Security-Policy header as ``{directive: "sources"}``."""
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


def run_production(code, tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"))
    }
    environment.update(PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
        timeout=120,
    )


def test_check_deploy_passes_at_warning_level(tmp_path):
    result = run_production(
        """
        from django.core.management import execute_from_command_line
        execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PROBE = """
    import json
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # hashed names, as served
    from django.contrib.auth import get_user_model
    from django.test import Client
    from negotiations.models import Negotiation

    Negotiation.objects.create(title="Talks", slug="talks")
    get_user_model().objects.create_superuser("root", "root@example.org", "a long pass phrase 1")
    https = {"HTTP_HOST": "parley.example.org", "HTTP_X_FORWARDED_PROTO": "https"}
    client = Client(raise_request_exception=False)

    def seen(response):
        cookies = {
            name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]),
                   "samesite": c["samesite"]}
            for name, c in response.cookies.items()
        }
        return {"status": response.status_code, "headers": dict(response.headers),
                "cookies": cookies}

    out = {
        "http_home": seen(client.get("/", HTTP_HOST="parley.example.org")),
        "https_home": seen(client.get("/", **https)),
        "https_timeline": seen(client.get("/negotiations/talks/", **https)),
        "https_embed": seen(client.get("/embed/negotiations/talks/", **https)),
        "https_api": seen(client.get("/api/v1/negotiations/", **https)),
        "login_form": seen(client.get("/admin/login/", **https)),
        "healthz_internal": seen(client.get("/healthz", HTTP_HOST="10.0.0.5:8000")),
        "readyz_internal": seen(client.get("/readyz", HTTP_HOST="127.0.0.1")),
        "readyz_public": seen(client.get("/readyz", HTTP_HOST="parley.example.org")),
        "unknown_host": seen(client.get("/", HTTP_HOST="evil.example")),
    }
    login = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "a long pass phrase 1"},
        **https,
    )
    out["login"] = seen(login)
    out["api_big_body"] = seen(client.post(
        "/api/v1/actors/", data=b"[" + b" " * (1024 * 1024) + b"]",
        content_type="application/json", **https,
    ))
    from django.conf import settings as s
    out["settings"] = {
        "TRUSTED_PROXY_COUNT": s.TRUSTED_PROXY_COUNT,
        "NUM_PROXIES": s.REST_FRAMEWORK["NUM_PROXIES"],
        "DEBUG": s.DEBUG,
        "STATICFILES": s.STORAGES["staticfiles"]["BACKEND"],
    }
    print("JSON" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    result = run_production(PROBE, folder, STATIC_ROOT=str(folder / "static"))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("JSON"))
    return json.loads(line.removeprefix("JSON"))


def test_plain_http_is_redirected_to_https(production):
    response = production["http_home"]
    assert response["status"] == 301
    assert response["headers"]["Location"] == "https://parley.example.org/"


@pytest.mark.parametrize("page", ["https_home", "https_timeline", "https_api", "login_form"])
def test_https_responses_carry_the_security_headers(production, page):
    headers = production[page]["headers"]
    assert production[page]["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = directives(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"


def test_embeds_may_be_framed_by_any_site(production):
    embed = production["https_embed"]
    assert embed["status"] == 200
    assert "X-Frame-Options" not in embed["headers"]
    policy = directives(embed["headers"]["Content-Security-Policy"])
    assert "frame-ancestors" not in policy
    assert policy["script-src"] == "'self'"


def test_cookies_are_secure_and_the_session_is_not_readable_by_scripts(production):
    csrf = production["login_form"]["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert production["login"]["status"] == 302
    session = production["login"]["cookies"]["sessionid"]
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_health_checks_answer_over_plain_http_whatever_the_host(production):
    """Orchestrators probe the process by its own address, without TLS."""
    assert production["healthz_internal"]["status"] == 200
    assert production["readyz_internal"]["status"] == 200
    assert production["readyz_public"]["status"] == 200
    assert "Location" not in production["readyz_public"]["headers"]
    # Everything else still refuses a host it does not serve.
    assert production["unknown_host"]["status"] == 400


def test_an_api_body_over_1_mb_is_a_413(production):
    assert production["api_big_body"]["status"] == 413


def test_production_trusts_one_proxy_and_hashes_static_file_names(production):
    assert production["settings"] == {
        "TRUSTED_PROXY_COUNT": 1,
        "NUM_PROXIES": 1,
        "DEBUG": False,
        "STATICFILES": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


def test_the_proxy_count_comes_from_the_environment(tmp_path):
    result = run_production(
        """
        import django
        django.setup()
        from django.conf import settings as s
        print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK["NUM_PROXIES"])
        """,
        tmp_path,
        TRUSTED_PROXY_COUNT="2",
    )
    assert result.stdout.split()[-2:] == ["2", "2"], result.stderr


# --------------------------------------------------------------------------- #
# The shared settings (every environment, tests included)
# --------------------------------------------------------------------------- #


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/negotiations/talks/", "/api/v1/", "/admin/login/"])
def test_every_page_refuses_framing(client, negotiation, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_request_bodies_over_1_mb_are_refused_everywhere(client, journalist):
    """The API answers 413 (tests/api cover it); a form post over the limit is a 400."""
    client.force_login(journalist)
    big = {"name": "x" * (1024 * 1024 + 1)}
    response = client.post("/admin/negotiations/actor/add/", big)
    assert response.status_code == 400
    from negotiations.models import Actor

    assert not Actor.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_an_api_update_over_1_mb_is_a_413_and_changes_nothing(journalist, method):
    from rest_framework.test import APIClient

    actor = factories.ActorFactory(name="Before")
    client = APIClient()
    client.force_authenticate(journalist)
    body = json.dumps({"name": "x" * (1024 * 1024), "slug": actor.slug})
    response = client.generic(
        method, f"/api/v1/actors/{actor.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than the 1 MB this API accepts."
    }
    actor.refresh_from_db()
    assert (actor.name, actor.version) == ("Before", 1)
