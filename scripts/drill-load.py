"""Concurrency and load drill: many readers and several journalists against gunicorn + PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python scripts/drill-load.py [--duration 20]

Serves Parley with gunicorn (tracker.settings.production, --workers processes) on
127.0.0.1 against the throwaway PostgreSQL of scripts/with-postgres.sh, with the
demo loaded, and for --duration seconds runs real concurrent clients:

- --readers anonymous readers: API lists, the timeline (following its cursor
  pages, with filters and search), the changes feed, reader pages, feeds, the
  calendar, embeds, pictures, a static file; half of the repeat reads send
  If-None-Match (200 or 304);
- --journalists journalists (API tokens), each creating statements and events
  citing sources — the first ones all at the same moment citing the same new
  URLs — and editing them with If-Match;
- an editor publishing the journalists' entries with If-Match (a 412 when a
  journalist edited in between is expected, and retried);
- a racer sending two PATCHes with the same If-Match at the same moment,
  --races times: exactly one 200 and one 412 each time.

Then, with the load over, a watcher (an editor) publishing a statement and at once
reading anonymously, from every worker, with and without the ETag it read before, a
timeline only its statements are in, ten times: every answer must hold the statement
just published.

Last, through the ORM: every acknowledged write (201/200) is present with its
history row (same version, same content, same user), no record holds a write
nobody was told about, and each race left exactly one new version.

Fails on any 5xx, any connection error, any unexpected status, any lost write.
API throttling is raised for the drill (a few client IPs send thousands of
requests a minute). A CI run takes about 45 s; a longer one:
--duration 300 --readers 64 --journalists 8 --workers 8.
"""

import argparse
import collections
import datetime
import json
import random
import shutil
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
    make_users,
    percentile,
    prepare_database,
    production_env,
    run_main,
    say,
    session,
)

REQUEST_TIMEOUT = 30.0
# Texts with what newsrooms write: Cyrillic, right-to-left, emoji, combining marks.
VOICES = [
    "Україна не продасть свої надра за борги",
    "الاتفاق لم يكتمل بعد",
    "Deal “this week” 🤝🇺🇦🇺🇸",
    "Zoe\u0301 said the cafe\u0301 talks were “productive”",
    "Переговоры продолжаются — «в хорошем темпе»",
]


class Stats:
    """Every answer the clients got, by client kind and status."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.Counter()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.latencies = collections.defaultdict(list)
        self.unexpected = []
        self.errors = []

    def record(self, kind, method, url, status, latency, expected, body=""):
        with self.lock:
            self.statuses[status] += 1
            self.by_kind[kind][status] += 1
            self.latencies[kind].append(latency)
            if status not in expected:
                self.unexpected.append((kind, method, url, status, body[:300]))

    def error(self, kind, method, url, error):
        with self.lock:
            self.errors.append((kind, method, url, f"{type(error).__name__}: {error}"))


class Client:
    """A requests session that reports every answer to Stats."""

    def __init__(self, base, stats, kind, token=None):
        self.base, self.stats, self.kind = base, stats, kind
        self.http = session(token)

    def call(self, method, path, expected, **kwargs):
        url = path if path.startswith("http") else self.base + path
        started = time.monotonic()
        try:
            response = self.http.request(method, url, timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as error:
            self.stats.error(self.kind, method, url, error)
            return None
        self.stats.record(
            self.kind,
            method,
            url,
            response.status_code,
            time.monotonic() - started,
            expected,
            response.text if response.status_code not in expected else "",
        )
        return response


class Acks:
    """Acknowledged writes: what each 201/200 said was stored."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []  # {"type", "id", "version", "user", "fields"}
        self.entries = []  # (type, id) of journalists' entries the editor may publish

    def add(self, kind, data, user, fields, *, publishable=False):
        with self.lock:
            self.items.append(
                {
                    "type": kind,
                    "id": data["id"],
                    "version": data["version"],
                    "user": user,
                    "fields": fields,
                }
            )
            if publishable:
                self.entries.append((kind, data["id"]))

    def pick_entry(self, rng):
        with self.lock:
            return rng.choice(self.entries) if self.entries else None


