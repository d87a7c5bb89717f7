"""Served by gunicorn behind a TLS-terminating proxy that sets X-Forwarded-Proto."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK, env_bool, env_list, env_required

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS is terminated by the proxy, which says so in X-Forwarded-Proto (and must
# overwrite any such header from the client). Plain http is redirected, except the
# health checks, which the proxy or orchestrator make over plain http.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# CSP, Referrer-Policy, X-Frame-Options and the sign-in lockout: base.py.

# One TLS proxy in front by default; its X-Forwarded-For entry is the client's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": TRUSTED_PROXY_COUNT}

# Links in mails and webhooks are https: SITE_URL, or the first allowed host. Webhooks
# never reach private addresses unless WEBHOOK_ALLOW_PRIVATE (tests and drills only).
SITE_URL = (
    os.environ.get("SITE_URL") or f"https://{ALLOWED_HOSTS[0] if ALLOWED_HOSTS else 'localhost'}"
).rstrip("/")
if not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("SITE_URL must start with https:// in production.")

for database in DATABASES.values():  # the primary and the read replicas
    database["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
