"""One source per address: scheme and host compared without case, a bare host's "/" implied.

The URL is normalised in the model layer (``normalize_source_url``, applied by
``Source.clean`` and ``Source.save``, and by ``get_or_create_source`` before
its lookup), so the admin, the API, entries' inline sources, quick add and the CSV
and JSON imports all find the same row.
"""

import importlib
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from negotiations.domain.records import get_or_create_source, save_record
from negotiations.models import Source, normalize_source_url
from negotiations.newsroom.backfill import import_entries_csv
from tests import factories
from tests.api.conftest import API, client_for

pytestmark = pytest.mark.django_db

KNOWN = "https://example.org/Deal?Id=A#Part"
SHOUTED = "HTTPS://EXAMPLE.ORG/Deal?Id=A#Part"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("HTTPS://EXAMPLE.ORG/x", "https://example.org/x"),
        ("https://Example.Org", "https://example.org/"),
        ("https://example.org/", "https://example.org/"),
        ("https://Example.org?q=A", "https://example.org/?q=A"),
        ("https://Example.org#Top", "https://example.org/#Top"),
        (
            "Http://News.Example:8080/Path/To?Q=Yes#Frag",
            "http://news.example:8080/Path/To?Q=Yes#Frag",
        ),
        ("https://User:PassWord@Example.org/a", "https://User:PassWord@example.org/a"),
        ("https://КИЇВ.example/Новини", "https://київ.example/Новини"),
        ("not a url", "not a url"),  # left for validation to refuse
        ("", ""),
    ],
)
def test_scheme_and_host_lose_their_case_path_query_and_fragment_keep_it(typed, stored):
    assert normalize_source_url(typed) == stored


def test_saving_and_validating_a_source_store_the_normal_spelling():
    source = save_record(Source(url="HTTPS://Example.ORG"), by=None)
    assert Source.objects.get(pk=source.pk).url == "https://example.org/"
    direct = Source(url="HTTP://Other.example/A")
    direct.save()  # outside the domain (fixtures, shells) too
    assert Source.objects.get(pk=direct.pk).url == "http://other.example/A"


def test_citing_another_spelling_reuses_the_source(journalist):
    known = factories.SourceFactory(url=KNOWN)
    for spelling in (SHOUTED, "  https://EXAMPLE.org/Deal?Id=A#Part "):
        assert get_or_create_source(url=spelling, by=journalist) == known
    assert get_or_create_source(url="https://example.org/deal?Id=A#Part", by=journalist)
    assert Source.objects.count() == 2  # the path's case is the server's: another document


def test_a_second_source_of_the_same_address_is_refused_everywhere(editor, superuser, client):
    factories.SourceFactory(url=KNOWN)
    response = client_for(editor).post(f"{API}sources/", {"url": SHOUTED})
    assert response.status_code == 400
    assert response.json() == {"url": ["This URL is already a source."]}
    client.force_login(superuser)
    response = client.post(
        reverse("admin:negotiations_source_add"), {"url": SHOUTED, "title": "", "publisher": ""}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"url": ["This URL is already a source."]}
    assert Source.objects.count() == 1


def test_the_api_stores_a_new_source_in_the_normal_spelling(editor):
    response = client_for(editor).post(f"{API}sources/", {"url": "HTTPS://New.Example/Story"})
    assert response.status_code == 201
    assert response.json()["url"] == "https://new.example/Story"


def test_an_entry_citing_another_spelling_reuses_the_source(journalist, negotiation):
    known = factories.SourceFactory(url=KNOWN)
    actor = factories.ActorFactory()
    response = client_for(journalist).post(
        f"{API}statements/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02",
            "actor": actor.pk,
            "text": "Close.",
            "sources": [{"url": SHOUTED}, {"url": "HTTPS://Fresh.Example"}],
        },
    )
    assert response.status_code == 201, response.content
    urls = [source["url"] for source in response.json()["sources"]]
    assert sorted(urls) == sorted([known.url, "https://fresh.example/"])
    assert Source.objects.count() == 2


def test_quick_add_reuses_the_source(client, journalist, negotiation):
    known = factories.SourceFactory(url=KNOWN)
    client.force_login(journalist)
    response = client.post(
        reverse("admin:negotiations_entry_quick_add"),
        {
            "kind": "statement",
            "source_url": SHOUTED,
            "negotiation": negotiation.pk,
            "date": "2025-02",
            "speaker": factories.ActorFactory().pk,
            "text": "Close.",
            "statement_kind": "direct",
            "state": "draft",
        },
    )
    assert response.status_code == 302
    assert Source.objects.get() == known


def test_the_csv_import_reuses_the_source(negotiation):
    known = factories.SourceFactory(url=KNOWN)
    factories.ActorFactory(slug="witkoff")
    text = f"type,date,speaker,text,source_url\nstatement,2025-02,witkoff,Close.,{SHOUTED}\n"
    report = import_entries_csv(io.StringIO(text), negotiation=negotiation)
    assert report.imported, report.errors
    assert Source.objects.get() == known


def test_the_json_import_reuses_the_source(tmp_path):
    known = factories.SourceFactory(url=KNOWN)
    data = {
        "format": "parley-negotiation",
        "format_version": 1,
        "negotiation": {"slug": "talks", "title": "Talks", "parties": [], "phases": []},
        "actors": [{"slug": "witkoff", "name": "Steve Witkoff", "kind": "person"}],
        "sources": [{"url": SHOUTED}],
        "entries": [
            {
                "ref": "e1",
                "type": "statement",
                "date": "2025-02",
                "actor": "witkoff",
                "text": "Close.",
                "sources": [SHOUTED],
            }
        ],
    }
    path = tmp_path / "talks.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("import_negotiation", str(path), stdout=io.StringIO())
    assert Source.objects.get() == known
    assert list(known.entries.all().values_list("negotiation__slug", flat=True)) == ["talks"]


def test_the_migration_normalises_rows_and_merges_no_twins():
    migration = importlib.import_module("negotiations.migrations.0007_source_urls_normalised")
    # As rows written before the rule (bulk_create does not call save()).
    rows = Source.objects.bulk_create(
        Source(url=url)
        for url in (
            "HTTPS://Alone.example/A",  # 0: normalised in place
            "https://twin.example/x",  # 1: already normal: kept
            "HTTPS://TWIN.example/x",  # 2: its twin: left, and listed
            "HTTP://Both.Example/y",  # 3: twins, neither normal: the older one takes it
            "http://BOTH.example/y",  # 4: left, and listed
            "https://bare.example",  # 5: "/" added
        )
    )
    out = io.StringIO()
    migration.normalise_source_urls(apps, None, out=out)
    stored = dict(Source.objects.values_list("pk", "url"))
    assert [stored[row.pk] for row in rows] == [
        "https://alone.example/A",
        "https://twin.example/x",
        "HTTPS://TWIN.example/x",
        "http://both.example/y",
        "http://BOTH.example/y",
        "https://bare.example/",
    ]
    report = out.getvalue()
    assert "2 source(s) left as they are" in report
    assert (
        f"source #{rows[2].pk} HTTPS://TWIN.example/x  (same as https://twin.example/x)" in report
    )
    assert f"source #{rows[4].pk} http://BOTH.example/y  (same as http://both.example/y)" in report
    # Run again, nothing moves.
    migration.normalise_source_urls(apps, None, out=io.StringIO())
    assert dict(Source.objects.values_list("pk", "url")) == stored
