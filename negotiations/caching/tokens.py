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
"""

import secrets

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, transaction

from negotiations.caching import reader_versions

# A token's life: the bound on a stale read when a commit could not take it away.
TOKEN_SECONDS = 60


class Token:
    def __init__(self, name):
        self.key = f"parley:{name}-token"

    def current(self):
        """The current token, or None: nothing may then be stored under it."""
        if not reader_versions.is_shared():
            return None
        store = caches[reader_versions.ALIAS]
        found = store.get(self.key)
        if found is None:
            fresh = secrets.token_hex(8)
            # add never overwrites: two readers at once agree on the first one's token.
            found = fresh if store.add(self.key, fresh, TOKEN_SECONDS) else store.get(self.key)
        return found

    def take_away(self, using=DEFAULT_DB_ALIAS):
        """A write in the current transaction: nothing stored under the token may be read
        again. Taken away now (a read in this transaction, or a test's), and again once
        the write commits (a read from the rows as they were, between now and then)."""
        store = caches[reader_versions.ALIAS]
        store.delete(self.key)
        transaction.on_commit(lambda: store.delete(self.key), using=using)


PREVIEWS = Token("preview")
ROLES = Token("roles")
