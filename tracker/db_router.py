"""Read replicas: readers' reads go to a PostgreSQL streaming replica, everything else to the
primary (``DATABASE_REPLICA_URLS``, README "Scaling out").

- ``ReplicaMiddleware`` (first in ``MIDDLEWARE``) picks, for an anonymous GET or HEAD (no
  session cookie, no ``Authorization``), one replica that answers and is at most
  ``DATABASE_REPLICA_MAX_LAG`` seconds behind; ``ReplicaRouter`` sends that request's reads
  there. Writes, signed-in users (staff, journalists: anyone who can write reads their own
  writes on the primary), the task worker and commands read the primary. Requests with a
  session cookie or ``Authorization`` are also the ones the edge passes through unstored, so
  the pages readers share stay cacheable.
- Each process asks each replica how far behind it is at most once a second
  (``pg_last_xact_replay_timestamp()``; 0 when it has replayed all it received). One that
  does not answer, or lags, is skipped until the next look: its readers read the primary.
- A read that fails on a replica (stopped between two looks) is answered again on the
  primary: readers get no 5xx for it.
"""

import contextvars
import logging
import random
import threading
import time

from django.conf import settings
from django.db import Error, connections

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 1.0
REPLICA_PREFIX = "replica"
# The lag of a replica: none while it streams from the primary and has replayed all it
# received (an idle primary sends nothing), else the age of the last transaction it replayed
# (replay paused or slow, or cut off from the primary: then it cannot know what it misses).
# "All it received" is <=, not =: a restarted standby resumes streaming at the start of a
# WAL segment, so until the primary writes again it has received less than it replayed.
LAG_SQL = (
    "SELECT CASE WHEN EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') "
    "AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)

_reading_from = contextvars.ContextVar("parley_replica", default=None)
_health = {}  # alias -> (checked at, usable)
_lock = threading.Lock()


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def replica_lag(alias):
    """Seconds ``alias`` is behind the primary (raises a database error when it is away)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def usable(alias, now=None):
    """Whether ``alias`` answers within the lag bound, looked at once a second at most."""
    now = time.monotonic() if now is None else now
    checked = _health.get(alias)
    if checked is not None and now - checked[0] < CHECK_EVERY_SECONDS:
        return checked[1]
    with _lock:
        try:
            lag = replica_lag(alias)
            ok = lag <= settings.DATABASE_REPLICA_MAX_LAG
            if not ok:
                logger.warning("Replica %s is %.1f s behind: reading the primary", alias, lag)
        except Error as error:
            ok = False
            logger.warning("Replica %s unavailable, reading the primary: %s", alias, error)
            connections[alias].close()
        _health[alias] = (now, ok)
    return ok


def pick_replica():
    """A usable replica's alias, or None (read the primary)."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    return next((alias for alias in aliases if usable(alias)), None)


def wait_for_replicas(timeout):
    """Wait, at most ``timeout`` seconds, until every replica that answers has replayed what
    the primary has written so far: an edge purge sent before that would let a reader's
    fetch through a replica store the page as it was. A replica that does not answer
    serves no reader: not waited for."""
    aliases = replica_aliases()
    if not aliases or connections["default"].vendor != "postgresql":
        return
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        written = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    for alias in aliases:
        if not usable(alias):
            continue  # readers are not sent there
        try:
            while time.monotonic() < deadline:
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
                    if cursor.fetchone()[0]:
                        break
                time.sleep(0.01)
        except Error:
            connections[alias].close()


def may_read_replica(request):
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _reading_from.get()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = pick_replica() if replica_aliases() and may_read_replica(request) else None
        if alias is None:
            return self.get_response(request)
        token = _reading_from.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _reading_from.reset(token)
        if response.status_code >= 500:
            # Perhaps the replica went away under this request: look again at once, and if
            # it did, answer again on the primary.
            _health.pop(alias, None)
            if not usable(alias):
                response = self.get_response(request)
        return response
