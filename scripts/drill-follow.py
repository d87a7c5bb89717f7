"""Following drill: alerts and webhooks arrive fast, late after downtime, never twice.

    scripts/with-postgres.sh .venv/bin/python scripts/drill-follow.py [--followers 300]

Serves Parley with gunicorn (tracker.settings.production) and runs the task worker
(``manage.py run_worker``) on 127.0.0.1 against the throwaway PostgreSQL of
scripts/with-postgres.sh, with the demo loaded, a real SMTP server (aiosmtpd) and a real
HTTP webhook receiver (verifying Standard Webhooks signatures) on loopback. A reader signs
up through the pages (form, confirmation mail, the confirm button); ``--followers`` more
follow the negotiation; an API consumer registers a webhook. The claims:

- worker running: an editor publishes a statement; the reader's alert and the signed
  webhook arrive within 5 s;
- worker stopped: the next publication sends nothing; started again, it delivers that
  alert and that webhook once each, late;
- worker killed (SIGKILL) in the middle of a fan-out, then started again: no follower
  gets the same alert twice (at most once: a mail being handed over when it died may be
  lost), and the webhook arrives (at least once).

Every wait is bounded; the drill stops the servers and the worker it started. About 60 s.
"""

import argparse
import email
import email.policy
import http.server
import json
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiosmtpd.controller import Controller
from drill_common import (
    DEMO_SLUG,
    Gunicorn,
    Postgres,
    Worker,
    django_json,
    fail,
    free_port,
    make_users,
    manage,
    prepare_database,
    production_env,
    run_main,
    say,
    session,
)
from standardwebhooks.webhooks import Webhook

LIMIT_FAST = 5.0  # seconds from publication to the mail and the webhook
LIMIT_LATE = 30.0  # seconds after the worker starts again, for every follower
SMTP_DELAY = 0.004  # seconds the SMTP server takes per message: a fan-out lasts a while
REQUEST_TIMEOUT = 5.0
SITE_URL = "https://parley.drill.example"


class Inbox:
    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(SMTP_DELAY)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # Read the headers once here: the drill's checks poll these lists.
        row = (time.monotonic(), str(message["To"]), str(message["Subject"] or ""), message)
        with self.lock:
            self.messages.append(row)
        return "250 OK"

    def about(self, text):
        """(arrival, recipient) of the alerts whose subject has ``text``."""
        with self.lock:
            return [(at, to) for at, to, subject, _ in self.messages if text in subject]

    def to(self, address):
        with self.lock:
            return [message for _, to, _, message in self.messages if to == address]


