"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys

from django.conf import settings


def settings_of(module, **env):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS]))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "DEBUG", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = settings_of("tracker.settings.production")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable." in result.stderr


def test_production_reads_its_configuration_from_the_environment():
    result = settings_of(
        "tracker.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="parley.example.org",
        DATABASE_URL="postgres://parley@127.0.0.1:5432/parley",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[false, "django.db.backends.postgresql", ["parley.example.org"]]'
    )


def test_development_defaults_to_sqlite_with_debug_on():
    result = settings_of("tracker.settings.development")
    assert result.stdout.strip() == (
        '[true, "django.db.backends.sqlite3", ["127.0.0.1", "localhost"]]'
    )


def test_an_empty_database_url_means_the_sqlite_default():
    result = settings_of("tracker.settings.development", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert '"django.db.backends.sqlite3"' in result.stdout


def test_production_trusts_the_proxy_for_https():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_PROXY_SSL_HEADER)",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
            "SECRET_KEY": "y" * 50,
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def release_of(**env):
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.RELEASE_ID)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "RELEASE_ID"}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, "DJANGO_SETTINGS_MODULE": "tracker.settings.development", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=True,
    ).stdout.strip()


def test_the_release_id_comes_from_the_environment_or_is_the_package_version():
    import tomllib

    version = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]
    assert release_of() == version["version"]
    assert release_of(RELEASE_ID="") == version["version"]
    assert release_of(RELEASE_ID="2026-12-05.3f9c2a1") == "2026-12-05.3f9c2a1"


def test_production_links_in_mails_and_webhooks_are_https():
    refused = settings_of(
        "tracker.settings.production", SECRET_KEY="x" * 50, SITE_URL="http://parley.example.org"
    )
    assert refused.returncode != 0
    assert "SITE_URL must start with https://" in refused.stderr
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL)"
    derived = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "parley.example.org",
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert derived.stdout.strip() == "https://parley.example.org"
