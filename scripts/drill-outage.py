"""Database outage drill: PostgreSQL stops under a running gunicorn, then comes back.

    scripts/with-postgres.sh .venv/bin/python scripts/drill-outage.py [--outage 6] [--cycles 1]

Serves Parley with gunicorn (tracker.settings.production, persistent database
connections, CONN_MAX_AGE=600) on 127.0.0.1 against the throwaway PostgreSQL of
scripts/with-postgres.sh, with the demo loaded. Clients keep requesting an API
URL, a reader page and /readyz while the drill stops PostgreSQL, keeps it down
for --outage seconds and starts it again, --cycles times. The claims:

- before the outage every answer is a 200;
- while the database is down, every API answer is a JSON 503 with Retry-After and
  every page a plain HTML 503 with Retry-After (or a 200 stale copy), never a
  traceback, each within 3 seconds (the database URL carries connect_timeout=2);
- once PostgreSQL is back, the same gunicorn master and workers (same pids, no
  worker restarted) answer 200 again by themselves, within 5 seconds.

Prints time-to-503 per request (max and median), time-to-recovery, the pids.
A CI run takes about 30 s; a longer drill: --outage 60 --cycles 5.
"""

import argparse
import json
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
    django_json,
    fail,
    percentile,
    prepare_database,
    production_env,
    run_main,
    say,
    session,
)

LIMIT_503 = 3.0  # seconds: the bound for an answer while the database is away
LIMIT_RECOVERY = 5.0  # seconds after PostgreSQL is back until every answer is a 200 again
REQUEST_TIMEOUT = 10.0


class Probe(threading.Thread):
    """One client requesting one URL in a loop, recording every answer."""

    def __init__(self, kind, url, stop):
        super().__init__(daemon=True, name=f"probe-{kind}")
        self.kind, self.url, self.stop = kind, url, stop
        self.results = []  # (started, ended, status, headers, body)

    def run(self):
        client = session()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                response = client.get(self.url, timeout=REQUEST_TIMEOUT)
                status, headers, body = response.status_code, response.headers, response.text
            except requests.RequestException as error:
                status, headers, body = None, {}, f"{type(error).__name__}: {error}"
            self.results.append((started, time.monotonic(), status, headers, body))
            time.sleep(0.05)


