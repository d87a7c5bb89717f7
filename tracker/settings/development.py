"""The zero-setup default: SQLite beside the code, DEBUG on, a fixed local key."""

import os

from .base import *  # noqa: F403
from .base import env_bool, mailer_from_environment

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-parley-development-only")
# Mails go to the console in development (``make run``) unless EMAIL_BACKEND says otherwise.
MAILERS = {"default": mailer_from_environment("django.core.mail.backends.console.EmailBackend")}
