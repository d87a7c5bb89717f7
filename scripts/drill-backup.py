"""Backup and restore drill: pg_dump, pg_restore into a fresh database, prove the two equal.

    scripts/with-postgres.sh .venv/bin/python scripts/drill-backup.py

In the throwaway PostgreSQL of scripts/with-postgres.sh: load the demo, write
through the API under gunicorn as a newsroom would (a journalist's entries in
Cyrillic, Arabic, emoji and combining marks, with new sources; an edit; an
editor publishing and deleting), then

1. back up with ``pg_dump --format=custom`` and restore with ``pg_restore`` into a
   new database, and prove the two equal: the same tables with the same row
   counts and the same checksum of their ordered rows, the same sequence values,
   the same schema (``pg_dump --schema-only``), the same
   ``manage.py export_negotiation`` JSON, no migration missing; then a write
   through the domain in the restored database takes the next id, with history;
2. the JSON path: ``export_negotiation`` → ``import_negotiation`` into an empty,
   migrated database → ``export_negotiation`` gives the same JSON back.

docs/operations.md describes both paths. A run takes about 40 s.
"""

import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drill_common import (
    DEMO_SLUG,
    Gunicorn,
    Postgres,
    django_json,
    fail,
    make_users,
    manage,
    production_env,
    run_main,
    say,
    session,
)

RESTORED = "parley_restored"
IMPORTED = "parley_imported"


