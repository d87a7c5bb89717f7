import os

# Each test process keeps its own cache in memory, whatever the environment says: a Redis
# shared by parallel test processes would mix their records. The tests of the shared cache
# start a Redis of their own (tests/redis_server.py).
os.environ.pop("REDIS_URL", None)

from .base import *  # noqa: F403

# One process: its memory is shared by every request it serves, as Redis is by every worker.
CACHES = {
    **CACHES,  # noqa: F405
    "reader_versions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "parley-version",
    },
}
SECRET_KEY = "parley-test-key-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders, as in development: tests need no collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Links in mails and webhooks; the Host the API's serializers are given (test client's).
SITE_URL = "https://testserver"
# Tests read mails from mail.outbox, or from a real SMTP server on loopback
# (tests/following/conftest.py).
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