def reader(base, stats, demo, deadline, seed):
    rng = random.Random(seed)
    client = Client(base, stats, "reader")
    n, slug = demo["negotiation"], DEMO_SLUG
    paths = [
        "/api/v1/",
        "/api/v1/negotiations/",
        f"/api/v1/negotiations/{n}/",
        f"/api/v1/negotiations/{n}/timeline/",
        f"/api/v1/negotiations/{n}/timeline/?type=statement&since=2025-02",
        f"/api/v1/negotiations/{n}/timeline/?q=minerals",
        f"/api/v1/negotiations/{n}/timeline/?actor={demo['actors'][0]}&until=2025-12-31",
        "/api/v1/statements/?page_size=5",
        "/api/v1/events/",
        "/api/v1/proposals/",
        "/api/v1/status-changes/",
        "/api/v1/expectations/",
        "/api/v1/actors/",
        "/api/v1/sources/",
        "/api/v1/changes/?since=2025-01-01T00:00:00Z",
        f"/api/v1/proposals/{demo['proposals'][0]}/",
        "/",
        f"/negotiations/{slug}/",
        f"/negotiations/{slug}/?type=statement",
        f"/negotiations/{slug}/changes/",
        f"/negotiations/{slug}/next/",
        f"/negotiations/{slug}/positions/",
        f"/negotiations/{slug}/feed/",
        f"/negotiations/{slug}/calendar.ics",
        f"/negotiations/{slug}/pictures/lanes.svg",
        f"/negotiations/{slug}/pictures/amounts.svg",
        f"/embed/negotiations/{slug}/",
        f"/embed/negotiations/{slug}/timeline.json",
        f"/actors/{demo['actor_slugs'][0]}/",
        demo["static"],
    ]
    etags = {}
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.1:
            # Follow the timeline's cursor pages to the end (bounded).
            url = f"/api/v1/negotiations/{n}/timeline/?page_size=3"
            for _ in range(50):
                response = client.call("GET", url, {200})
                if response is None or response.status_code != 200:
                    break
                url = response.json().get("next")
                if not url or time.monotonic() >= deadline:
                    break
                # Links are https (the proxy's scheme); this client talks to gunicorn directly.
                url = url.replace("https://", "http://", 1)
            continue
        path = rng.choice(paths)
        headers = {}
        if path in etags and rng.random() < 0.5:
            headers["If-None-Match"] = etags[path]
        response = client.call("GET", path, {200, 304}, headers=headers)
        if response is not None and response.headers.get("ETag"):
            etags[path] = response.headers["ETag"]


def entry_payload(kind, demo, rng, text, sources):
    common = {
        "negotiation": demo["negotiation"],
        "date": rng.choice(["2025", "2025-03", "2025-03-01", "2025-02-28"]),
        "sources": [{"url": url} for url in sources],
    }
    if kind == "statement":
        return {
            **common,
            "actor": rng.choice(demo["actors"]),
            "text": text,
            "kind": rng.choice(["direct", "paraphrase", "reported"]),
        }
    return {
        **common,
        "title": text[:190],
        "kind": rng.choice(["meeting", "call", "announcement"]),
        "actors": rng.sample(demo["actors"], 2),
    }


ROUTE = {"statement": "statements", "event": "events"}
TEXT_FIELD = {"statement": "text", "event": "title"}


