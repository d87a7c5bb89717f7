"""Sign-up throttles: per client address and per email address, in the throttle cache
(counters per window, as the API's throttles keep them). The mail itself is limited
in the database: one confirmation an hour per address (``domain.confirmation_due``)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches

cache = caches["throttle"]
WINDOW = 3600  # seconds


def _allow(key, limit):
    window = int(time.time() // WINDOW)
    name = f"follow:{key}:{window}"
    if cache.add(name, 1, 2 * WINDOW):
        return True
    try:
        count = cache.incr(name)
    except ValueError:
        cache.set(name, 1, 2 * WINDOW)
        return True
    return count <= limit


def allow_signup(client, email):
    """Whether a sign-up from this client for this address may go ahead now."""
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    client_ok = _allow(f"client:{client}", settings.FOLLOW_THROTTLE_CLIENT)
    address_ok = _allow(f"address:{address}", settings.FOLLOW_THROTTLE_ADDRESS)
    return client_ok and address_ok
