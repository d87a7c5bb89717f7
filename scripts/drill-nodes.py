"""Two app servers drill: a publication through one is served at once by both.

    scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/python scripts/drill-nodes.py

Serves Parley with two gunicorn instances (tracker.settings.production, --workers each)
on two loopback ports, as two app servers would: one PostgreSQL (scripts/with-postgres.sh)
and one Redis as the shared cache (scripts/with-redis.sh), the demo loaded. Both are read
first, anonymously, until every worker has stored and remembers what readers get. Then,
--rounds times, an editor publishes a statement through the API of one instance (the
first, then the other) and at once reads anonymously from both, each time on a fresh
connection (so any worker may answer), 4 × --workers times per instance, with the ETag
read before the publication and without, the timeline's API page and its HTML page. The
claims:

- every one of those answers is a 200 that holds the statement just published (no 304,
  no copy from before it), whichever instance and worker answered;
- what one instance stored, the other serves: a page read first through one is answered by
  the other without rendering it (Redis runs no SET for that request);
- no answer is a 5xx, and no worker was restarted.

A CI run takes about 20 s.
"""

import argparse
import shutil
import sys
import tempfile
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
    make_users,
    prepare_database,
    production_env,
    run_main,
    say,
    session,
)

REQUEST_TIMEOUT = 10.0
# The statements' own corner of the timeline: dated after everything else, newest first.
SINCE = "2031"