def journalist(base, stats, acks, demo, name, token, deadline, start_line, seed):
    rng = random.Random(seed)
    client = Client(base, stats, "journalist", token)
    mine = []
    # All journalists at once, citing the same new URLs: the unique URL under contention.
    start_line.wait(timeout=30)
    count = 0
    while time.monotonic() < deadline:
        count += 1
        if mine and rng.random() < 0.5:
            kind, pk = rng.choice(mine)
            path = f"/api/v1/{ROUTE[kind]}/{pk}/"
            for _attempt in range(5):
                current = client.call("GET", path, {200})
                if current is None:
                    break
                text = f"{name} edit {count}: {rng.choice(VOICES)}"
                changed = client.call(
                    "PATCH",
                    path,
                    # 202: the editor had published it, so the edit waits for an editor as
                    # its pending revision (readers keep the published text); 412: the
                    # editor published or unpublished it in between.
                    {200, 202, 412},
                    json={TEXT_FIELD[kind]: text},
                    headers={"If-Match": current.headers["ETag"]},
                )
                if changed is None:
                    break
                if changed.status_code == 200:
                    data = changed.json()
                    acks.add(kind, data, name, {TEXT_FIELD[kind]: text})
                    break
                if changed.status_code == 202:
                    break
            continue
        kind = "statement" if rng.random() < 0.7 else "event"
        text = f"{name} #{count}: {rng.choice(VOICES)}"
        if count <= 2:
            sources = [demo["shared_sources"][count - 1], demo["demo_source"]]
        else:
            sources = [rng.choice(demo["shared_sources"]), f"https://example.org/{name}/{count}"]
        created = client.call(
            "POST",
            f"/api/v1/{ROUTE[kind]}/",
            {201},
            json=entry_payload(kind, demo, rng, text, sources),
        )
        if created is not None and created.status_code == 201:
            data = created.json()
            acks.add(kind, data, name, {TEXT_FIELD[kind]: text}, publishable=True)
            mine.append((kind, data["id"]))


def watcher(base, stats, acks, demo, name, token, rounds, stale, checks, workers):
    """An editor publishing a statement, then reading anonymously — whichever worker
    answers, from its cache or not, with the ETag read before or without — a timeline
    only its statements are in: each answer must hold the statement just published.

    Run once the load is over: other writers would move the reader version meanwhile and
    hide a worker that missed this one."""
    rng = random.Random(11)
    writer = Client(base, stats, "watcher", token)
    # Its own corner of the timeline, newest first: each statement a day before the last.
    timeline = f"/api/v1/negotiations/{demo['negotiation']}/timeline/?since=2031"
    day = datetime.date(2031, 12, 31)
    for count in range(1, rounds + 1):
        before = Client(base, stats, "watcher").call("GET", timeline, {200})
        if before is None or before.status_code != 200:
            continue
        old = before.headers.get("ETag")
        text = f"{name} #{count}: {rng.choice(VOICES)}"
        payload = {
            **entry_payload("statement", demo, rng, text, [f"https://example.org/{name}/{count}"]),
            "date": day.isoformat(),
            "published": True,
        }
        created = writer.call("POST", "/api/v1/statements/", {201}, json=payload)
        if created is None or created.status_code != 201:
            continue
        data = created.json()
        acks.add("statement", data, name, {"text": text, "published": True})
        day -= datetime.timedelta(days=1)
        for k in range(2 * workers):  # a fresh connection each time: any worker answers
            headers = {"If-None-Match": old} if k % 2 else {}
            after = Client(base, stats, "watcher").call("GET", timeline, {200}, headers=headers)
            if after is None or after.status_code != 200:
                continue  # a 304 is recorded as unexpected
            checks.append(1)
            if data["id"] not in [item["id"] for item in after.json()["results"]]:
                stale.append((data["id"], k, after.headers.get("ETag"), old))


def editor(base, stats, acks, name, token, deadline, seed):
    rng = random.Random(seed)
    client = Client(base, stats, "editor", token)
    while time.monotonic() < deadline:
        picked = acks.pick_entry(rng)
        if picked is None:
            time.sleep(0.05)
            continue
        kind, pk = picked
        path = f"/api/v1/{ROUTE[kind]}/{pk}/"
        for _attempt in range(5):
            current = client.call("GET", path, {200})
            if current is None:
                break
            published = not current.json()["published"]
            changed = client.call(
                "PATCH",
                path,
                {200, 412},  # 412: a journalist edited it in between
                json={"published": published},
                headers={"If-Match": current.headers["ETag"]},
            )
            if changed is not None and changed.status_code == 200:
                acks.add(kind, changed.json(), name, {"published": published})
                break
        time.sleep(0.02)


