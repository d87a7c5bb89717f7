"""Benchmark Parley under gunicorn, PostgreSQL and Redis, against the framework's own floor.

    make bench      # = scripts/with-postgres.sh scripts/with-redis.sh .venv/bin/python -m bench.run
    make bench BENCH_ARGS="--duration 5 --no-record"

Generates the synthetic record (bench/generate.py) if absent, serves Parley under
gunicorn with the bench settings (production plus a bare view, a query counter and a
cache that can be told to miss) on 127.0.0.1, warms up, then drives each endpoint with
wrk from loopback for a fixed duration. Before that, with the task worker running, times
the timeline page's first read after real publications (``first_reads``) and an editor's
look at the preview after real writes (``preview_looks``). Prints the results and records
them in bench/README.md.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
README = ROOT / "bench" / "README.md"
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"

WRK_SCRIPT = r"""
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = io.open(body_file, "r")
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
end
for header in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(header, "^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, '
    .. '"timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark Parley against a bare Django view.")
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds measured per endpoint and round"
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of warm-up per endpoint and round"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds over every endpoint; ratios are the median of each round's ratio to the "
        "bare view of that round, so the machine drifting during a run cancels out",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument(
        "--publications",
        type=int,
        default=18,
        help="publications after each of which the timeline page's first read is timed",
    )
    parser.add_argument(
        "--drafts",
        type=int,
        default=12,
        help="drafts written after each of which an editor's look at the preview is timed",
    )
    parser.add_argument("--no-record", action="store_true", help="do not rewrite bench/README.md")
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: start it with `make bench`.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("The benchmark's cache is Redis: start it with `make bench`.")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `apt-get install -y wrk` (make bench does this).")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.bench",
        "PYTHONPATH": str(ROOT),
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run(
        [PYTHON, "-m", "bench.generate", "--entries", str(args.entries)],
        env=env,
        check=True,
        cwd=ROOT,
    )
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    setup = json.loads(
        subprocess.run(
            [PYTHON, "-m", "bench.setup"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    )

    base = f"http://{HOST}:{args.port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "tracker.wsgi:application",
            "--bind",
            f"{HOST}:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"{base}/bench/bare/")
        with worker_running(manage, env):
            firsts = first_reads(base, setup, args.publications)
            looks = preview_looks(base, setup, args.drafts)
        endpoints = build_endpoints(base, setup)
        rounds = [[measure(endpoint, args) for endpoint in endpoints] for _ in range(args.rounds)]
        rows = combine(rounds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    table = "\n\n".join(
        [render(rows, args, setup), render_first_reads(firsts), render_preview_looks(looks)]
    )
    print(table)
    if not args.no_record:
        record(table)
    return 0


def wait_until_up(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer at {url} within {timeout} s.")


def fetch(url, headers=None, data=None):
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def build_endpoints(base, setup):
    """The endpoints of issue 6, with what each needs resolved by real requests."""
    negotiation_id = setup["negotiation_id"]
    timeline = f"{base}/api/v1/negotiations/{negotiation_id}/timeline/"
    first_page = f"{timeline}?page_size=50"
    auth = {"Authorization": f"Token {setup['token']}", "Content-Type": "application/json"}
    statement = json.dumps(
        {
            "negotiation": negotiation_id,
            "actor": setup["actor_id"],
            "date": "2025-02-23",
            "kind": "direct",
            "text": "We expect a deal this week.",
            "sources": [{"url": "https://news.example.org/bench/1"}],
        }
    )
    return [
        {"name": "bare Django view (reference)", "url": f"{base}/bench/bare/", "reference": True},
        {
            "name": "static file (reference)",
            "url": f"{base}{setup['static_url']}",
            "reference": True,
        },
        {"name": "timeline API, first page (50)", "url": first_page, "nocache": True},
        {
            "name": "timeline API, first page, signed-in reader",
            "url": first_page,
            "headers": {"Authorization": f"Token {setup['reader_token']}"},
        },
        {
            "name": "timeline API, first page, an editor's preview",  # stored under the token
            "url": first_page,
            "headers": {"Authorization": f"Token {setup['editor_token']}"},
        },
        {
            "name": "timeline API, first page, an editor's preview built whole",
            "url": first_page,
            "headers": {"Authorization": f"Token {setup['editor_token']}"},
            "nocache": True,  # a look after a write, before the worker built it again
        },
        {
            "name": "timeline API, deep page (~90,000)",
            "url": deep_page(base, first_page, setup),
            "nocache": True,
        },
        {
            "name": "timeline HTML page",
            "url": f"{base}/negotiations/{setup['slug']}/",
            "nocache": True,
        },
        {
            "name": "timeline HTML page, signed-in reader",  # no role: the readers' stored copy
            "url": f"{base}/negotiations/{setup['slug']}/",
            "headers": {"Cookie": setup["reader_cookie"]},
        },
        {
            "name": "timeline HTML page, an editor's preview",  # stored under the token
            "url": f"{base}/negotiations/{setup['slug']}/",
            "headers": {"Cookie": setup["editor_cookie"]},
        },
        {
            "name": "timeline HTML page, an editor's preview built whole",
            "url": f"{base}/negotiations/{setup['slug']}/",
            "headers": {"Cookie": setup["editor_cookie"]},
            "nocache": True,  # a look after a write, before the worker built it again
        },
        {
            "name": "timeline HTML page, first read after a publication, before its build",
            "url": f"{base}/negotiations/{setup['slug']}/",
            "nocache": "unbuilt",  # during the build, no version to keep (bench/cache.py)
        },
        {
            "name": "timeline HTML page, after ten quiet minutes",
            "url": f"{base}/negotiations/{setup['slug']}/",
            "nocache": "quiet",  # what each address gets gone, the rest kept (bench/cache.py)
        },
        {
            "name": "timeline HTML page, cold (nothing cached)",
            "url": f"{base}/negotiations/{setup['slug']}/",
            "nocache": "all",  # nor what every page of the negotiation shows alike
        },
        {
            "name": "an actor's page",
            "url": f"{base}/actors/{setup['actor_slug']}/",
            "nocache": True,  # its stored copy missed: put together from the cached entries
        },
        {
            "name": "If-None-Match → 304",
            "url": first_page,
            "revalidate": True,  # with the ETag current when measured (writes move it)
            "expect": 304,
        },
        {"name": "anonymous, served from cache", "url": first_page},
        {
            "name": "text search (q=lithium)",
            "url": f"{timeline}?q=lithium&page_size=50",
            "nocache": True,
        },
        {
            "name": "write: create statement",
            "url": f"{base}/api/v1/statements/",
            "headers": auth,
            "body": statement,
            "expect": 201,
        },
    ]


# How long the bench waits before a later first read and before each steady read: the task
# worker has run what a publication left it by then (it looks for tasks every 0.5 s).
QUIET_SECONDS = 3
# When each publication's first read comes (``first_reads``).
LATER, AT_ONCE = "later", "at once"


@contextlib.contextmanager
def worker_running(manage, env):
    """The task worker (``manage.py run_worker``, as ``make run`` and production run it),
    stopped on the way out."""
    worker = subprocess.Popen(
        [*manage, "run_worker", "--queue-name", "default"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def first_reads(base, setup, publications):
    """The timeline page's first read after each of ``publications`` real publications,
    with the task worker running: an editor publishes a statement dated today through the
    API (timed: the response comes once the publication's build is done), and one
    anonymous reader reads
    the page (it must show the statement), at once every other time and
    ``QUIET_SECONDS`` later otherwise; ``QUIET_SECONDS`` after that, a steady uncached
    read of it (``X-Bench-Bypass-Cache: 1``): after the same idle, as a read after seconds
    of quiet costs several times one right after another here (bench/README.md).
    ``{"later" | "at once": [(publication ms, first ms, queries, steady ms), …]}``.
    Measured before the wrk rows, whose writes leave the worker tasks to run."""
    page = f"{base}/negotiations/{setup['slug']}/"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    reads = {LATER: [], AT_ONCE: []}
    fetch(page)  # the page as readers had it before
    for number in range(publications):
        text = f"Publication {number} of the bench."
        publication_ms = write_statement(
            base,
            setup,
            text,
            sources=[{"url": f"https://news.example.org/bench/{stamp}/{number}"}],
            published=True,
        )
        when = AT_ONCE if number % 2 else LATER
        if when == LATER:
            time.sleep(QUIET_SECONDS)
        first_ms, headers, content = timed(page)
        if text.encode() not in content:
            sys.exit(f"The first read {when} after a publication did not show it.")
        time.sleep(QUIET_SECONDS)
        steady_ms, _, _ = timed(page, {"X-Bench-Bypass-Cache": "1"})
        queries = headers.get("X-Queries", "–")
        reads[when].append((publication_ms, first_ms, queries, steady_ms))
    return reads


def preview_looks(base, setup, drafts):
    """An editor's look at the timeline's preview after each of ``drafts`` drafts written
    through the API, with the task worker running (which builds again, after each write,
    what previewers built lately: ``caching.previews``): the HTML page and the API's page
    of today's entries in turn, at once and ``QUIET_SECONDS`` later in turn, then,
    ``QUIET_SECONDS`` after, the same look again (its stored preview). Each look must show
    the draft.
    ``{(page, when): [(look ms, queries, again ms), …]}``."""
    pages = {
        "HTML": (f"{base}/negotiations/{setup['slug']}/", {"Cookie": setup["editor_cookie"]}),
        "API": (
            # The first page lists the oldest entries: today's entries list the drafts.
            f"{base}/api/v1/negotiations/{setup['negotiation_id']}/timeline/"
            f"?page_size=50&since={datetime.date.today().isoformat()}",
            {"Authorization": f"Token {setup['editor_token']}"},
        ),
    }
    turns = [(page, when) for page in pages for when in (AT_ONCE, LATER)]
    looks = {turn: [] for turn in turns}
    for url, headers in pages.values():
        timed(url, headers)  # what the editor previewed before
    for number in range(drafts):
        text = f"Draft {number} of the bench."
        write_statement(base, setup, text)
        page, when = turns[number % len(turns)]
        url, headers = pages[page]
        if when == LATER:
            time.sleep(QUIET_SECONDS)
        look_ms, response_headers, content = timed(url, headers)
        if text.encode() not in content:
            sys.exit(f"The editor's look {when} at the {page} preview did not show the draft.")
        time.sleep(QUIET_SECONDS)
        again_ms, _, _ = timed(url, headers)
        looks[page, when].append((look_ms, response_headers.get("X-Queries", "–"), again_ms))
    return looks


def write_statement(base, setup, text, **fields):
    """The bench editor writes a statement dated today through the API (a draft unless
    ``published=True``); returns the milliseconds its response took (a publication's
    build included). Exits unless it answers 201."""
    statement = {
        "negotiation": setup["negotiation_id"],
        "actor": setup["actor_id"],
        "date": datetime.date.today().isoformat(),
        "kind": "direct",
        "text": text,
        **fields,
    }
    editor = {"Authorization": f"Token {setup['editor_token']}", "Content-Type": "application/json"}
    started = time.perf_counter()
    status, _, body = fetch(f"{base}/api/v1/statements/", editor, json.dumps(statement).encode())
    if status != 201:
        sys.exit(f"The bench editor could not write a statement ({status}): {body!r}")
    return (time.perf_counter() - started) * 1000


def timed(url, headers=None):
    """Milliseconds to fetch ``url`` whole, its headers and its body."""
    started = time.perf_counter()
    status, response_headers, content = fetch(url, headers)
    if status != 200:
        sys.exit(f"{url} answered {status}.")
    return (time.perf_counter() - started) * 1000, response_headers, content


def render_first_reads(reads):
    def median_of(when):
        firsts = [first for _, first, _, _ in reads[when]]
        steady = statistics.median(steady for *_, steady in reads[when])
        first = statistics.median(firsts)
        queries = "/".join(dict.fromkeys(str(q) for _, _, q, _ in reads[when]))
        return (
            f"**{first:.1f} ms** ({min(firsts):.1f}–{max(firsts):.1f}; queries: {queries}) "
            f"against {steady:.1f} ms steady: **{first / steady:.2f} ×**"
        )

    every = [read for found in reads.values() for read in found]
    publishing = [publication for publication, *_ in every]
    return (
        f"Timeline HTML page, first read after a publication (the task worker running): "
        f"{len(every)} statements published by an editor through the API (each answered "
        f"once its build was done: median {statistics.median(publishing):.1f} ms, "
        f"{min(publishing):.1f}–{max(publishing):.1f}), each followed by one anonymous "
        f"read of the page (each showed the statement), at once every other time, "
        f"{QUIET_SECONDS} s later otherwise, then, {QUIET_SECONDS} s later, one steady "
        f"uncached read (`X-Bench-Bypass-Cache: 1`). Median first read at once "
        f"{median_of(AT_ONCE)}; {QUIET_SECONDS} s later {median_of(LATER)}."
    )


def render_preview_looks(looks):
    def median_of(turn):
        found = looks[turn]
        ms = [look for look, _, _ in found]
        queries = "/".join(dict.fromkeys(str(q) for _, q, _ in found))
        again = statistics.median(again for *_, again in found)
        return (
            f"**{statistics.median(ms):.1f} ms** ({min(ms):.1f}–{max(ms):.1f}; queries: "
            f"{queries}; stored: {again:.1f} ms)"
        )

    count = sum(len(found) for found in looks.values())
    parts = [
        f"{page} {when}: {median_of((page, when))}" for page, when in looks if looks[page, when]
    ]
    return (
        f"An editor's preview of the timeline after a write (the task worker running, "
        f"which builds again what previewers built lately): {count} drafts written by the "
        f"editor through the API, each followed by one look at the preview (the HTML page "
        f"or the API's page of today's entries), at once or {QUIET_SECONDS} s later, then "
        f"{QUIET_SECONDS} s after, the same look again (stored). Medians: " + "; ".join(parts) + "."
    )


def deep_page(base, first_page, setup):
    """Walk the cursor to the page holding entry ~90,000 (its URL stays fixed afterwards)."""
    target = int(setup["entries"] * 0.9)
    url = first_page.replace("page_size=50", "page_size=500")
    seen = 0
    while seen + 500 < target:
        _, _, body = fetch(url)
        page = json.loads(body)
        seen += len(page["results"])
        if not page.get("next"):
            break
        url = page["next"]
    return url.replace("page_size=500", "page_size=50")


def measure(endpoint, args):
    headers = dict(endpoint.get("headers", {}))
    url = endpoint["url"]
    if endpoint.get("revalidate"):
        headers["If-None-Match"] = fetch(url)[1].get("ETag", "")
    if endpoint.get("nocache"):
        # Honoured only under the bench settings (bench/cache.py): the path behind the cache.
        nocache = endpoint["nocache"]
        headers["X-Bench-Bypass-Cache"] = "1" if nocache is True else nocache
    status = fetch(url, headers, endpoint.get("body", "").encode() or None)[0]
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        body_file = ""
        if endpoint.get("body"):
            body_file = str(Path(folder) / "body.json")
            Path(body_file).write_text(endpoint["body"])
        wrk_env = {
            **os.environ,
            "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items()),
            "BENCH_BODY_FILE": body_file,
        }

        def wrk(seconds):
            result = subprocess.run(
                ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "-s", str(script), url],
                env=wrk_env,
                capture_output=True,
                text=True,
                check=True,
            )
            return json.loads(result.stdout.strip().splitlines()[-1])

        drain(url)
        wrk(args.warmup)
        report = wrk(args.duration)
    # Queries per request as measured: after the run, in a worker it warmed up.
    after = fetch(url, headers, endpoint.get("body", "").encode() or None)[1]
    seconds = report["duration_us"] / 1e6
    return {
        **endpoint,
        "status": status,
        "requests": report["requests"],
        "seconds": seconds,
        "rps": report["requests"] / seconds,
        "p50_ms": report["p50_us"] / 1000,
        "p95_ms": report["p95_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        # What went wrong, apart: a status other than 2xx/3xx (a 409/412 conflict, a 429
        # throttle, a 5xx), a socket error, or no answer within wrk's 2 s (a timeout).
        "errors": report["non_2xx_3xx"] + report["socket_errors"] + report["timeouts"],
        "error_kinds": {
            "non-2xx": report["non_2xx_3xx"],
            "socket": report["socket_errors"],
            "timeouts": report["timeouts"],
        },
        "queries": after.get("X-Queries", "–"),
    }


def combine(rounds):
    """One row per endpoint: requests/s over all rounds, the median round's latencies, and
    the median of each round's ratio to the bare view (the first endpoint) of that round."""
    rows = []
    for measured in zip(*rounds, strict=True):
        first = measured[0]
        ratios = [m["rps"] / round_[0]["rps"] for m, round_ in zip(measured, rounds, strict=True)]
        rows.append(
            {
                **first,
                "status": "/".join(sorted({str(m["status"]) for m in measured})),
                "rps": sum(m["requests"] for m in measured) / sum(m["seconds"] for m in measured),
                "ratio": statistics.median(ratios),
                "ratio_range": (min(ratios), max(ratios)),
                **{
                    key: statistics.median(m[key] for m in measured)
                    for key in ("p50_ms", "p95_ms", "p99_ms")
                },
                "errors": sum(m["errors"] for m in measured),
                "error_kinds": {
                    kind: sum(m["error_kinds"][kind] for m in measured)
                    for kind in measured[0]["error_kinds"]
                },
                "queries": "/".join(dict.fromkeys(str(m["queries"]) for m in measured)),
            }
        )
    return rows


def drain(url, timeout=60):
    """Let the workers finish what the previous endpoint queued (slow pages outlive wrk)."""
    base = url.split("/", 3)
    bare = f"{base[0]}//{base[2]}/bench/bare/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        fetch(bare)
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.5)


def render(rows, args, setup):
    lines = [
        f"Run of {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"{setup['entries']:,} entries; gunicorn {args.workers} workers; wrk 1 thread, "
        f"{args.connections} connections; {args.rounds} rounds of {args.warmup} s warm-up + "
        f"{args.duration} s per endpoint. × bare: the median round's ratio (lowest–highest).",
        "",
        "| endpoint | status | req/s | × bare | p50 ms | p95 ms | p99 ms | queries | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        low, high = row["ratio_range"]
        lines.append(
            f"| {row['name']} | {row['status']} | {row['rps']:,.0f} "
            f"| {row['ratio']:.2f} ({low:.2f}–{high:.2f}) "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['queries']} | {errors(row)} |"
        )
    return "\n".join(lines)


def errors(row):
    """``0``, or how many and of which kind: ``23 (23 timeouts)``."""
    kinds = [f"{count} {kind}" for kind, count in row["error_kinds"].items() if count]
    return f"{row['errors']} ({', '.join(kinds)})" if kinds else "0"


def machine():
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{platform.node() or 'host'} ({cpu or platform.machine()}, {os.cpu_count()} cores)"


def record(table):
    text = README.read_text()
    start, end = text.index(START_MARK) + len(START_MARK), text.index(END_MARK)
    README.write_text(text[:start] + "\n" + table + "\n" + text[end:])


if __name__ == "__main__":
    sys.exit(main())
