"""Production settings plus what the benchmark needs: the bare view, a query counter, and a
cache that can be told to miss (bench/cache.py). The cache is Redis (``make bench`` starts one).

Used only by ``bench/`` (``make bench``) and for the cluster drill's bare reference server
(``scripts/drill-cluster.py``, beside the cluster, never one of its nodes); never served to
readers.
"""

import os

os.environ.setdefault("SECRET_KEY", "parley-bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Throttling stays on (it is part of the cost) but one loopback client must not hit it.
os.environ.setdefault("API_THROTTLE_ANON", "10000000/min")
os.environ.setdefault("API_THROTTLE_USER", "10000000/min")

from .base import env_required

env_required("REDIS_URL")

from .production import *  # noqa: E402, F403
from .production import CACHES, MIDDLEWARE  # noqa: E402

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = [
    "bench.middleware.QueryCountMiddleware",
    "bench.middleware.BypassCacheMiddleware",
    *MIDDLEWARE,
]
CACHES = {**CACHES, "default": {**CACHES["default"], "BACKEND": "bench.cache.BenchCache"}}