def api_writes(base, tokens, ids):
    """What a newsroom does in a day, through the API; returns the number of writes."""
    journalist, editor = session(tokens["journalist-b"]), session(tokens["editor-b"])
    writes = 0

    def call(client, method, path, expected, **kwargs):
        nonlocal writes
        response = client.request(method, base + path, timeout=30, **kwargs)
        if response.status_code != expected:
            fail(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        writes += 1
        return response

    n, actors = ids["negotiation"], ids["actors"]
    texts = [
        "Зеленський: «Я не можу продати нашу державу»",
        "قال المتحدث إن الاتفاق لم يكتمل بعد",
        "Deal “this week” 🤝🇺🇦🇺🇸 — Witkoff",
        "Zoe\u0301 at the cafe\u0301: talks \u201cproductive\u201d",
    ]
    created = []
    for number, text in enumerate(texts):
        response = call(
            journalist,
            "POST",
            "/api/v1/statements/",
            201,
            json={
                "negotiation": n,
                "date": ["2025-02-26", "2025-03", "2025", "2025-02-28"][number],
                "actor": actors[number % len(actors)],
                "kind": "paraphrase",
                "text": text,
                "sources": [
                    {
                        "url": f"https://example.org/backup-drill/{number}",
                        "title": f"Source {number} — «заголовок»",
                        "publisher": "Example",
                        "published_on": "2025-02-26",
                    }
                ],
            },
        )
        created.append(response.json())
    event = call(
        journalist,
        "POST",
        "/api/v1/events/",
        201,
        json={
            "negotiation": n,
            "date": "2025-03-01",
            "time": "14:30",
            "timezone": "Europe/Kyiv",
            "kind": "meeting",
            "title": "Meeting in Jeddah",
            "actors": actors[:2],
            "sources": [{"url": "https://example.org/backup-drill/0"}],
        },
    ).json()
    proposal = call(
        journalist,
        "POST",
        "/api/v1/proposals/",
        201,
        json={
            "negotiation": n,
            "date": "2025-03",
            "title": "Revised minerals framework",
            "amount": "350000000000.00",
            "currency": "USD",
            "proposed_by": actors[0],
            "sources": [{"url": "https://example.org/backup-drill/1"}],
        },
    ).json()
    call(
        journalist,
        "POST",
        "/api/v1/status-changes/",
        201,
        json={"proposal": proposal["id"], "status": "under_discussion", "date": "2025-03-02"},
    )
    first = f"/api/v1/statements/{created[0]['id']}/"
    current = journalist.get(base + first, timeout=30)
    call(
        journalist,
        "PATCH",
        first,
        200,
        json={"context": "Press conference in Kyiv"},
        headers={"If-Match": current.headers["ETag"]},
    )
    # Every write of an existing record names the version it read (428 otherwise).
    version = editor.get(base + first, timeout=30).json()["version"]
    call(editor, "PATCH", first, 200, json={"published": True, "version": version})
    gone = f"/api/v1/events/{event['id']}/"
    call(editor, "DELETE", gone, 204, headers={"If-Match": editor.get(base + gone).headers["ETag"]})
    return writes


def table_fingerprints(pg, dbname):
    """{table: (row count, md5 of its rows ordered by their text)} for every table."""
    tables = pg.psql(
        dbname, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    ).split()
    if not tables:
        fail(f"Database {dbname} has no tables.")
    union = " UNION ALL ".join(
        f"SELECT '{table}', count(*), "
        f"md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
        for table in tables
    )
    rows = {}
    for line in pg.psql(dbname, union).splitlines():
        table, count, digest = line.split("\t")
        rows[table] = (int(count), digest)
    return rows


def sequences(pg, dbname):
    text = pg.psql(
        dbname,
        "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
        "WHERE schemaname = 'public' ORDER BY 1",
    )
    return dict(line.split("\t") for line in text.splitlines())


def schema(pg, dbname):
    text = pg.client("pg_dump", "--schema-only", "--no-owner", dbname).stdout
    # pg_dump guards its output with a random \restrict key per run (PostgreSQL 15.14+).
    return [
        line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    ]


def export(env):
    return manage(env, "export_negotiation", DEMO_SLUG)


def main():
    pg = Postgres()
    workdir = Path(tempfile.mkdtemp(prefix="parley-drill-backup."))
    env = production_env(pg.url_of(pg.dbname, connect_timeout=2))
    restored_env = production_env(pg.url_of(RESTORED, connect_timeout=2))
    imported_env = production_env(pg.url_of(IMPORTED, connect_timeout=2))
    problems = []

    say("== backup drill: demo + API writes")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo")
    tokens = make_users(env, **{"journalist-b": "Journalists", "editor-b": "Editors"})
    ids = django_json(
        env,
        f"""
from negotiations.models import Actor, Negotiation
result = {{
    "negotiation": Negotiation.objects.get(slug={DEMO_SLUG!r}).pk,
    "actors": list(Actor.objects.order_by("pk").values_list("pk", flat=True)),
}}
""",
    )
    with Gunicorn(env, workers=1, log_path=workdir / "gunicorn.log") as server:
        writes = api_writes(server.base, tokens, ids)
    say(f"{writes} API writes acknowledged")

    dump = workdir / "parley.dump"
    started = time.monotonic()
    pg.client("pg_dump", "--format=custom", "--file", str(dump), pg.dbname)
    dumped = time.monotonic() - started
    pg.client("createdb", RESTORED)
    started = time.monotonic()
    pg.client("pg_restore", "--exit-on-error", "--no-owner", "--dbname", RESTORED, str(dump))
    restored = time.monotonic() - started
    say(
        f"pg_dump --format=custom: {dump.stat().st_size / 1024:.0f} KiB in {dumped:.2f} s; "
        f"pg_restore into {RESTORED}: {restored:.2f} s"
    )

    original, copy = table_fingerprints(pg, pg.dbname), table_fingerprints(pg, RESTORED)
    differing = sorted(
        table for table in set(original) | set(copy) if original.get(table) != copy.get(table)
    )
    if differing:
        problems.append(
            f"tables differ after restore: {differing[:5]} "
            f"({[(original.get(t), copy.get(t)) for t in differing[:2]]})"
        )
    total_rows = sum(count for count, _ in original.values())
    say(
        f"tables: {len(original)} original, {len(copy)} restored; rows {total_rows} vs "
        f"{sum(count for count, _ in copy.values())}; tables whose checksum differs: "
        f"{len(differing)}"
    )
    for table in (
        "negotiations_entry",
        "negotiations_statement",
        "negotiations_historicalstatement",
    ):
        if table in original:
            count, digest = original[table]
            restored_digest = copy.get(table, ("-", "-"))[1]
            say(f"  {table}: {count} rows, md5 {digest[:12]}… = {restored_digest[:12]}…")
    if sequences(pg, pg.dbname) != sequences(pg, RESTORED):
        problems.append("sequence values differ after restore (new ids would collide)")
    else:
        say(f"sequences: {len(sequences(pg, pg.dbname))} equal")
    if schema(pg, pg.dbname) != schema(pg, RESTORED):
        problems.append("the schemas differ (pg_dump --schema-only)")
    else:
        say("schema (pg_dump --schema-only): identical")
    manage(restored_env, "migrate", "--check", "--noinput")
    exported, exported_restored = export(env), export(restored_env)
    digest = hashlib.sha256(exported.encode()).hexdigest()
    if exported != exported_restored:
        problems.append("export_negotiation differs between the original and the restored database")
    else:
        say(f"export_negotiation: {len(exported)} characters, sha256 {digest[:16]}… on both")

    # The restored database takes writes: the next id, a history row.
    after = django_json(
        restored_env,
        f"""
from negotiations.domain.entries import create_statement
from negotiations.models import Actor, Entry, Negotiation, Statement
before = Entry.objects.order_by("-pk").values_list("pk", flat=True).first()
statement = create_statement(
    negotiation=Negotiation.objects.get(slug={DEMO_SLUG!r}),
    actor=Actor.objects.order_by("pk").first(),
    text="Written after the restore", date="2025-03-03", by=None,
)
result = [before, statement.pk, Statement.history.filter(id=statement.pk).count()]
""",
    )
    if not (after[1] > after[0] and after[2] == 1):
        problems.append(f"a write after the restore went wrong (ids, history rows): {after}")
    else:
        say(f"a write in the restored database: id {after[1]} after {after[0]}, 1 history row")

    say("== the JSON path: export_negotiation → import_negotiation → export_negotiation")
    export_file = workdir / "negotiation.json"
    export_file.write_text(exported, encoding="utf-8")
    pg.client("createdb", IMPORTED)
    manage(imported_env, "migrate", "--noinput", "-v", "0")
    manage(imported_env, "import_negotiation", str(export_file))
    again = export(imported_env)
    if again != exported:
        problems.append("export → import → export does not give the same JSON back")
    else:
        say(f"import into {IMPORTED} and export again: identical ({len(again)} characters)")

    if problems:
        for problem in problems:
            say(f"  problem: {problem}")
        fail(f"The backup drill found {len(problems)} problem(s), first: {problems[0]}.")
    shutil.rmtree(workdir, ignore_errors=True)  # kept when the drill fails
    say(
        f"PASSED: {len(original)} tables / {total_rows} rows restored equal (counts, row "
        "checksums, sequences, schema, JSON export); the JSON export round-trips."
    )


if __name__ == "__main__":
    run_main(main)
