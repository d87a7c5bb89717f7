"""The timeline page's first read after a publication, timed in-process (issue 13).

    scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/python -m bench.cold
    … -m bench.cold --entries 20000 --profile publication   # and cProfile's top lines

Prepares the record as ``bench.profile`` does (``prepare``), then reads in-process.

Three ways to read the bench negotiation's latest timeline page with the test client
(median of ``--rounds``, milliseconds of wall time, and the SQL queries):

- ``steady``: ``X-Bench-Bypass-Cache: 1``, the path behind the stored response;
- ``publication``: an editor publishes a statement dated today (so it is on the page)
  through the domain function, then the page is read as any reader would: the reader
  version moved, so the stored response and everything kept under the negotiation's
  version miss; the entries whose text did not change are still in the cache;
- ``emulated``: ``X-Bench-Bypass-Cache: publication``, what ``make bench`` measures for
  the same case (``bench/cache.py``), without writing;
- ``cold``: ``X-Bench-Bypass-Cache: all``, every read of the cache misses.

``--profile steady|publication|cold`` prints cProfile's 30 costliest calls of one more
such read. Each publication adds a statement to the record.
"""

import argparse
import cProfile
import datetime
import pstats
import statistics
import sys
import time

from bench.profile import prepare

SLUG = "bench-large"


def editor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from negotiations.roles import EDITORS

    user, _ = get_user_model().objects.get_or_create(username="bench-editor", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


def publish_one(by, number):
    """A statement dated today, published at once: one reader event."""
    from django.utils import timezone

    from negotiations.domain.entries import create_statement
    from negotiations.domain.records import get_or_create_source
    from negotiations.models import Actor, Negotiation

    negotiation = Negotiation.objects.get(slug=SLUG)
    source = get_or_create_source(url=f"https://news.example.org/bench/cold/{number}", by=by)
    return create_statement(
        negotiation=negotiation,
        actor=Actor.objects.order_by("pk").first(),
        text=f"A statement published by the bench ({number}).",
        date=timezone.localdate().isoformat(),
        by=by,
        published=True,
        sources=[source],
    )


def read(client, url, level):
    headers = {"HTTP_X_BENCH_BYPASS_CACHE": level} if level else {}
    start = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed, int(response["X-Queries"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--profile", choices=("steady", "publication", "emulated", "cold"))
    args = parser.parse_args(argv)
    prepare(args.entries)

    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/negotiations/{SLUG}/"
    by = editor()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%H%M%S")
    read(client, url, "")  # warm the process: imports, templates, the cache
    results = {"steady": [], "publication": [], "emulated": [], "cold": []}
    for number in range(args.rounds):
        results["steady"].append(read(client, url, "1"))
        publish_one(by, f"{stamp}-{number}")
        results["publication"].append(read(client, url, ""))
        results["emulated"].append(read(client, url, "publication"))
        results["cold"].append(read(client, url, "all"))
    steady = statistics.median(ms for ms, _ in results["steady"])
    print(f"{'read':<12} {'median ms':>10} {'min':>8} {'max':>8} {'queries':>8} {'× steady':>9}")
    for name, rows in results.items():
        times = [ms for ms, _ in rows]
        median = statistics.median(times)
        queries = statistics.median(q for _, q in rows)
        print(
            f"{name:<12} {median:>10.1f} {min(times):>8.1f} {max(times):>8.1f} "
            f"{queries:>8.0f} {median / steady:>9.2f}"
        )
    if args.profile:
        level = {"steady": "1", "publication": "", "emulated": "publication", "cold": "all"}[
            args.profile
        ]
        if args.profile == "publication":
            publish_one(by, f"{stamp}-profiled")
        profiler = cProfile.Profile()
        profiler.enable()
        read(client, url, level)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(r"negotiations/|tracker/", 45)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
