"""How long one publication takes to fan out to many followers and webhook endpoints.

    scripts/with-postgres.sh .venv/bin/python -m bench.follow \\
        [--followers 10000] [--endpoints 1000] [--workers 2] [--record]

Against the throwaway PostgreSQL of scripts/with-postgres.sh (production settings), with
a real SMTP server (aiosmtpd) and a real webhook receiver on 127.0.0.1 that verifies
nothing and answers 204 at once:

1. queries per recipient, in-process: one publication fanned out (``fan_out``, then
   ``send_alerts`` and ``deliver_webhooks`` until done) to 100 followers + 10
   endpoints, then to 1,000 + 100: the SQL count divided by the recipients, which must
   not grow with them;
2. the time of a real fan-out: ``--followers`` confirmed followers and ``--endpoints``
   endpoints follow one negotiation; ``--workers`` ``run_worker`` processes run; an
   editor's publication is committed, and the clock stops when the SMTP server has
   received every alert and the receiver has answered every endpoint.

``--record`` writes the table into bench/README.md.
"""

import argparse
import datetime
import http.server
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from aiosmtpd.controller import Controller  # noqa: E402
from drill_common import (  # noqa: E402
    PYTHON,
    Postgres,
    django_json,
    fail,
    free_port,
    manage,
    production_env,
    run_main,
    say,
)

README = ROOT / "bench" / "README.md"
START, END = "<!-- bench:follow:start -->", "<!-- bench:follow:end -->"


class Counter:
    def __init__(self):
        self.count, self.last, self.lock = 0, None, threading.Lock()

    def hit(self):
        with self.lock:
            self.count += 1
            self.last = time.monotonic()


