"""Export and import of a whole negotiation: deterministic JSON, identical round trip."""

import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from negotiations.domain.entries import (
    add_correction,
    create_event,
    create_proposal,
    create_statement,
    publish,
)
from negotiations.models import Actor, Correction, Entry, Negotiation, Source, Statement
from negotiations.newsroom.demo import NEGOTIATION_SLUG

pytestmark = pytest.mark.django_db


def export(slug=NEGOTIATION_SLUG):
    out = StringIO()
    call_command("export_negotiation", slug, stdout=out)
    return out.getvalue()


@pytest.fixture
def full_record(demo, editor):
    """The seed story plus what a newsroom adds: a correction, a draft, an embargo, money."""
    statement = Statement.objects.filter(negotiation=demo).first()
    add_correction(statement, note="The quote was shortened.", by=editor)
    actor = Actor.objects.get(slug="volodymyr-zelenskyy")
    create_statement(
        negotiation=demo, actor=actor, text="A draft, not yet checked.", date="2025-03", by=editor
    )
    embargoed = create_event(
        negotiation=demo,
        title="Signing in Washington",
        date="2025-02-28",
        time=datetime.time(14, 0),
        timezone="America/New_York",
        sources=list(statement.sources.all()),
        by=editor,
    )
    publish(embargoed, by=editor, at=datetime.datetime(2025, 2, 28, 19, 0, tzinfo=datetime.UTC))
    create_proposal(
        negotiation=demo,
        title="A counter-offer",
        date="2025-02-26",
        amount=Decimal("350000000000.50"),
        currency="USD",
        by=editor,
    )
    return demo


def test_the_export_is_deterministic_json_with_sorted_keys(full_record):
    text = export()
    assert text == export()
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert data["format"] == "parley-negotiation"
    assert [entry["ref"] for entry in data["entries"]] == [
        f"e{n}" for n in range(1, Entry.objects.count() + 1)
    ]
    by_type = {}
    for entry in data["entries"]:
        by_type.setdefault(entry["type"], []).append(entry)
    assert {"proposal", "status_change", "statement", "event", "expectation"} <= set(by_type)
    assert "2025-03" in [entry["date"] for entry in by_type["statement"]]  # EDTF, as typed
    change = by_type["status_change"][0]
    proposal_refs = {entry["ref"] for entry in by_type["proposal"]}
    assert change["proposal"] in proposal_refs  # status histories point at their proposal
    assert any(entry["corrections"] for entry in by_type["statement"])
    assert "350000000000.50" in [entry["amount"] for entry in by_type["proposal"]]
    assert {actor["slug"] for actor in data["actors"]} >= {"volodymyr-zelenskyy"}


def test_export_import_into_an_empty_database_export_is_identical(full_record, tmp_path):
    first = export()
    path = tmp_path / "record.json"
    path.write_text(first, encoding="utf-8")

    if connection.vendor == "postgresql":
        # TRUNCATE waits for no deferred constraint inside the test's transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not Negotiation.objects.exists() and not Actor.objects.exists()

    out = StringIO()
    call_command("import_negotiation", str(path), stdout=out)
    assert "Imported “US–Ukraine minerals deal”" in out.getvalue()
    assert export() == first

    # Imported through the domain: history, change log and visibility as for any write.
    statement = Statement.objects.get(text="A draft, not yet checked.")
    assert statement.history.get().history_change_reason == "Imported from a negotiation export"
    assert Correction.objects.get().note == "The quote was shortened."
    signing = Entry.objects.get(as_event__title="Signing in Washington")
    assert signing.publish_at == datetime.datetime(2025, 2, 28, 19, 0, tzinfo=datetime.UTC)


def test_the_output_option_writes_a_file(full_record, tmp_path):
    path = tmp_path / "out.json"
    call_command("export_negotiation", NEGOTIATION_SLUG, output=str(path), stderr=StringIO())
    assert path.read_text(encoding="utf-8") == export()


