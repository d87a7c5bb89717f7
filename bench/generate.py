"""Generate the benchmark's synthetic record fast, with bulk inserts.

One large negotiation (100,000 timeline entries across every kind), 1,000
actors, 10,000 sources, plus ten small negotiations. Multi-table inheritance
rules out ``bulk_create`` on the entry kinds, so the parent ``Entry`` rows are
bulk-created and each kind's own table is filled with one ``executemany``.

    DJANGO_SETTINGS_MODULE=tracker.settings.bench python -m bench.generate [--entries N]
"""

import argparse
import datetime
import os
import random
import sys
import time

BATCH = 5_000
WORDS = [
    "minerals",
    "deal",
    "security",
    "guarantees",
    "lithium",
    "titanium",
    "uranium",
    "rare",
    "earth",
    "envoy",
    "ceasefire",
    "sanctions",
    "investment",
    "fund",
    "reconstruction",
    "revenue",
    "ratification",
    "parliament",
    "agreement",
    "framework",
    "memorandum",
    "talks",
    "delegation",
    "proposal",
    "demand",
    "rejection",
    "withdrawal",
]


def sentence(rng, words=12):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--actors", type=int, default=1_000)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=10, help="small negotiations")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.bench")
    import django

    django.setup()
    from django.db import connection, transaction

    from negotiations.models import Negotiation

    if Negotiation.objects.filter(slug="bench-large").exists():
        print("bench data already present")
        return 0
    started = time.monotonic()
    with transaction.atomic():
        counts = generate(args, connection)
    print(
        f"generated {counts} in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def generate(args, connection):
    from django.utils import timezone

    from negotiations.models import (
        Actor,
        Entry,
        EntryType,
        Event,
        Expectation,
        Negotiation,
        Proposal,
        PublicationState,
        Source,
        Statement,
        StatusChange,
    )

    rng = random.Random(20250225)
    now = timezone.now()
    times = {"created_at": now, "updated_at": now}

    actors = Actor.objects.bulk_create(
        [
            Actor(name=f"Actor {i}", slug=f"bench-actor-{i}", kind="person", **times)
            for i in range(args.actors)
        ],
        batch_size=BATCH,
    )
    sources = Source.objects.bulk_create(
        [
            Source(
                url=f"https://news.example.org/bench/{i}",
                title=f"Report {i}",
                publisher="Example News",
                **times,
            )
            for i in range(args.sources)
        ],
        batch_size=BATCH,
    )
    large = Negotiation.objects.create(title="Benchmark negotiation", slug="bench-large", **times)
    large.parties.set(actors[:2])
    small = [
        Negotiation.objects.create(title=f"Small negotiation {i}", slug=f"bench-small-{i}", **times)
        for i in range(args.small)
    ]

    kinds = [
        EntryType.PROPOSAL,
        EntryType.STATUS_CHANGE,
        EntryType.STATEMENT,
        EntryType.STATEMENT,
        EntryType.EVENT,
        EntryType.EXPECTATION,
    ]
    plan = [(large, args.entries)] + [(negotiation, 20) for negotiation in small]
    start_day = datetime.date(2015, 1, 1)
    total = 0
    for negotiation, count in plan:
        proposals = []  # (entry id) of proposals already made, for status changes
        sequence_of_day = {}
        for offset in range(0, count, BATCH):
            rows = []
            for index in range(offset, min(offset + BATCH, count)):
                kind = kinds[index % len(kinds)]
                if kind == EntryType.STATUS_CHANGE and not proposals:
                    kind = EntryType.PROPOSAL
                day = start_day + datetime.timedelta(days=index * 3650 // max(count, 1))
                sequence = sequence_of_day.get(day, -1) + 1
                sequence_of_day[day] = sequence
                values, words = child_values(kind, rng, rng.choice(actors), proposals, index)
                entry = Entry(
                    negotiation=negotiation,
                    entry_type=kind,
                    date_start=day,
                    date_precision="day",
                    sequence=sequence,
                    state=PublicationState.PUBLISHED,
                    live_since=now,  # live, as its publication event would make it
                    search_text=words,
                    **times,
                )
                rows.append((kind, values, entry))
            entries = Entry.objects.bulk_create([entry for _, _, entry in rows])
            children = {kind: [] for kind in EntryType.values}
            for kind, values, entry in rows:
                values["entry_ptr_id"] = entry.pk
                children[kind].append(values)
                if kind == EntryType.PROPOSAL:
                    proposals.append(entry.pk)
            models = {
                EntryType.PROPOSAL: Proposal,
                EntryType.STATUS_CHANGE: StatusChange,
                EntryType.STATEMENT: Statement,
                EntryType.EVENT: Event,
                EntryType.EXPECTATION: Expectation,
            }
            for kind, values in children.items():
                insert_rows(connection, models[kind], values)
            Entry.sources.through.objects.bulk_create(
                [
                    Entry.sources.through(entry_id=entry.pk, source_id=rng.choice(sources).pk)
                    for entry in entries
                ],
                batch_size=BATCH,
            )
            total += len(entries)
    after_generate(connection)
    return {
        "entries": total,
        "actors": len(actors),
        "sources": len(sources),
        "negotiations": 1 + len(small),
    }


def child_values(kind, rng, actor, proposals, index):
    """One entry kind's own column values, and the words search finds it by."""
    from negotiations.models import EntryType

    if kind == EntryType.PROPOSAL:
        amount = rng.choice([None, rng.randrange(1, 500) * 1_000_000_000])
        title = f"Proposal {index}: {sentence(rng, 5)}"[:200]
        summary = sentence(rng, 30)
        values = {
            "title": title,
            "summary": summary,
            "proposed_by_id": actor.pk,
            "amount": amount,
            "currency": "USD" if amount else "",
            "supersedes_id": None,
            "relation": "supersedes",
        }
        return values, f"{title}\n{summary}"
    if kind == EntryType.STATUS_CHANGE:
        note = sentence(rng, 8)
        values = {
            "proposal_id": rng.choice(proposals[-50:]),
            "status": rng.choice(["proposed", "rejected", "under_discussion"]),
            "actor_id": actor.pk,
            "note": note,
        }
        return values, note
    if kind == EntryType.STATEMENT:
        text, context = sentence(rng, 25), sentence(rng, 6)
        values = {
            "actor_id": actor.pk,
            "text": text,
            "kind": "direct",
            "context": context,
            "proposal_id": None,
            "stance": "",
            "original_language": "",
            "original_text": "",
        }
        return values, f"{actor.name}: {text}\n{context}"
    if kind == EntryType.EVENT:
        title = sentence(rng, 6)[:200]
        return {"kind": "meeting", "title": title, "description": ""}, title
    text = sentence(rng, 12)
    values = {
        "actor_id": actor.pk,
        "text": text,
        "due_date_start": None,
        "due_date_precision": "day",
        "outcome": "pending",
        "resolved_on": None,
        "resolution_note": "",
    }
    return values, f"{actor.name} expects: {text}"


def insert_rows(connection, model, values):
    """Insert into one kind's own table (multi-table inheritance forbids bulk_create)."""
    if not values:
        return
    columns = list(values[0])
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders})",
            [[row[column] for column in columns] for row in values],
        )


def after_generate(connection):
    """Refresh the planner's statistics after the bulk load."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    sys.exit(main())
