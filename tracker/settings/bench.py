"""Production settings plus what the benchmark needs: the bare view and a query counter.

Used only by ``bench/`` (``make bench``); never served to readers.
"""

import os

os.environ.setdefault("SECRET_KEY", "parley-bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Throttling stays on (it is part of the cost) but one loopback client must not hit it.
os.environ.setdefault("API_THROTTLE_ANON", "10000000/min")
os.environ.setdefault("API_THROTTLE_USER", "10000000/min")

from .production import *  # noqa: F403
from .production import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
# Lets the benchmark measure the path behind the anonymous cache (never set elsewhere).
CACHE_BYPASS_HEADER = "HTTP_X_BENCH_BYPASS_CACHE"
