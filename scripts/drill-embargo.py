"""Embargo drill: the task worker lifts an embargo at its time, never before.

    scripts/with-postgres.sh .venv/bin/python scripts/drill-embargo.py [--workers 2]

Serves Parley with gunicorn (tracker.settings.production, 2+ workers) and runs the task
worker (``manage.py run_worker``) on 127.0.0.1 against the throwaway PostgreSQL of
scripts/with-postgres.sh, with the demo loaded. The claims:

- worker running: an editor publishes a statement embargoed 5 s ahead; anonymous readers
  never see it before its time (the API detail, the negotiation's page, and that page
  revalidated with the ETag read before), on whichever gunicorn worker answers (a new
  connection per request), and every answer shows it within 2 s of its time;
- worker stopped: a second embargo stays hidden past its time, and /readyz stays 200
  and reports the lag (``embargoes_overdue_seconds`` > 0);
- worker started again: it lifts the overdue embargo (catch-up at start) within 5 s,
  and /readyz reports no lag.

Every wait is bounded; the drill stops the worker and gunicorn it started. About 40 s.
"""

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from drill_common import (
    DEMO_SLUG,
    Gunicorn,
    Postgres,
    Worker,
    django_json,
    fail,
    make_users,
    prepare_database,
    production_env,
    run_main,
    say,
    session,
)

AHEAD = 5.0  # seconds: the embargo is set this far ahead
LIMIT_VISIBLE = 2.0  # seconds after its time by which every answer shows it
LIMIT_CATCH_UP = 5.0  # seconds after the worker starts again
REQUEST_TIMEOUT = 5.0


def publish_embargoed(base, token, demo, text, at):
    payload = {
        "negotiation": demo["negotiation"],
        "actor": demo["actor"],
        "text": text,
        "kind": "paraphrase",
        "date": "2031-01-01",
        "sources": [{"url": f"https://drill.example.org/{abs(hash(text))}"}],
        "state": "published",
        "publish_at": at.isoformat().replace("+00:00", "Z"),
    }
    created = session(token).post(
        f"{base}/api/v1/statements/", json=payload, timeout=REQUEST_TIMEOUT
    )
    if created.status_code != 201:
        fail(f"The editor's embargoed statement was refused: {created.status_code} {created.text}")
    return created.json()["id"]


def look(base, statement_id, text, old_etag, workers):
    """Read as readers do, each request on a new connection (any worker answers): a list
    of (what, shows it) for the API detail, the page, and the page revalidated."""
    page = f"{base}/negotiations/{DEMO_SLUG}/"
    seen = []
    for _ in range(workers):
        detail = session().get(f"{base}/api/v1/statements/{statement_id}/", timeout=REQUEST_TIMEOUT)
        if detail.status_code not in (200, 404):
            fail(f"The API answered {detail.status_code} for a reader.")
        seen.append(("api", detail.status_code == 200))
        fresh = session().get(page, timeout=REQUEST_TIMEOUT)
        if fresh.status_code != 200:
            fail(f"The page answered {fresh.status_code}.")
        seen.append(("page", text in fresh.text))
        again = session().get(page, headers={"If-None-Match": old_etag}, timeout=REQUEST_TIMEOUT)
        if again.status_code not in (200, 304):
            fail(f"The revalidated page answered {again.status_code}.")
        seen.append(("revalidated", again.status_code == 200 and text in again.text))
    return seen


def readyz(base):
    answer = requests.get(f"{base}/readyz", timeout=REQUEST_TIMEOUT)
    if answer.status_code != 200:
        fail(f"/readyz answered {answer.status_code} with the database up.")
    return answer.json()["embargoes_overdue_seconds"]