class Receiver(http.server.ThreadingHTTPServer):
    def __init__(self):
        self.secret, self.received, self.lock = None, [], threading.Lock()
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)

    def about(self, text):
        with self.lock:
            return [(at, wid) for at, wid, body in self.received if text in body]


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            payload = Webhook(self.server.secret).verify(body, dict(self.headers))
        except Exception as error:  # a bad signature is a failed drill
            self.server.bad = str(error)
            self.send_response(400)
            self.end_headers()
            return
        with self.server.lock:
            row = (time.monotonic(), self.headers["webhook-id"], json.dumps(payload))
            self.server.received.append(row)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def wait_for(check, limit, what):
    """Poll ``check()`` until it is true, at most ``limit`` seconds; fail with ``what``."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    fail(what)


def publish(base, token, demo, text):
    payload = {
        "negotiation": demo["negotiation"],
        "actor": demo["actor"],
        "text": text,
        "kind": "paraphrase",
        "date": "2031-01-01",
        "sources": [{"url": f"https://drill.example.org/{abs(hash(text))}"}],
        "state": "published",
    }
    created = session(token).post(f"{base}/api/v1/statements/", json=payload, timeout=10)
    if created.status_code != 201:
        fail(f"The editor's statement was refused: {created.status_code} {created.text}")
    return time.monotonic()


def sign_up(base, inbox, demo_slug):
    """A reader follows through the pages: the form, the mail, the confirm button."""
    reader = "reader@drill.example"
    answer = session().post(
        f"{base}/follow/", data={"email": reader, "negotiation": demo_slug}, timeout=10
    )
    if answer.status_code != 200:
        fail(f"The follow form answered {answer.status_code}")
    wait_for(lambda: inbox.to(reader), 30, "No confirmation mail within 30 s.")
    body = inbox.to(reader)[0].get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(SITE_URL)}(/follow/confirm/\S+)", body).group(1)
    if session().get(f"{base}{link}", timeout=10).status_code != 200:
        fail("The confirmation page did not open.")
    if session().post(f"{base}{link}", timeout=10).status_code != 200:
        fail("The confirm button did not confirm.")
    return reader


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=300, help="followers besides the reader")
    args = parser.parse_args()

    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    receiver = Receiver()
    receiver.bad = None
    pg = Postgres()
    env = production_env(
        pg.url_of(pg.dbname, connect_timeout=2),
        SITE_URL=SITE_URL,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_port,
        DEFAULT_FROM_EMAIL="Parley drill <alerts@drill.example>",
        WEBHOOK_ALLOW_PRIVATE="true",
        FOLLOW_THROTTLE_CLIENT=1000,
    )
    say("== following drill: preparing the database (migrate, demo, static files)")
    prepare_database(env)
    token = make_users(env, eddie="Editors")["eddie"]
    demo = django_json(
        env,
        "from negotiations.models import Negotiation, Statement\n"
        f"n = Negotiation.objects.get(slug={DEMO_SLUG!r})\n"
        "result = {'negotiation': n.pk, "
        "'actor': Statement.objects.filter(negotiation=n).values_list('actor', flat=True)[0]}",
    )
    consumer_key = manage(env, "create_api_key", "drill-desk").strip()
    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-follow."))
    worker = Worker(env, workdir / "worker.log", interval=0.2)
    smtp.start()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    everyone = args.followers + 1
    try:
        with Gunicorn(env, workers=2, log_path=workdir / "gunicorn.log") as server:
            base = server.base
            created = session(consumer_key).post(
                f"{base}/api/v1/webhooks/",
                json={"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook"},
                timeout=10,
            )
            if created.status_code != 201:
                fail(f"The webhook was refused: {created.status_code} {created.text}")
            receiver.secret = created.json()["secret"]
            worker.start()
            reader = sign_up(base, inbox, DEMO_SLUG)
            django_json(
                env,
                "from django.utils import timezone\n"
                "from following.models import Follow, Subscriber\n"
                "from negotiations.models import Negotiation\n"
                f"n = Negotiation.objects.get(slug={DEMO_SLUG!r})\n"
                f"subs = Subscriber.objects.bulk_create([Subscriber(email=f'f{{i}}@drill.example') "
                f"for i in range({args.followers})])\n"
                "Follow.objects.bulk_create([Follow(subscriber=s, negotiation=n, "
                "confirmed_at=timezone.now()) for s in subs])\n",
            )
            say(f"a reader signed up through the pages and confirmed; {args.followers} more follow")

            say("-- 1. worker running: publish, then the mail and the webhook")
            published = publish(base, token, demo, "Drill one: talks resume")
            wait_for(
                lambda: any(to == reader for _, to in inbox.about("Drill one")),
                LIMIT_FAST,
                "The reader's alert did not arrive within 5 s.",
            )
            mail_delay = next(at for at, to in inbox.about("Drill one") if to == reader) - published
            wait_for(lambda: receiver.about("Drill one"), LIMIT_FAST, "No webhook within 5 s.")
            hook_delay = receiver.about("Drill one")[0][0] - published
            wait_for(
                lambda: len(inbox.about("Drill one")) >= everyone,
                60,
                "Not every follower got the first alert within 60 s.",
            )
            fan_out = max(at for at, _ in inbox.about("Drill one")) - published
            say(
                f"reader's mail after {mail_delay:.2f} s, webhook after {hook_delay:.2f} s; "
                f"all {everyone} mails handed over in {fan_out:.2f} s"
            )

            say("-- 2. worker stopped: publish; nothing is sent until it starts again")
            worker.stop()
            publish(base, token, demo, "Drill two: talks stall")
            time.sleep(3)
            if inbox.about("Drill two") or receiver.about("Drill two"):
                fail("Something was sent with no worker running.")
            restarted = time.monotonic()
            worker.start()
            wait_for(
                lambda: len(inbox.about("Drill two")) >= everyone and receiver.about("Drill two"),
                LIMIT_LATE,
                "The late alerts and webhook did not all arrive within 30 s of the restart.",
            )
            late = max(at for at, _ in inbox.about("Drill two")) - restarted
            time.sleep(2)
            twice = [
                to for to, n in Counter(to for _, to in inbox.about("Drill two")).items() if n > 1
            ]
            if twice or len(receiver.about("Drill two")) != 1:
                fail(f"Delivered more than once after the restart: {twice[:5]}")
            say(f"delivered once each, late: all {everyone} within {late:.2f} s of the restart")

            say("-- 3. worker killed mid-fan-out, then started again")
            publish(base, token, demo, "Drill three: a deal")
            wait_for(
                lambda: len(inbox.about("Drill three")) >= 20,
                LIMIT_FAST * 2,
                "The third fan-out did not start.",
            )
            worker.stop(kill=True)
            before = len(inbox.about("Drill three"))
            if before >= everyone:
                fail("The fan-out finished before the kill: raise --followers.")
            worker.start()
            wait_for(
                lambda: (
                    len(inbox.about("Drill three")) >= everyone - 1
                    and receiver.about("Drill three")
                ),
                LIMIT_LATE * 2,
                "The fan-out did not finish after the restart.",
            )
            time.sleep(3)
            counts = Counter(to for _, to in inbox.about("Drill three"))
            twice = [to for to, n in counts.items() if n > 1]
            if twice:
                fail(f"{len(twice)} followers got the same alert twice, e.g. {twice[:3]}")
            if receiver.bad:
                fail(f"A webhook signature did not verify: {receiver.bad}")
            say(
                f"killed after {before} of {everyone} mails; after the restart {len(counts)} "
                f"got it, none twice ({everyone - len(counts)} lost in the kill: at most once); "
                f"webhook deliveries: {len(receiver.about('Drill three'))} (at least once)"
            )
    finally:
        worker.stop()
        smtp.stop()
        receiver.shutdown()
        receiver.server_close()
    say("\nOK: fast with a worker, late but once without one, never twice after a kill.")


if __name__ == "__main__":
    run_main(main)