def racer(base, stats, acks, demo, name, token, rounds, deadline, races):
    """Two PATCHes with the same If-Match at the same moment: one 200, one 412."""
    client = Client(base, stats, "racer", token)
    created = client.call(
        "POST",
        "/api/v1/statements/",
        {201},
        json=entry_payload("statement", demo, random.Random(1), "race base", [demo["demo_source"]]),
    )
    if created is None or created.status_code != 201:
        return
    pk = created.json()["id"]
    acks.add("statement", created.json(), name, {"text": "race base"})
    path = f"/api/v1/statements/{pk}/"
    pause = max(0.05, (deadline - time.monotonic()) / (rounds + 1))
    for round_no in range(rounds):
        if time.monotonic() >= deadline:
            break
        current = client.call("GET", path, {200})
        if current is None:
            return
        etag, version = current.headers["ETag"], current.json()["version"]
        gate = threading.Barrier(2, timeout=10)
        answers = {}

        def send(side, etag=etag, gate=gate, answers=answers, round_no=round_no):
            contender = Client(base, stats, "racer", token)
            text = f"race {round_no} side {side}"
            gate.wait()
            answer = contender.call(
                "PATCH", path, {200, 412}, json={"text": text}, headers={"If-Match": etag}
            )
            answers[side] = (answer.status_code if answer is not None else None, text, answer)

        sides = [threading.Thread(target=send, args=(side,)) for side in ("a", "b")]
        for side in sides:
            side.start()
        for side in sides:
            side.join(timeout=REQUEST_TIMEOUT + 15)
        statuses = sorted(status for status, _, _ in answers.values())
        winner = next((a for a in answers.values() if a[0] == 200), None)
        loser = next((a for a in answers.values() if a[0] == 412), None)
        races.append(
            {
                "id": pk,
                "from_version": version,
                "statuses": statuses,
                "winner_text": winner[1] if winner else None,
                "loser_text": loser[1] if loser else None,
            }
        )
        if winner:
            acks.add("statement", winner[2].json(), name, {"text": winner[1]})
        time.sleep(pause)


VERIFY = """
import json
from pathlib import Path
from negotiations.models import Event, Statement, Source
models = {"statement": Statement, "event": Event}
acks = json.loads(Path(ACKS).read_text())
races = json.loads(Path(RACES).read_text())
missing, no_history, wrong, unacked, duplicated = [], [], [], [], []
latest = {}
for ack in acks:
    model = models[ack["type"]]
    key = (ack["type"], ack["id"])
    latest[key] = max(latest.get(key, 0), ack["version"])
    if not model.objects.filter(pk=ack["id"]).exists():
        missing.append(ack)
        continue
    rows = list(model.history.filter(id=ack["id"], version=ack["version"]).select_related(
        "history_user"))
    if not rows:
        no_history.append(ack)
        continue
    if len(rows) > 1:
        # Two saves claimed the same version: one of them overwrote the other.
        duplicated.append([ack["type"], ack["id"], ack["version"], len(rows)])
    row = rows[0]
    def matches(row):
        for field, value in ack["fields"].items():
            stored = (row.state == "published") if field == "published" else getattr(row, field)
            if stored != value:
                return False
        return row.history_user is not None and row.history_user.username == ack["user"]
    if not any(matches(row) for row in rows):
        wrong.append([ack, [(getattr(r, "text", None) or getattr(r, "title", None), r.state,
                             str(r.history_user)) for r in rows]])
for (kind, pk), version in latest.items():
    current = models[kind].objects.filter(pk=pk).values_list("version", flat=True).first()
    if current is not None and current != version:
        unacked.append([kind, pk, version, current])
race_problems = []
for race in races:
    if race["statuses"] != [200, 412]:
        race_problems.append(race)
        continue
    rows = list(Statement.history.filter(id=race["id"], version=race["from_version"] + 1))
    texts = {row.text for row in rows}
    losers = Statement.history.filter(id=race["id"], text=race["loser_text"]).count()
    if len(rows) != 1 or texts != {race["winner_text"]} or losers:
        race_problems.append([race, len(rows), sorted(texts), losers])
shared = {url: Source.objects.filter(url=url).count() for url in SHARED}
result = {
    "acknowledged": len(acks),
    "found": len(acks) - len(missing) - len(no_history),
    "missing": missing[:5],
    "no_history": no_history[:5],
    "wrong": wrong[:5],
    "unacknowledged": unacked[:5],
    "race_problems": race_problems[:5],
    "duplicated_versions": len(duplicated),
    "duplicated": duplicated[:5],
    "records": len(latest),
    "history_rows": sum(
        models[kind].history.filter(id=pk).count() for kind, pk in latest
    ),
    "shared_sources": shared,
}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--journalists", type=int, default=4)
    parser.add_argument("--races", type=int, default=10, help="same-If-Match PATCH pairs")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()
    if not 1 <= args.duration <= 3600 or not 1 <= args.readers <= 256:
        fail("Keep --duration within 1–3600 s and --readers within 1–256.")
    if not 1 <= args.journalists <= 64 or not 0 <= args.races <= 1000:
        fail("Keep --journalists within 1–64 and --races within 0–1000.")

    pg = Postgres()
    env = production_env(
        pg.url_of(pg.dbname, connect_timeout=2),
        CONN_MAX_AGE=60,
        API_THROTTLE_ANON="10000000/min",
        API_THROTTLE_USER="10000000/min",
    )
    say("== load drill: preparing the database (migrate, demo, static files)")
    prepare_database(env)
    run_id = f"{time.time_ns():x}"
    demo = django_json(
        env,
        f"""
