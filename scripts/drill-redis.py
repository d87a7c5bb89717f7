"""Redis outage drill: the shared cache stops under load, then comes back.

    scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/python scripts/drill-redis.py \\
        [--readers 8] [--outage 6] [--phase 4]

Serves Parley with gunicorn (tracker.settings.production, --workers workers) on 127.0.0.1,
its cache the Redis of scripts/with-redis.sh, the demo loaded. --readers clients request
anonymous reader pages and API pages (throttled, their counters in Redis too) in a loop,
without pause, for the whole drill: --phase seconds with Redis, --outage seconds after it is
stopped (shut down, its keys gone), --phase seconds after it is started again. The claims:

- no answer is a 5xx, and every request gets an answer, in every phase;
- while Redis is away the pages are served uncached (but for what a worker kept of the last
  5 s): every one a 200, and the gunicorn log warns that the cache is unavailable;
- once Redis is back, the pages are stored in it again (its stored responses, counted with
  SCAN, grow from none), and the same workers serve them (none restarted).

Prints requests, statuses and latencies per phase. A CI run takes about 25 s.
"""

import argparse
import itertools
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from drill_common import (
    DEMO_SLUG,
    Gunicorn,
    Postgres,
    Redis,
    django_json,
    fail,
    percentile,
    prepare_database,
    production_env,
    run_main,
    say,
    session,
)

REQUEST_TIMEOUT = 10.0
# Stored responses in Redis: Django's key is KEY_PREFIX:VERSION:key (tracker.cache.caches_on).
STORED_PAGES = "parley:1:parley:reader:*"


class Reader(threading.Thread):
    """One anonymous client going round the URLs without pause, recording every answer."""

    def __init__(self, urls, stop, offset):
        super().__init__(daemon=True, name=f"reader-{offset}")
        self.urls, self.stop, self.offset = urls, stop, offset
        self.results = []  # (started, ended, status or None)

    def run(self):
        client = session()
        n = self.offset
        while not self.stop.is_set():
            url = self.urls[n % len(self.urls)]
            n += 1
            started = time.monotonic()
            try:
                status = client.get(url, timeout=REQUEST_TIMEOUT).status_code
            except requests.RequestException:
                status = None
            self.results.append((started, time.monotonic(), status))


def stored_pages(redis):
    return len(redis.cli("--scan", "--pattern", STORED_PAGES).split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--outage", type=float, default=6.0, help="seconds Redis is away")
    parser.add_argument("--phase", type=float, default=4.0, help="seconds before and after")
    args = parser.parse_args()
    if not 1 <= args.readers <= 64 or not 1 <= args.outage <= 600 or not 1 <= args.phase <= 600:
        fail("Keep --readers within 1–64 and --outage and --phase within 1–600 seconds.")

    pg, redis = Postgres(), Redis()
    # Rate limits raised: a few client threads send thousands of requests from one address.
    env = production_env(pg.url_of(pg.dbname, connect_timeout=2), API_THROTTLE_ANON="1000000/min")
    say("== Redis outage drill: preparing the database (migrate, demo, static files)")
    prepare_database(env)
    negotiation_id = django_json(
        env,
        "from negotiations.models import Negotiation\n"
        f"result = Negotiation.objects.get(slug={DEMO_SLUG!r}).pk",
    )

    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-redis."))
    with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
        urls = [
            f"{server.base}/negotiations/{DEMO_SLUG}/",
            f"{server.base}/api/v1/negotiations/{negotiation_id}/timeline/",
            f"{server.base}/negotiations/{DEMO_SLUG}/?kind=statement",
            f"{server.base}/api/v1/actors/",
            f"{server.base}/",
        ]
        workers_before = server.worker_pids()
        stop = threading.Event()
        readers = [Reader(urls, stop, offset) for offset in range(args.readers)]
        marks = {}
        try:
            for reader in readers:
                reader.start()
            marks["with Redis"] = time.monotonic()
            time.sleep(args.phase)
            pages_before = stored_pages(redis)
            redis.stop()
            marks["Redis away"] = time.monotonic()
            say(f"Redis stopped, {pages_before} stored pages lost with it")
            time.sleep(args.outage)
            redis.start()
            marks["Redis back"] = time.monotonic()
            pages_restart = stored_pages(redis)
            say(f"Redis started again, empty ({pages_restart} stored pages)")
            time.sleep(args.phase)
            pages_after = stored_pages(redis)
            marks["end"] = time.monotonic()
        finally:
            stop.set()
            for reader in readers:
                reader.join(timeout=REQUEST_TIMEOUT + 2)
        workers_after = server.worker_pids()
        log = server.log_text()

    results = [result for reader in readers for result in reader.results]
    problems = []
    say("\n== Redis outage drill figures")
    say(f"{'phase':<12}{'requests':>9}{'req/s':>7}{'5xx':>5}{'no answer':>10}  statuses, p50/p95")
    for (phase, begin), (_next, end) in itertools.pairwise(marks.items()):
        within = [r for r in results if begin <= r[0] < end]
        statuses = {}
        for _started, _ended, status in within:
            statuses[status] = statuses.get(status, 0) + 1
        errors = sum(count for status, count in statuses.items() if status and status >= 500)
        lost = statuses.get(None, 0)
        latencies = [ended - started for started, ended, _status in within]
        say(
            f"{phase:<12}{len(within):>9}{len(within) / (end - begin):>7.0f}{errors:>5}{lost:>10}"
            f"  {dict(sorted(statuses.items(), key=str))}, "
            f"{statistics.median(latencies) * 1000 if latencies else 0:.0f}/"
            f"{percentile(latencies, 0.95) * 1000:.0f} ms"
        )
        if not within:
            problems.append(f"no request was answered in the phase {phase!r}")
        if errors or lost:
            problems.append(f"{errors} 5xx and {lost} unanswered requests in the phase {phase!r}")
        if set(statuses) - {200}:
            problems.append(f"answers other than 200 in the phase {phase!r}: {statuses}")
    say(f"stored pages in Redis: {pages_before} before it stopped, {pages_after} after it was back")
    if pages_before == 0:
        problems.append("no page was stored in Redis before it stopped")
    if pages_after <= pages_restart:
        problems.append("no page was stored in Redis again once it was back")
    if "Redis cache unavailable" not in log:
        problems.append("the gunicorn log does not warn that the cache was unavailable")
    if workers_after != workers_before:
        problems.append("a gunicorn worker was restarted")
    for marker in ("WORKER TIMEOUT", "Traceback"):
        if marker in log:
            problems.append(f"the gunicorn log says {marker!r}")
    if problems:
        unique = list(dict.fromkeys(problems))
        for problem in unique[:20]:
            say(f"  problem: {problem}")
        fail(
            f"The Redis outage drill found {len(unique)} problem(s), first: {unique[0]}. "
            f"gunicorn log: {workdir / 'gunicorn.log'}"
        )
    shutil.rmtree(workdir, ignore_errors=True)  # kept when the drill fails
    say(
        f"PASSED: {len(results)} requests from {args.readers} readers, no 5xx with Redis stopped "
        f"for {args.outage:.0f} s; cached again once it was back ({pages_after} stored pages)."
    )


if __name__ == "__main__":
    run_main(main)
