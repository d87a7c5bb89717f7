"""The zero-setup default: SQLite beside the code, DEBUG on, a fixed local key."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-parley-development-only")