from django.contrib.staticfiles.storage import staticfiles_storage
from negotiations.models import Actor, Negotiation, Proposal, Source
negotiation = Negotiation.objects.get(slug={DEMO_SLUG!r})
actors = Actor.objects.order_by("pk")
result = {{
    "negotiation": negotiation.pk,
    "actors": list(actors.values_list("pk", flat=True)),
    "actor_slugs": list(actors.values_list("slug", flat=True)),
    "proposals": list(Proposal.objects.order_by("pk").values_list("pk", flat=True)),
    "demo_source": Source.objects.order_by("pk").first().url,
    "static": staticfiles_storage.url("css/parley.css"),
}}
""",
    )
    demo["shared_sources"] = [f"https://example.org/drill-{run_id}/shared-{k}" for k in range(3)]
    journalists = {f"journalist-{k}": "Journalists" for k in range(1, args.journalists + 1)}
    tokens = make_users(
        env,
        **journalists,
        **{"editor-1": "Editors", "racer-1": "Journalists", "watcher-1": "Editors"},
    )

    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-load."))
    stats, acks, races, stale, checks = Stats(), Acks(), [], [], []
    with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
        say(
            f"gunicorn ({args.workers} workers) on {server.base}: {args.readers} readers, "
            f"{args.journalists} journalists, 1 editor, 1 racer for {args.duration:.0f} s"
        )
        started = time.monotonic()
        deadline = started + args.duration
        start_line = threading.Barrier(args.journalists, timeout=30)
        threads = [
            threading.Thread(target=reader, args=(server.base, stats, demo, deadline, k))
            for k in range(args.readers)
        ]
        threads += [
            threading.Thread(
                target=journalist,
                args=(server.base, stats, acks, demo, name, tokens[name], deadline, start_line, k),
            )
            for k, name in enumerate(journalists)
        ]
        threads.append(
            threading.Thread(
                target=editor,
                args=(server.base, stats, acks, "editor-1", tokens["editor-1"], deadline, 7),
            )
        )
        threads.append(
            threading.Thread(
                target=racer,
                args=(
                    server.base,
                    stats,
                    acks,
                    demo,
                    "racer-1",
                    tokens["racer-1"],
                    args.races,
                    deadline,
                    races,
                ),
            )
        )
        for thread in threads:
            thread.daemon = True
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 20)
        elapsed = time.monotonic() - started
        stuck = [thread.name for thread in threads if thread.is_alive()]
        say("== then, alone: publish and read at once from every worker")
        watcher(
            server.base,
            stats,
            acks,
            demo,
            "watcher-1",
            tokens["watcher-1"],
            10,
            stale,
            checks,
            args.workers,
        )
        log = server.log_text()

    acks_path, races_path = workdir / "acks.json", workdir / "races.json"
    acks_path.write_text(json.dumps(acks.items))
    races_path.write_text(json.dumps(races))
    found = django_json(
        env,
        f"ACKS = {str(acks_path)!r}\nRACES = {str(races_path)!r}\n"
        f"SHARED = {demo['shared_sources']!r}\n" + VERIFY,
    )

    served = sum(stats.statuses.values())
    server_errors = sum(count for status, count in stats.statuses.items() if status >= 500)
    say("\n== load drill figures")
    say(f"requests served: {served} in {elapsed:.1f} s ({served / elapsed:.0f}/s)")
    say(f"statuses: {dict(sorted(stats.statuses.items()))}")
    say(f"5xx: {server_errors}; connection errors: {len(stats.errors)}")
    for kind, counter in sorted(stats.by_kind.items()):
        latencies = stats.latencies[kind]
        say(
            f"  {kind:<10} {sum(counter.values()):>7} requests {dict(sorted(counter.items()))}"
            f"  p50 {percentile(latencies, 0.5) * 1000:.0f} ms"
            f"  p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
            f"  p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
        )
    say(
        f"writes acknowledged: {found['acknowledged']}, found with their history row: "
        f"{found['found']} ({found['records']} records, {found['history_rows']} history rows)"
    )
    good_races = len(races) - len(found["race_problems"])
    say(f"same-If-Match PATCH pairs: {good_races} of {len(races)} gave exactly one 200 and one 412")
    say(f"versions written twice (lost updates): {found['duplicated_versions']}")
    say(f"anonymous reads right after a publication: {len(checks)}, without it: {len(stale)}")
    say(f"shared source URLs (rows per URL): {list(found['shared_sources'].values())}")

    problems = []
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx")
    if stats.errors:
        problems.append(f"{len(stats.errors)} requests got no answer, first: {stats.errors[0]}")
    if stats.unexpected:
        problems.append(f"{len(stats.unexpected)} unexpected answers, first: {stats.unexpected[0]}")
    if stuck:
        problems.append(f"clients still running after the deadline: {stuck}")
    if found["missing"] or found["no_history"]:
        problems.append(
            f"{found['acknowledged'] - found['found']} acknowledged writes are missing or "
            f"without history, e.g. {(found['missing'] + found['no_history'])[0]}"
        )
    if found["wrong"]:
        problems.append(f"stored content differs from what was acknowledged: {found['wrong'][0]}")
    if found["unacknowledged"]:
        problems.append(f"records hold writes nobody was told about: {found['unacknowledged'][0]}")
    if found["duplicated_versions"]:
        problems.append(
            f"{found['duplicated_versions']} acknowledged versions were written twice (a lost "
            f"update: two saves claimed the same version), e.g. {found['duplicated'][0]}"
        )
    if found["race_problems"]:
        problems.append(f"same-If-Match race went wrong: {found['race_problems'][0]}")
    if stale:
        problems.append(
            f"{len(stale)} anonymous reads right after a publication did not show it "
            f"(entry, read, ETag served, ETag before): {stale[0]}"
        )
    if len(checks) < 10:
        problems.append(f"only {len(checks)} reads after a write were checked")
    if args.races and len(races) < min(args.races, 3):
        problems.append(f"only {len(races)} same-If-Match races ran")
    if any(count != 1 for count in found["shared_sources"].values()):
        problems.append(f"a shared source URL is stored {found['shared_sources']} times")
    if "Traceback" in log or "Internal Server Error" in log:
        problems.append("the server log holds errors")
    if problems:
        for kind, method, url, status, body in stats.unexpected[:10]:
            say(f"  unexpected: {kind} {method} {url} → {status} {body[:200]!r}")
        for problem in problems:
            say(f"  problem: {problem}")
        fail(
            f"The load drill found {len(problems)} problem(s), first: {problems[0]}. "
            f"Server log: {workdir / 'gunicorn.log'}"
        )
    shutil.rmtree(workdir, ignore_errors=True)  # kept when the drill fails
    say(
        f"PASSED: {served} requests, 0 5xx, {found['found']}/{found['acknowledged']} "
        f"acknowledged writes found with history, {good_races}/{len(races)} races gave "
        f"one 200 + one 412, {len(checks)} reads right after a publication all showed it."
    )


if __name__ == "__main__":
    run_main(main)