def test_known_actors_and_sources_are_reused(full_record, tmp_path):
    text = export()
    path = tmp_path / "record.json"
    path.write_text(text, encoding="utf-8")
    actors, sources = Actor.objects.count(), Source.objects.count()
    # The original stays; the same record is imported under another slug.
    data = json.loads(text)
    data["negotiation"]["slug"] = "a-copy"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("import_negotiation", str(path), stdout=StringIO())
    assert (Actor.objects.count(), Source.objects.count()) == (actors, sources)
    assert Entry.objects.filter(negotiation__slug="a-copy").count() == len(data["entries"])


def write(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


def an_export(negotiation_slug="talks"):
    return {
        "format": "parley-negotiation",
        "format_version": 1,
        "negotiation": {"slug": negotiation_slug, "title": "Talks", "parties": [], "phases": []},
        "actors": [{"slug": "witkoff", "name": "Steve Witkoff", "kind": "person"}],
        "sources": [{"url": "https://example.org/a"}],
        "entries": [
            {
                "ref": "e1",
                "type": "statement",
                "date": "2025-02",
                "actor": "witkoff",
                "text": "Close.",
                "sources": ["https://example.org/a"],
            },
            {
                "ref": "e2",
                "type": "statement",
                "date": "2025-13",
                "actor": "witkoff",
                "text": "Closer.",
            },
        ],
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "The file is not valid JSON (line 1, column 2"),
        ({"format": "something else"}, "is not a Parley negotiation export"),
        ({**an_export(), "format_version": 7}, "export format version 7"),
        (an_export(), 'Entry e2 (statement of 2025-13): "2025-13" is not a date that exists'),
        (
            {**an_export(), "entries": [{**an_export()["entries"][0], "actor": "nobody"}]},
            "the actor “nobody” is neither in the file nor known here",
        ),
        (
            {**an_export(), "entries": [{**an_export()["entries"][0], "type": "rumour"}]},
            "the type “rumour” is not one of",
        ),
        (
            {**an_export(), "entries": [{"ref": "e1", "type": "statement", "actor": "witkoff"}]},
            "the field “date” is missing",
        ),
    ],
)
def test_a_bad_file_is_explained_and_nothing_is_imported(tmp_path, content, words):
    with pytest.raises(CommandError) as error:
        call_command("import_negotiation", write(tmp_path, content), stdout=StringIO())
    assert words in str(error.value)
    assert not Negotiation.objects.exists()
    assert not Actor.objects.exists()
    assert not Source.objects.exists()


def a_proposal_export(**fields):
    proposal = {"ref": "e1", "type": "proposal", "date": "2025-02", "title": "A plan"}
    return {**an_export(), "entries": [{**proposal, **fields}]}


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"amount": "٥٠٠", "currency": "USD"}, "amount “٥٠٠”: Write numbers with the digits"),
        ({"amount": "５００", "currency": "USD"}, "amount “５００”: Write numbers with the digits"),
        ({"sequence": "٣"}, "sequence “٣” is not a whole number written with the digits 0 to 9"),
        ({"sequence": 1.5}, "sequence “1.5” is not a whole number written with the digits"),
    ],
)
def test_numbers_in_other_digits_are_refused(tmp_path, fields, words):
    """Decimal() and int() read "٥" as 5: the import would store another number."""
    with pytest.raises(CommandError) as error:
        call_command("import_negotiation", write(tmp_path, a_proposal_export(**fields)))
    assert words in str(error.value)
    assert not Negotiation.objects.exists()


def test_an_existing_negotiation_is_not_overwritten(tmp_path, negotiation):
    with pytest.raises(CommandError, match="already exists in this database; nothing was imported"):
        call_command("import_negotiation", write(tmp_path, an_export("talks")), stdout=StringIO())
    assert not Entry.objects.exists()


def test_an_unknown_negotiation_cannot_be_exported(negotiation):
    with pytest.raises(CommandError, match="There is no negotiation “nope” \\(known: talks\\)"):
        export("nope")


def test_from_the_shell_a_bad_file_exits_non_zero_with_a_sentence(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_negotiation", str(tmp_path / "missing.json")],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Could not read" in result.stderr and "No such file or directory" in result.stderr
