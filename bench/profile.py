"""Time (and profile) the paths behind the stored responses in-process, against the bare view.

    scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/python -m bench.profile
    … -m bench.profile --entries 20000 --requests 300 --profile api   # cProfile's top 30

Migrates, collects the static files, generates the record (``bench.generate``) when
absent and prepares the bench (``bench.setup``), then times ``--requests`` requests of the
bare view, the timeline API's first page, the timeline HTML page and an actor's page
through Django's test ``Client`` with ``X-Bench-Bypass-Cache: 1`` — what ``make bench``
asks of those rows —
under the bench settings (Redis, the production middleware). Prints ms per request — this
process's CPU, and wall time, which adds the waits on PostgreSQL and Redis — (the median of
``--rounds``) and each path's ratio to the bare view measured in the same process.
``make bench``'s ratios also carry gunicorn and the network on the same two cores.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings.bench"


def prepare(entries):
    """The bench's record and settings, as ``make bench`` prepares them: ``bench.setup``'s."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        sys.exit("Run inside scripts/with-postgres.sh scripts/with-redis.sh.")
    for command in ("migrate", "collectstatic"):  # the pages name hashed static files
        subprocess.run([sys.executable, "manage.py", command, "--noinput", "-v0"], check=True)
    subprocess.run([sys.executable, "-m", "bench.generate", "--entries", str(entries)], check=True)
    setup = subprocess.run(
        [sys.executable, "-m", "bench.setup"], check=True, capture_output=True, text=True
    )
    return json.loads(setup.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per path and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--profile", choices=["api", "html", "actor"], help="print cProfile's top 30"
    )
    args = parser.parse_args(argv)
    setup = prepare(args.entries)

    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_BENCH_BYPASS_CACHE="1")
    paths = {
        "bare": "/bench/bare/",
        "api": f"/api/v1/negotiations/{setup['negotiation_id']}/timeline/?page_size=50",
        "html": f"/negotiations/{setup['slug']}/",
        "actor": f"/actors/{setup['actor_slug']}/",
    }
    for path in paths.values():  # warm up: imports, connections, the entries' fragments
        for _ in range(20):
            assert client.get(path).status_code == 200, path

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(paths[args.profile])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    cpu, wall = ({name: [] for name in paths} for _ in range(2))
    for _ in range(args.rounds):
        for name, path in paths.items():
            started = time.process_time(), time.perf_counter()
            for _ in range(args.requests):
                client.get(path)
            cpu[name].append((time.process_time() - started[0]) * 1000 / args.requests)
            wall[name].append((time.perf_counter() - started[1]) * 1000 / args.requests)
    print("path   CPU ms  × bare   wall ms  × bare   (median of the rounds, per request)")
    for name in paths:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        bare_c, bare_w = statistics.median(cpu["bare"]), statistics.median(wall["bare"])
        print(f"{name:5} {c:7.2f}  {bare_c / c:6.2f}  {w:8.2f}  {bare_w / w:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