def check_outage_answer(kind, status, headers, body):
    """None when the answer is what a reader or client should get during an outage."""
    if status is None:
        return f"no HTTP answer ({body})"
    if "Traceback" in body or "Exception Value" in body:
        return f"a traceback in the {status} answer"
    if kind == "page" and status == 200:
        return None  # a stale cached copy is acceptable
    if status != 503:
        return f"status {status}, not 503"
    if not headers.get("Retry-After", "").isdigit():
        return "no Retry-After header"
    content_type = headers.get("Content-Type", "")
    if kind in ("api", "readyz"):
        if not content_type.startswith("application/json"):
            return f"Content-Type {content_type!r}, not JSON"
        try:
            if "detail" not in json.loads(body):
                return "JSON without a detail message"
        except ValueError:
            return "a body that is not JSON"
    elif not content_type.startswith("text/html"):
        return f"Content-Type {content_type!r}, not an HTML page"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=6.0, help="seconds the database is down")
    parser.add_argument("--cycles", type=int, default=1, help="outages in a row")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--stop-mode", choices=["fast", "immediate"], default="fast", help="pg_ctl stop -m"
    )
    args = parser.parse_args()
    if not 1 <= args.cycles <= 50 or not 1 <= args.outage <= 600:
        fail("Keep --cycles within 1–50 and --outage within 1–600 seconds.")

    pg = Postgres()
    env = production_env(pg.url_of(pg.dbname, connect_timeout=2), CONN_MAX_AGE=600)
    say("== outage drill: preparing the database (migrate, demo, static files)")
    prepare_database(env)
    negotiation_id = django_json(
        env,
        f"from negotiations.models import Negotiation\n"
        f"result = Negotiation.objects.get(slug={DEMO_SLUG!r}).pk",
    )

    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-outage."))
    with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
        urls = {
            "api": f"{server.base}/api/v1/negotiations/{negotiation_id}/timeline/",
            "page": f"{server.base}/negotiations/{DEMO_SLUG}/",
            "readyz": f"{server.base}/readyz",
        }
        master, workers_before = server.process.pid, server.worker_pids()
        say(f"gunicorn master {master}, workers {sorted(workers_before)} on {server.base}")
        stop = threading.Event()
        probes = [Probe(kind, url, stop) for kind, url in urls.items()]
        for probe in probes:
            probe.start()
        windows = []
        try:
            # Warm up: every client has had answers before the first outage (bounded).
            warm_until = time.monotonic() + 30
            while time.monotonic() < warm_until and any(
                sum(r[2] == 200 for r in probe.results) < 3 for probe in probes
            ):
                time.sleep(0.1)
            time.sleep(1.0)
            for cycle in range(1, args.cycles + 1):
                stop_begin = time.monotonic()
                pg.stop(args.stop_mode)
                stop_done = time.monotonic()
                say(f"cycle {cycle}: PostgreSQL stopped ({args.stop_mode}) ")
                time.sleep(args.outage)
                start_begin = time.monotonic()
                pg.start()
                start_done = time.monotonic()
                say(f"cycle {cycle}: PostgreSQL started again after {start_done - stop_done:.1f} s")
                windows.append((stop_begin, stop_done, start_begin, start_done))
                time.sleep(LIMIT_RECOVERY + 2.0)
        finally:
            stop.set()
            for probe in probes:
                probe.join(timeout=REQUEST_TIMEOUT + 2)
        workers_after = server.worker_pids()
        alive = server.process.poll() is None
        log = server.log_text()

    problems = []
    first_stop = windows[0][0]
    summary = {}
    for probe in probes:
        kind = probe.kind
        before = [r for r in probe.results if r[1] < first_stop]
        bad_before = [r for r in before if r[2] != 200]
        if not before or bad_before:
            problems.append(f"{kind}: {len(bad_before)} of {len(before)} answers before the outage")
        down_latencies, to_first_503, recoveries, stale = [], [], [], 0
        for n, (stop_begin, stop_done, start_begin, start_done) in enumerate(windows):
            next_stop = windows[n + 1][0] if n + 1 < len(windows) else float("inf")
            # Requests wholly inside the outage: the outage answer, within the bound.
            down = [r for r in probe.results if r[0] >= stop_done and r[1] <= start_begin]
            if not down:
                problems.append(f"{kind}: no request was answered during outage {n + 1}")
            for started, ended, status, headers, body in down:
                problem = check_outage_answer(kind, status, headers, body)
                if problem:
                    problems.append(f"{kind} during outage {n + 1}: {problem}")
                if status == 200:
                    stale += 1
                down_latencies.append(ended - started)
            first_503 = next((r for r in down if r[2] == 503), None)
            if first_503:
                to_first_503.append(first_503[1] - stop_done)
            # Requests overlapping the stop or the start: a 200 or the outage answer.
            for started, ended, status, headers, body in probe.results:
                overlapping = (started < stop_done and ended > stop_begin) or (
                    started < start_done and ended > start_begin
                )
                if overlapping and status != 200:
                    problem = check_outage_answer(kind, status, headers, body)
                    if problem:
                        problems.append(f"{kind} while stopping/starting: {problem}")
            # After the start: 200s again, and the last answer that was not a 200.
            after = [r for r in probe.results if r[0] >= start_done and r[0] < next_stop]
            not_ok = [r for r in after if r[2] != 200]
            ok = [r for r in after if r[2] == 200]
            if not ok:
                problems.append(f"{kind}: never answered 200 after outage {n + 1}")
                continue
            recovered_at = max((r[1] for r in not_ok), default=start_done)
            recovery = max(0.0, recovered_at - start_done)
            recoveries.append(max(recovery, ok[0][1] - start_done))
            if recovery > LIMIT_RECOVERY:
                problems.append(f"{kind}: still failing {recovery:.1f} s after outage {n + 1}")
            for _started, _ended, status, headers, body in not_ok:
                problem = check_outage_answer(kind, status, headers, body)
                if problem:
                    problems.append(f"{kind} while recovering: {problem}")
        slow = [latency for latency in down_latencies if latency > LIMIT_503]
        if slow:
            problems.append(
                f"{kind}: {len(slow)} outage answers took over {LIMIT_503:.0f} s "
                f"(slowest {max(slow):.2f} s)"
            )
        summary[kind] = {
            "requests": len(probe.results),
            "during_outage": len(down_latencies),
            "stale_200": stale,
            "answer_max": max(down_latencies, default=0.0),
            "answer_median": statistics.median(down_latencies) if down_latencies else 0.0,
            "answer_p95": percentile(down_latencies, 0.95),
            "first_503_after_stop": max(to_first_503, default=float("nan")),
            "recovery": max(recoveries, default=float("nan")),
        }

    say("\n== outage drill figures")
    say(
        f"{'client':<8}{'requests':>9}{'in outage':>10}{'stale':>6}"
        f"{'503 in max/p95/median (s)':>28}{'1st 503 after stop':>20}{'recovered after':>17}"
    )
    for kind, s in summary.items():
        say(
            f"{kind:<8}{s['requests']:>9}{s['during_outage']:>10}{s['stale_200']:>6}"
            f"{s['answer_max']:>14.3f} / {s['answer_p95']:.3f} / {s['answer_median']:.3f}"
            f"{s['first_503_after_stop']:>17.3f} s{s['recovery']:>15.3f} s"
        )
    say(
        f"gunicorn master {master} {'alive' if alive else 'GONE'}; workers before "
        f"{sorted(workers_before)}, after {sorted(workers_after)}"
    )
    if not alive:
        problems.append("the gunicorn master died")
    if workers_after != workers_before:
        problems.append(
            f"gunicorn workers changed from {sorted(workers_before)} to {sorted(workers_after)} "
            "(a worker was restarted)"
        )
    for marker in ("WORKER TIMEOUT", "Booting worker", "Worker exiting"):
        if marker in log:
            problems.append(f"the gunicorn log says {marker!r}")
    if problems:
        unique = list(dict.fromkeys(problems))
        for problem in unique[:20]:
            say(f"  problem: {problem}")
        fail(
            f"The outage drill found {len(unique)} problem(s), first: {unique[0]}. "
            f"gunicorn log: {workdir / 'gunicorn.log'}"
        )
    shutil.rmtree(workdir, ignore_errors=True)  # kept when the drill fails
    say(
        f"PASSED: {args.cycles} outage(s) of {args.outage:.0f} s answered with 503s within "
        f"{LIMIT_503:.0f} s, recovered by the same processes with no restart."
    )


if __name__ == "__main__":
    run_main(main)
