"""Rate limits per anonymous IP and per user, read from the settings at each request.

DRF's classes copy the rates once at import; reading them per request lets
``API_THROTTLE_*`` (and tests' ``override_settings``) take effect.

DRF's throttles also keep the time of every request in the window, a list read from
and written back to the cache on each request: at a thousand requests a minute that
is a millisecond per throttle per request, and it grows with the rate. Here each
client has two counters instead — this window's and the previous one's — and the
previous window counts for the share of it the sliding window still covers: the same
limit, in constant time, and one round trip to Redis a request (``hit``: the count
kept by ``tracker.cache``). Anonymous clients are counted once (``AnonRateThrottle``),
signed-in users once (``UserRateThrottle``).
"""

import contextlib

from django.core.cache import caches
from rest_framework import throttling
from rest_framework.settings import api_settings


class _CountingThrottle:
    @property
    def cache(self):
        """Apart from the pages (settings.CACHES); with Redis away, every count is zero
        (tracker.cache) and requests pass."""
        return caches["throttle"]

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window, elapsed = divmod(self.timer(), self.duration)
        current, previous = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        count, earlier = self.cache.hit(current, previous, 2 * self.duration)  # one round trip
        if earlier * (1 - elapsed / self.duration) + count > self.num_requests:
            with contextlib.suppress(ValueError):  # evicted meanwhile: nothing to take back
                self.cache.decr(current)  # a refused request is not counted
            self.wait_seconds = self.duration - elapsed
            return self.throttle_failure()
        return True

    def wait(self):
        """Seconds until this window ends (the 429's ``Retry-After``)."""
        return self.wait_seconds


class AnonRateThrottle(_CountingThrottle, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_CountingThrottle, throttling.UserRateThrottle):
    """Signed-in users, per user. DRF's also counts anonymous clients, per address, a
    second time beside ``AnonRateThrottle`` (under the higher rate): here they are
    ``AnonRateThrottle``'s alone, which saves them a counter per request."""

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
