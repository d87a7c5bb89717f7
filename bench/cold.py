"""The timeline page's first read after a publication, timed in-process (issue 13).

    scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/python -m bench.cold
    … -m bench.cold --entries 20000 --profile racing   # and cProfile's top lines

Prepares the record as ``bench.profile`` does (``prepare``), then reads in-process.

Ways to read the bench negotiation's latest timeline page with the test client (median
of ``--rounds``, milliseconds of wall time, and the SQL queries):

- ``steady``: ``X-Bench-Bypass-Cache: 1``, the path behind the stored response;
- ``racing``: an editor publishes a statement dated today (so it is on the page) through
  the domain function, and the page is read as any reader would during the publication's
  build (``negotiations.caching.publication``: the read is made as the build starts):
  the version readers had before the write is put back, so this reader gets the page as
  it was;
- ``publish``: how long the publishing call takes, its build included (which builds what
  the negotiation's pages share and the latest timeline page before it announces the new
  version); its queries are not counted: 0. This process then forgets its 5-s copies of
  the pages' cache, as an app server other than the writer's has none of what it built
  (so the read fetches every entry from Redis, where a busy server has most of them: an
  upper bound);
- ``after-build``: the page read after that publication;
- ``emulated-unbuilt``: ``X-Bench-Bypass-Cache: unbuilt``, what ``make bench`` measures
  for a reader during the build who finds no version to keep (between the commit and the
  put-back, or after Redis lost it): the new version, its parts not built yet
  (``bench/cache.py``), without writing;
- ``cold``: ``X-Bench-Bypass-Cache: all``, every read of the cache misses.

``--profile`` prints cProfile's 30 costliest calls of one more such read. Each round
publishes two statements.
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


def publish_one(by, number, *, during_build=None):
    """A statement dated today, published at once: one reader event. ``during_build``: a
    call made as the publication's build starts (``publication._build``, once the old
    version is put back), whose result is returned. Otherwise, how long the publishing
    call took, then this process forgets its copies of the pages' cache, as another app
    server than the writer's (``tracker.cache``)."""
    from django.core.cache import caches
    from django.utils import timezone

    from negotiations.caching import publication
    from negotiations.domain.entries import create_statement
    from negotiations.domain.records import get_or_create_source
    from negotiations.models import Actor, Negotiation

    negotiation = Negotiation.objects.get(slug=SLUG)
    source = get_or_create_source(url=f"https://news.example.org/bench/cold/{number}", by=by)
    seen, build = [], publication._build

    def call_then_build(ids, deadline, parts):
        if parts is publication._shared_parts and during_build is not None:
            seen.append(during_build())
        return build(ids, deadline, parts)

    publication._build = call_then_build
    start = time.perf_counter()
    try:
        create_statement(
            negotiation=negotiation,
            actor=Actor.objects.order_by("pk").first(),
            text=f"A statement published by the bench ({number}).",
            date=timezone.localdate().isoformat(),
            by=by,
            published=True,
            sources=[source],
        )
    finally:
        publication._build = build
    if during_build is not None:
        return seen[0]
    elapsed = (time.perf_counter() - start) * 1000
    caches["default"]._local.clear()
    return elapsed, 0


def run_worker():
    """The task worker's run, in this process: every task of the ``default`` queue due
    (what earlier runs left: the other outputs' builds, the purges, the fan-outs)."""
    from django.core.management import call_command

    options = {"batch": True, "reload": False, "startup_delay": False, "verbosity": 0}
    call_command("db_worker", queue_name="default", **options)


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
    levels = {
        "steady": "1",
        "racing": "",
        "after-build": "",
        "emulated-unbuilt": "unbuilt",
        "cold": "all",
    }
    parser.add_argument("--profile", choices=levels)
    args = parser.parse_args(argv)
    prepare(args.entries)

    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/negotiations/{SLUG}/"
    by = editor()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%H%M%S")
    run_worker()  # what earlier runs left
    read(client, url, "")  # warm the process: imports, templates, the cache
    results = {name: [] for name in ("steady", "racing", "publish", "after-build")}
    results |= {"emulated-unbuilt": [], "cold": []}
    for number in range(args.rounds):
        results["steady"].append(read(client, url, "1"))
        racing = publish_one(by, f"{stamp}-{number}", during_build=lambda: read(client, url, ""))
        results["racing"].append(racing)
        results["publish"].append(publish_one(by, f"{stamp}-{number}-built"))
        results["after-build"].append(read(client, url, ""))
        results["emulated-unbuilt"].append(read(client, url, "unbuilt"))
        results["cold"].append(read(client, url, "all"))
        run_worker()
    steady = statistics.median(ms for ms, _ in results["steady"])
    print(f"{'read':<16} {'median ms':>10} {'min':>8} {'max':>8} {'queries':>8} {'× steady':>9}")
    for name, rows in results.items():
        times = [ms for ms, _ in rows]
        median = statistics.median(times)
        queries = statistics.median(q for _, q in rows)
        print(
            f"{name:<16} {median:>10.1f} {min(times):>8.1f} {max(times):>8.1f} "
            f"{queries:>8.0f} {median / steady:>9.2f}"
        )
    if args.profile:
        profiler = cProfile.Profile()

        def profiled():
            profiler.enable()
            read(client, url, levels[args.profile])
            profiler.disable()

        if args.profile == "racing":
            publish_one(by, f"{stamp}-profiled", during_build=profiled)
        else:
            if args.profile == "after-build":
                publish_one(by, f"{stamp}-profiled")
            profiled()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(r"negotiations/|tracker/", 45)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