class SmtpCounter(Counter):
    async def handle_DATA(self, server, session, envelope):
        self.hit()
        return "250 OK"


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self):
        self.counter = Counter()
        super().__init__(("127.0.0.1", free_port()), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.end_headers()
        self.server.counter.hit()

    def log_message(self, *args):
        pass


SETUP = """
from django.contrib.auth.models import User
from django.utils import timezone
import datetime
from following.models import Follow, Subscriber, WebhookEndpoint
from negotiations.models import Actor, Negotiation
long_ago = timezone.now() - datetime.timedelta(days=1)
owner, _ = User.objects.get_or_create(username="bench-desk")
actor, _ = Actor.objects.get_or_create(slug="bench-speaker", defaults={"name": "Bench speaker"})
result = {"actor": actor.pk, "negotiations": {}}
for slug, followers, endpoints in %(sizes)r:
    n = Negotiation.objects.create(slug=slug, title=slug)
    subs = Subscriber.objects.bulk_create(
        [Subscriber(email=f"{slug}-{i}@bench.example") for i in range(followers)], batch_size=2000
    )
    Follow.objects.bulk_create(
        [Follow(subscriber=s, negotiation=n, confirmed_at=long_ago) for s in subs], batch_size=2000
    )
    WebhookEndpoint.objects.bulk_create(
        [
            WebhookEndpoint(
                owner=owner, url=f"%(hook)s/{slug}/{i}", negotiation=n, created_at=long_ago
            )
            for i in range(endpoints)
        ],
        batch_size=2000,
    )
    result["negotiations"][slug] = n.pk
"""

PUBLISH = """
from negotiations.domain.entries import create_statement
from negotiations.domain.records import get_or_create_source
from negotiations.models import Actor, Negotiation
n = Negotiation.objects.get(slug=%(slug)r)
source = get_or_create_source(url="https://bench.example.org/" + %(slug)r)
entry = create_statement(
    negotiation=n, actor=Actor.objects.get(slug="bench-speaker"), text="The bench speaks.",
    date="2031-01-01", by=None, sources=[source], published=True,
)
result = entry.pk
"""

QUERIES = """
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from following import tasks
from following.models import WebhookEndpoint
from negotiations.models import ReaderEvent
counts = {}
for slug, followers, endpoints in %(sizes)r:
    %(publish)s
    event = ReaderEvent.objects.filter(record_type="statement", record_id=entry.pk).get()
    DBTaskResult.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        tasks.fan_out.call([event.pk])
        while tasks.send_alerts.call(event.pk):
            pass
        for pk in WebhookEndpoint.objects.filter(negotiation=n).values_list("pk", flat=True):
            tasks.deliver_webhooks.call(pk)
    counts[slug] = [followers + endpoints, len(queries)]
    DBTaskResult.objects.all().delete()
result = counts
"""


def record(table):
    text = README.read_text()
    block = f"{START}\n{table}\n{END}"
    if START in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = (
            text.rstrip()
            + "\n\n## Following: one publication's fan-out (issue 16)\n\n"
            + block
            + "\n"
        )
    README.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2, help="run_worker processes")
    parser.add_argument("--record", action="store_true", help="write bench/README.md")
    args = parser.parse_args()

    smtp_counter, smtp_port = SmtpCounter(), free_port()
    smtp = Controller(smtp_counter, hostname="127.0.0.1", port=smtp_port)
    receiver = Receiver()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    pg = Postgres()
    env = production_env(
        pg.url_of(pg.dbname),
        SITE_URL="https://parley.bench.example",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_port,
        WEBHOOK_ALLOW_PRIVATE="true",
    )
    smtp.start()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    workers = []
    try:
        say("== following bench: migrating, creating followers and endpoints")
        manage(env, "migrate", "--noinput", "-v", "0")
        small = [("bench-small", 100, 10), ("bench-medium", 1_000, 100)]
        big = [("bench-big", args.followers, args.endpoints)]
        django_json(env, SETUP % {"sizes": small + big, "hook": hook}, timeout=600)

        say("-- queries per recipient (in-process)")
        publish = PUBLISH.replace("%(slug)r", "slug").replace("\n", "\n    ")
        counted = django_json(env, QUERIES % {"sizes": small, "publish": publish}, timeout=600)
        per = {slug: queries / recipients for slug, (recipients, queries) in counted.items()}
        for slug, (recipients, queries) in counted.items():
            say(f"{recipients} recipients: {queries} queries, {per[slug]:.2f} per recipient")

        say(
            f"-- a real fan-out: {args.followers} followers, {args.endpoints} endpoints, "
            f"{args.workers} workers"
        )
        smtp_counter.count = receiver.counter.count = 0
        for index in range(args.workers):
            log = open(Path(tempfile.gettempdir()) / f"parley-bench-worker-{index}.log", "ab")  # noqa: SIM115
            workers.append(
                subprocess.Popen(
                    [PYTHON, "manage.py", "run_worker", "--interval", "0.2"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        time.sleep(3)
        started = time.monotonic()
        django_json(env, PUBLISH % {"slug": "bench-big"})
        committed = time.monotonic()
        deadline = committed + 1800
        while time.monotonic() < deadline:
            if smtp_counter.count >= args.followers and receiver.counter.count >= args.endpoints:
                break
            time.sleep(0.2)
        else:
            fail(f"Not done in 30 min: {smtp_counter.count} mails, {receiver.counter.count} hooks")
        mails = smtp_counter.last - committed
        hooks = receiver.counter.last - committed
        say(
            f"all {args.followers} mails handed to SMTP in {mails:.1f} s; "
            f"all {args.endpoints} endpoints answered in {hooks:.1f} s "
            f"(publication script took {committed - started:.1f} s)"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        smtp.stop()
        receiver.shutdown()

    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"Run of {when} on {platform.node()} ({platform.machine()}); PostgreSQL 15, production "
        f"settings; aiosmtpd and an http.server receiver on loopback; {args.workers} `run_worker` "
        "processes.",
        "",
        "| what | figure |",
        "|---|---:|",
    ]
    for slug, (recipients, queries) in counted.items():
        rows.append(
            f"| SQL queries, {recipients:,} recipients (in-process) | {queries:,} "
            f"({per[slug]:.2f} per recipient) |"
        )
    rows += [
        f"| {args.followers:,} alerts handed to SMTP, from the commit | {mails:.1f} s "
        f"({args.followers / mails:,.0f}/s) |",
        f"| {args.endpoints:,} webhook endpoints answered, from the commit | {hooks:.1f} s |",
    ]
    table = "\n".join(rows)
    say("\n" + table)
    if args.record:
        record(table)


if __name__ == "__main__":
    run_main(main)
