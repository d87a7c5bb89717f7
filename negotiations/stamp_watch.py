"""Negotiation stamps remembered per process, forgotten as soon as a write commits.

Every anonymous repeat read needs its negotiation's stamp (``reader_http``). Asking
PostgreSQL costs two round trips (Django's connection health check, then the query):
more than the rest of a 304. So each process remembers the stamps it read, and keeps
one more connection that LISTENs on ``CHANNEL``. Every write NOTIFYs it in its own
transaction (``domain.touch_negotiations``), and PostgreSQL delivers the notification
when — and only if — the write commits. Before using anything remembered, a request
reads what has arrived (a non-blocking read of that connection's socket, no round
trip) and forgets the stamps it names.

A remembered stamp also ends at the next scheduled publication it knows of (a stamp
moves then without a write), and after ``MAX_AGE`` whatever happens. Without a working
listening connection — another database than PostgreSQL, the connection lost, the
database away — nothing is remembered and every request asks the database, so an
outage is met exactly as without this module. The listening connection is opened
again only after the database has just answered, never on a request's critical path
while it is away.
"""

import datetime
import os
import threading
import time

from django.db import connection
from django.utils import timezone

CHANNEL = "parley_stamps"
EVERY_NEGOTIATION = "*"
MAX_AGE = datetime.timedelta(seconds=60)
RETRY_SECONDS = 5


class StampWatch:
    def __init__(self):
        self.lock = threading.Lock()
        self.remembered = {}  # negotiation id -> (stamp, valid until)
        self.listener = None
        self.pid = None
        self.retry_at = 0.0
        self.forgettings = 0  # times anything was forgotten: a write happened
        self.inherited = []

    def stamp(self, negotiation_id, ask):
        """The stamp of a negotiation: remembered, or ``ask()``-ed from the database.

        ``ask()`` returns ``(stamp, next scheduled publication or None)``, with
        ``stamp`` None for an unknown negotiation.
        """
        with self.lock:
            listening = self._listening()
            if listening:
                known = self.remembered.get(negotiation_id)
                if known is not None and timezone.now() < known[1]:
                    return known[0]
            forgettings = self.forgettings
        now = timezone.now()
        stamp, next_publication = ask()
        with self.lock:
            unchanged = self._listening() and self.forgettings == forgettings
            if listening and unchanged and stamp is not None:
                # Nothing was written meanwhile (a write committed during the query
                # might not be in what it read): remember it.
                until = min(now + MAX_AGE, next_publication or now + MAX_AGE)
                self.remembered[negotiation_id] = (stamp, until)
            elif not listening:
                self._listen()
        return stamp

    def close(self):
        """Close the listening connection (before its database is dropped, as tests do)."""
        with self.lock:
            self._stop()
            self.retry_at = 0.0

    def forget(self, negotiation_ids):
        """Forget stamps at once (this process's own writes; no commit needed)."""
        with self.lock:
            self._forget(negotiation_ids)

    def _forget(self, negotiation_ids):
        self.forgettings += 1
        if negotiation_ids is None:
            self.remembered.clear()
        else:
            for negotiation_id in negotiation_ids:
                self.remembered.pop(negotiation_id, None)

    def _listening(self):
        """Whether the listening connection works, after taking in what it received."""
        if self.listener is None or self.pid != os.getpid():
            return False
        try:
            self.listener.poll()
        except connection.Database.Error:  # lost: stop trusting what we remember
            self._stop()
            return False
        for notification in self.listener.notifies:
            try:
                ids = (
                    None
                    if notification.payload == EVERY_NEGOTIATION
                    else [int(part) for part in notification.payload.split(",")]
                )
            except ValueError:  # not ours: forget everything rather than guess
                ids = None
            self._forget(ids)
        self.listener.notifies.clear()
        return True

    def _listen(self):
        """Open the listening connection (the database just answered a query)."""
        if connection.vendor != "postgresql" or time.monotonic() < self.retry_at:
            return False
        self._stop()
        try:
            listener = connection.Database.connect(**connection.get_connection_params())
            listener.autocommit = True
            with listener.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
        except connection.Database.Error:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self.listener, self.pid = listener, os.getpid()
        return True

    def _stop(self):
        self.remembered.clear()
        if self.listener is not None:
            if self.pid == os.getpid():
                self.listener.close()
            else:  # inherited through a fork: freeing it would end the parent's session
                self.inherited.append(self.listener)
        self.listener = None
        self.retry_at = time.monotonic() + RETRY_SECONDS


def notify(negotiation_ids):
    """In the writing transaction: tell every process's watch, once it commits."""
    watch.forget(negotiation_ids)
    if connection.vendor != "postgresql":
        return
    if negotiation_ids is None:
        payload = EVERY_NEGOTIATION
    else:
        payload = ",".join(str(negotiation_id) for negotiation_id in sorted(set(negotiation_ids)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


watch = StampWatch()
