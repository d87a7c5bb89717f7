"""Real servers on loopback for the following tests: an SMTP server (aiosmtpd) that
keeps what it receives, and an HTTP receiver that verifies Standard Webhooks
signatures; the task worker run for real (django-tasks-db's ``db_worker``)."""

import email
import email.policy
import http.server
import socket
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_mailer(port):
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
    }


class Inbox:
    """What the SMTP server received: parsed messages, in order."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for message in self.messages if message["To"] == address]

    def body(self, message):
        return message.get_body(("plain",)).get_content()


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": smtp_mailer(port)}
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run every task that is due, as the worker does (both queues), until none is; what
    a task leaves for its commit (inside the test's transaction) runs as it would."""

    def run():
        # The worker closes connections it thinks stale between tasks; inside a test's
        # transaction that would be the test's own connection.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            for _ in range(5):
                with django_capture_on_commit_callbacks(execute=True) as callbacks:
                    call_command(
                        "db_worker",
                        batch=True,
                        reload=False,
                        verbosity=0,
                        queue_name="default,follow",
                    )
                if not callbacks:
                    return

    return run


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the fan-out's enqueueing) as a real commit would."""

    @contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


class Receiver(http.server.ThreadingHTTPServer):
    """An HTTP webhook receiver: answers the status codes it is told to (then 204),
    keeps each request's headers and body."""

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        self.requests = []
        self.failures = 0  # answer 500 to this many requests first
        self.delay = 0.0  # seconds to wait before answering
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length)
        server = self.server
        server.requests.append({"headers": dict(self.headers), "body": body})
        if server.delay:
            import time

            time.sleep(server.delay)
        if server.failures > 0:
            server.failures -= 1
            self.send_response(500)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