def read(base, path, etag=None):
    """One anonymous request on a fresh connection: any worker of ``base`` may answer. The
    host is the public one, whichever instance is asked, as the proxy in front sends it."""
    headers = {"Host": "127.0.0.1", **({"If-None-Match": etag} if etag else {})}
    with session() as client:
        return client.get(f"{base}{path}", headers=headers, timeout=REQUEST_TIMEOUT)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--rounds", type=int, default=4, help="publications")
    args = parser.parse_args()
    if not 1 <= args.workers <= 8 or not 1 <= args.rounds <= 50:
        fail("Keep --workers within 1–8 and --rounds within 1–50.")

    pg, redis = Postgres(), Redis()
    # Rate limits raised: a few client threads send thousands of requests from one address.
    env = production_env(pg.url_of(pg.dbname, connect_timeout=2), API_THROTTLE_ANON="1000000/min")
    say("== two app servers drill: preparing the database (migrate, demo, static files)")
    prepare_database(env)
    demo = django_json(
        env,
        "from negotiations.models import Actor, Negotiation\n"
        f"result = {{'id': Negotiation.objects.get(slug={DEMO_SLUG!r}).pk, "
        "'actor': Actor.objects.order_by('pk').first().pk}",
    )
    token = make_users(env, drill_editor="Editors")["drill_editor"]
    paths = {
        "api": f"/api/v1/negotiations/{demo['id']}/timeline/?since={SINCE}",
        "page": f"/negotiations/{DEMO_SLUG}/",
    }

    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-nodes."))
    problems, answers, statuses = [], 0, {}
    with (
        Gunicorn(env, workers=args.workers, log_path=workdir / "node-a.log") as node_a,
        Gunicorn(env, workers=args.workers, log_path=workdir / "node-b.log") as node_b,
    ):
        nodes = {"a": node_a, "b": node_b}
        workers_before = {name: node.worker_pids() for name, node in nodes.items()}
        for name, node in nodes.items():
            say(f"node {name}: {node.base}, workers {sorted(workers_before[name])}")

        # Every worker of both stores and remembers what readers get (bounded).
        keys_before = redis.keys()
        for _ in range(4 * args.workers):
            for node in nodes.values():
                for path in paths.values():
                    if read(node.base, path).status_code != 200:
                        fail(f"{node.base}{path} did not answer 200 before any publication.")
        keys_warm = redis.keys()
        say(f"Redis keys: {keys_before} before reading, {keys_warm} after")
        if keys_warm <= keys_before:
            problems.append("the pages read were not stored in the shared Redis")

        editor = session(token)
        for round_no in range(1, args.rounds + 1):
            through = "ab"[(round_no - 1) % 2]
            before = {
                (name, kind): read(node.base, path).headers.get("ETag")
                for name, node in nodes.items()
                for kind, path in paths.items()
            }
            text = f"Drill statement {round_no}: both app servers show this at once."
            created = editor.post(
                f"{nodes[through].base}/api/v1/statements/",
                json={
                    "negotiation": demo["id"],
                    "actor": demo["actor"],
                    "date": f"{SINCE}-12-{31 - round_no:02d}",
                    "kind": "direct",
                    "text": text,
                    "published": True,
                    "sources": [{"url": f"https://example.org/drill-nodes/{round_no}"}],
                },
                timeout=REQUEST_TIMEOUT,
            )
            if created.status_code != 201:
                fail(f"Publishing through node {through} answered {created.status_code}.")
            statement_id = created.json()["id"]
            stale = 0
            for name, node in nodes.items():
                for k in range(4 * args.workers):
                    for kind, path in paths.items():
                        etag = before[(name, kind)] if k % 2 else None
                        response = read(node.base, path, etag)
                        answers += 1
                        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                        shown = response.status_code == 200 and (
                            statement_id in [item["id"] for item in response.json()["results"]]
                            if kind == "api"
                            else text in response.text
                        )
                        if not shown:
                            stale += 1
                            why = (
                                " under the ETag from before it: that worker still used the "
                                "negotiation's old stamp"
                                if response.headers.get("ETag") == before[(name, kind)]
                                else ""
                            )
                            problems.append(
                                f"round {round_no}: node {name} {kind} answered "
                                f"{response.status_code} without the statement published "
                                f"through node {through}{why}"
                            )
            say(
                f"round {round_no}: published through node {through}; "
                f"{8 * args.workers * 2 - stale} of {8 * args.workers * 2} reads show it"
            )
        # What one instance stored, the other serves without rendering it (bounded).
        keys_end = redis.keys()
        for name, other in (("a", "b"), ("b", "a")):
            path = f"{paths['page']}?kind=statement&stored-by={name}"
            writes = redis.write_calls()
            first = read(nodes[name].base, path)
            if redis.write_calls() == writes:
                problems.append(f"node {name} stored nothing of a page it rendered")
            writes = redis.write_calls()
            served = [read(nodes[other].base, path) for _ in range(2 * args.workers)]
            if any(r.status_code != 200 or r.content != first.content for r in served):
                problems.append(f"node {other} answered a page node {name} stored differently")
            if redis.write_calls() != writes:
                problems.append(f"node {other} rendered a page node {name} had stored")
        workers_after = {name: node.worker_pids() for name, node in nodes.items()}
        logs = {name: node.log_text() for name, node in nodes.items()}

    say("\n== two app servers drill figures")
    say(f"reads after publications: {answers}, statuses {dict(sorted(statuses.items()))}")
    say(f"Redis keys: {keys_before} at start, {keys_warm} after warming, {keys_end} at the end")
    for name in nodes:
        if workers_after[name] != workers_before[name]:
            problems.append(f"node {name}: a worker was restarted")
        for marker in ("WORKER TIMEOUT", "Traceback", "Worker exiting"):
            if marker in logs[name]:
                problems.append(f"node {name}: its log says {marker!r}")
    if any(status >= 500 for status in statuses):
        problems.append("a 5xx answer")
    if problems:
        unique = list(dict.fromkeys(problems))
        for problem in unique[:20]:
            say(f"  problem: {problem}")
        fail(
            f"The two app servers drill found {len(unique)} problem(s), first: {unique[0]}. "
            f"Logs: {workdir}"
        )
    shutil.rmtree(workdir, ignore_errors=True)  # kept when the drill fails
    say(
        f"PASSED: {args.rounds} publications through either of two app servers "
        f"({args.workers} workers each, one PostgreSQL, one Redis) were in all {answers} "
        "reads that followed, from both."
    )


if __name__ == "__main__":
    try:
        run_main(main)
    except requests.RequestException as error:
        print(f"\nFAILED: a request failed: {error}", file=sys.stderr)
        sys.exit(1)
