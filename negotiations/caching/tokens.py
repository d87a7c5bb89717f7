"""Tokens in the shared cache that writes take away: what is stored under a token is never
read again after such a write. A write takes its token away at once and again once it
commits (a read between the two, from the rows as they were, adds a token of its own); the
next read adds a new one. They live beside the reader versions (never copied into a
process). Without a shared cache (no ``REDIS_URL``: each process has its own, which another
process's write would not reach) there is no token, and nothing is stored under one.

- ``PREVIEWS``: editors' previews (drafts included) are stored under it; any write of the
  record takes it away (``negotiations/signals.py``).
- ``ROLES``: each user's permissions are kept under it (``permissions.CachedPermissionsBackend``);
  a change of a user's roles or of a role's permissions takes it away.

Within a request (``TokensMiddleware``), the first token asked for is read with the others,
in one round trip, and each is then read no more: a staff member's preview needs both.
"""

import contextvars
import secrets

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, transaction

from negotiations.caching import reader_versions

# A token's life: the bound on a stale read when a commit could not take it away.
TOKEN_SECONDS = 60

# The tokens the current request has read (key -> token), None outside a request.
_read_in_request = contextvars.ContextVar("parley_tokens", default=None)


class Token:
    def __init__(self, name):
        self.key = f"parley:{name}-token"

    def current(self):
        """The current token, or None: nothing may then be stored under it."""
        if not reader_versions.is_shared():
            return None
        held = _read_in_request.get()
        if held is None:
            return _read([self])[self.key]
        if self.key not in held:
            held |= _read(ALL)
        return held[self.key]

    def take_away(self, using=DEFAULT_DB_ALIAS):
        """A write in the current transaction: nothing stored under the token may be read
        again. Taken away now (a read in this transaction, or a test's), and again once
        the write commits (a read from the rows as they were, between now and then)."""
        self._delete()
        transaction.on_commit(self._delete, using=using)

    def _delete(self):
        store = caches[reader_versions.ALIAS]
        store.delete(self.key)
        held = _read_in_request.get()
        if held is not None:
            held.pop(self.key, None)  # this request's next read adds a new one


def _read(tokens):
    """``{key: token}`` of ``tokens``: one round trip, and one more for each one missing."""
    store = caches[reader_versions.ALIAS]
    found = store.get_many([token.key for token in tokens])
    for token in tokens:
        if token.key not in found:
            fresh = secrets.token_hex(8)
            # add never overwrites: two readers at once agree on the first one's token.
            added = store.add(token.key, fresh, TOKEN_SECONDS)
            found[token.key] = fresh if added else store.get(token.key)
    return found


class TokensMiddleware:
    """Reads each token at most once per request (``Token.current``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reading = _read_in_request.set({})
        try:
            return self.get_response(request)
        finally:
            _read_in_request.reset(reading)


PREVIEWS = Token("preview")
ROLES = Token("roles")
ALL = (PREVIEWS, ROLES)
