"""The preview token: what editors' previews (drafts included) are stored under besides
their address and the reader version. Any write of the record takes it away, at once and
again once it commits, so a stored preview never outlives the data it shows; the next
preview adds a new one. It lives in the shared cache beside the reader versions (never
copied into a process). Without a shared cache (no ``REDIS_URL``: each process has its
own, and another process's write would not reach it) previews are built afresh.
"""

import secrets

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, transaction

from negotiations.caching import reader_versions

KEY = "parley:preview-token"
# A token's life: the bound on a stale preview when a commit could not take it away.
TOKEN_SECONDS = 60


def token():
    """The current token, or None: a preview is then built afresh and not stored."""
    if not reader_versions.is_shared():
        return None
    store = caches[reader_versions.ALIAS]
    found = store.get(KEY)
    if found is None:
        fresh = secrets.token_hex(8)
        # add never overwrites: two previews at once agree on the first one's token.
        found = fresh if store.add(KEY, fresh, TOKEN_SECONDS) else store.get(KEY)
    return found


def take_away(using=DEFAULT_DB_ALIAS):
    """A write in the current transaction: no stored preview may be read again. Taken away
    now (a preview in this transaction, or a test's), and again once the write commits (a
    preview read from the rows as they were, between now and the commit)."""
    store = caches[reader_versions.ALIAS]
    store.delete(KEY)
    transaction.on_commit(lambda: store.delete(KEY), using=using)