def watch_embargo(base, statement_id, text, at, old_etag, workers, *, until):
    """Poll until ``until`` (seconds after ``at``): the moment every answer of a round
    showed it (None if never); fails at once when anything shows it early."""
    visible_from, shown_after = None, True
    deadline = at + datetime.timedelta(seconds=until)
    while datetime.datetime.now(datetime.UTC) < deadline:
        started = datetime.datetime.now(datetime.UTC)
        seen = look(base, statement_id, text, old_etag, workers)
        ended = datetime.datetime.now(datetime.UTC)
        if ended < at and any(shown for _, shown in seen):
            early = [what for what, shown in seen if shown]
            fail(f"The embargoed statement was shown before its time ({', '.join(early)}).")
        if all(shown for _, shown in seen):
            if visible_from is None and started >= at:
                visible_from = ended
        elif visible_from is not None:
            shown_after = False
        time.sleep(0.1)
    return visible_from, shown_after


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2 or more)")
    args = parser.parse_args()
    if not 2 <= args.workers <= 16:
        fail("Run 2–16 gunicorn workers: the claim is about every worker.")

    pg = Postgres()
    env = production_env(pg.url_of(pg.dbname, connect_timeout=2))
    say("== embargo drill: preparing the database (migrate, demo, static files)")
    prepare_database(env)
    token = make_users(env, eddie="Editors")["eddie"]
    demo = django_json(
        env,
        "from negotiations.models import Negotiation, Statement\n"
        f"n = Negotiation.objects.get(slug={DEMO_SLUG!r})\n"
        "result = {'negotiation': n.pk, "
        "'actor': Statement.objects.filter(negotiation=n).values_list('actor', flat=True)[0]}",
    )
    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-embargo."))
    worker = Worker(env, workdir / "worker.log")
    with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
        base = server.base
        say(f"gunicorn master {server.process.pid}, workers {sorted(server.worker_pids())}")
        try:
            worker.start()
            time.sleep(1.0)
            worker.check_running()

            say("-- 1. worker running: an embargo 5 s ahead")
            old_etag = session().get(f"{base}/negotiations/{DEMO_SLUG}/").headers["ETag"]
            at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=AHEAD)
            text = f"Embargo drill statement one {at:%H%M%S}"
            first = publish_embargoed(base, token, demo, text, at)
            visible_from, stayed = watch_embargo(
                base, first, text, at, old_etag, args.workers, until=LIMIT_VISIBLE + 3
            )
            if visible_from is None:
                fail(f"The statement was not shown by every answer within {LIMIT_VISIBLE + 3} s.")
            delay = (visible_from - at).total_seconds()
            say(f"shown on every answer {delay:.2f} s after its time; never before")
            if delay > LIMIT_VISIBLE:
                fail(f"Shown {delay:.2f} s after its time (the bound is {LIMIT_VISIBLE} s).")
            if not stayed:
                fail("Once shown, some later answer did not show it.")
            worker.check_running()

            say("-- 2. worker stopped: the next embargo stays hidden, /readyz reports the lag")
            worker.stop()
            old_etag = session().get(f"{base}/negotiations/{DEMO_SLUG}/").headers["ETag"]
            at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=3)
            text = f"Embargo drill statement two {at:%H%M%S}"
            second = publish_embargoed(base, token, demo, text, at)
            visible_from, _ = watch_embargo(base, second, text, at, old_etag, args.workers, until=3)
            if visible_from is not None:
                fail("With no worker, the embargoed statement was shown anyway.")
            if any(shown for _, shown in look(base, second, text, old_etag, args.workers)):
                fail("With no worker, the embargoed statement was shown anyway.")
            lag = readyz(base)
            say(f"still hidden 3 s past its time; /readyz: 200, embargoes_overdue_seconds {lag}")
            if not lag > 0:
                fail("/readyz did not report the overdue embargo.")

            say("-- 3. worker started again: it catches up")
            restarted = time.monotonic()
            worker.start()
            deadline = restarted + LIMIT_CATCH_UP
            while time.monotonic() < deadline:
                if all(shown for _, shown in look(base, second, text, old_etag, args.workers)):
                    break
                time.sleep(0.2)
            else:
                fail(f"The restarted worker did not lift the embargo within {LIMIT_CATCH_UP} s.")
            say(f"lifted {time.monotonic() - restarted:.2f} s after the worker started")
            lag = readyz(base)
            if lag != 0:
                fail(f"/readyz still reports {lag} s of lag after the catch-up.")
            say("/readyz: embargoes_overdue_seconds 0")
            worker.check_running()
        finally:
            worker.stop()
    say("\nOK: never early; every answer within the bound; late (not early) without a worker.")


if __name__ == "__main__":
    run_main(main)
