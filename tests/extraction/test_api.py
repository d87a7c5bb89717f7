"""POST /api/v1/extractions/ and /api/v1/extractions/accept/: shape, errors, rights, rate."""

import pytest
from django.test import override_settings

from negotiations.models import Actor, Entry, PublicationState, Source, Statement
from tests import factories
from tests.api.conftest import API, client_for

pytestmark = pytest.mark.django_db

URL = f"{API}extractions/"
ACCEPT = f"{API}extractions/accept/"
ARTICLE = "https://apnews.com/article/minerals-deal-closing-in"


@pytest.fixture
def reader(db):
    """Signed in, but in no newsroom role."""
    return factories.UserFactory(username="reader")


@pytest.fixture
def as_staff(journalist):
    return client_for(journalist)


@pytest.fixture
def body(demo):
    return {
        "negotiation": demo.pk,
        "url": ARTICLE,
        "publisher": "Associated Press",
        "published": "2025-02-25",
        "dateline": "KYIV, Ukraine",
    }


def test_suggestions_for_the_seed_story(as_staff, body, seed_article, demo):
    response = as_staff.post(URL, {**body, "text": seed_article["text"]}, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == {
        "negotiation", "url", "publisher", "published", "dateline", "text",
        "statements", "amounts", "dates", "hints",
    }  # fmt: skip
    assert (answer["negotiation"], answer["url"], answer["dateline"]) == (
        demo.pk,
        ARTICLE,
        "KYIV, Ukraine",
    )
    yermak = Actor.objects.get(slug="andriy-yermak")
    first = answer["statements"][0]
    assert first == {
        "id": "s1",
        "kind": "direct",
        "text": "It can be lithium. It can be titanium, uranium, many others. It’s a lot.",
        "speaker_name": "Andriy Yermak",
        "actor": yermak.pk,
        "new_actor": False,
        "speaker_match": "alias",
        "cue": "said",
        "offsets": first["offsets"],
        "sentence": {
            "text": "“It can be lithium. It can be titanium, uranium, many others,” Yermak said. "
            "“It’s a lot.”",
            "offsets": first["sentence"]["offsets"],
        },
        "date": {
            "phrase": "",
            "start": "2025-02-25",
            "end": "2025-02-25",
            "precision": "day",
            "offsets": None,
            "stored": {
                "date": "2025-02-25",
                "precision": "day",
                "note": "No date in the sentence: the article's date.",
            },
        },
    }
    start, end = first["offsets"]
    assert answer["text"][start:end].startswith("It can be lithium.")
    demand = demo.entries.get(as_proposal__amount__isnull=False)
    assert [(a["value"], a["currency"], a["proposal"]) for a in answer["amounts"]] == [
        ("500000000000.00", "USD", demand.pk)
    ] * 3
    fall = next(d for d in answer["dates"] if d["phrase"] == "last fall")
    assert (fall["start"], fall["end"], fall["precision"], fall["stored"]["date"]) == (
        "2024-09-01",
        "2024-11-30",
        "season",
        "2024",
    )
    withdrawn = next(h for h in answer["hints"] if h["status"] == "withdrawn")
    assert (withdrawn["cue"], withdrawn["proposal"]) == ("off the table", demand.pk)
    assert not Entry.objects.filter(state=PublicationState.DRAFT).exists()  # nothing stored


def test_html_is_read_as_text_and_its_scripts_are_neither_run_nor_kept(as_staff, body):
    html = (
        "<html><body><article><p>“We are close,” Witkoff said on Sunday.</p>"
        "<script>alert('x')</script><p onclick=\"steal()\">The request for $500 billion "
        "is off the table, Zelenskyy said.</p></article></body></html>"
    )
    response = as_staff.post(URL, {**body, "html": html}, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert "<" not in answer["text"] and "alert" not in answer["text"]
    assert "steal" not in response.content.decode()
    assert answer["statements"][0]["speaker_name"] == "Steve Witkoff"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"text": ""}, "text", "Send the article's text"),
        ({"text": "   \n  "}, "text", "Send the article's text"),
        ({"text": "a", "html": "<p>b</p>"}, "html", "not both"),
        ({"html": "<script>alert(1)</script>"}, "html", "No article text"),
        ({"text": "\x01\x02\x03\x04\x05\x06 binary"}, "text", "binary data"),
        ({"text": "PK\x00\x03"}, "text", "Null characters are not allowed."),
        ({"text": "x" * 100_001}, "text", "at most 100,000 characters"),
        ({"text": "ok", "negotiation": 999_999}, "negotiation", "does not exist"),
        ({"text": "ok", "negotiation": "x"}, "negotiation", "Incorrect type"),
        ({"text": "ok", "url": "javascript:alert(1)"}, "url", "http"),
        ({"text": "ok", "published": "last week"}, "published", "Date has wrong format"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(as_staff, body, change, field, words):
    response = as_staff.post(URL, {**body, **change}, format="json")
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()[field])


def test_five_megabytes_is_a_413(as_staff, body):
    response = as_staff.post(URL, {**body, "text": "word " * 1_000_000}, format="json")
    assert response.status_code == 413
    assert "1 MB" in response.json()["detail"]


def test_a_binary_body_is_a_400(as_staff):
    response = as_staff.post(URL, b"\x89PNG\r\n\x1a\n\x00\x00", content_type="application/json")
    assert response.status_code == 400


def test_only_journalists_and_editors(body, reader, db):
    assert client_for().post(URL, {**body, "text": "x"}, format="json").status_code == 401
    response = client_for(reader).post(URL, {**body, "text": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only journalists and editors may extract articles."
    staff_without_role = factories.UserFactory(username="intern", is_staff=True)
    assert client_for(staff_without_role).post(URL, {**body, "text": "x"}).status_code == 403
    assert client_for(factories.editor()).post(URL, {**body, "text": "Talks."}).status_code == 200


def test_extraction_is_throttled_per_user(journalist, editor, body):
    with override_settings(API_THROTTLE_EXTRACTION="2/min"):
        mine = client_for(journalist)
        statuses = [mine.post(URL, {**body, "text": "Talks."}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert int(mine.post(URL, {**body, "text": "Talks."})["Retry-After"]) > 0
        assert client_for(editor).post(URL, {**body, "text": "Talks."}).status_code == 200
        # Other endpoints keep their own, larger allowance.
        assert mine.get(f"{API}actors/").status_code == 200


def accept_body(demo, **groups):
    return {
        "negotiation": demo.pk,
        "url": ARTICLE,
        "title": "Closing in on a mineral deal",
        "publisher": "Associated Press",
        "published": "2025-02-25",
        **groups,
    }


def test_accepted_suggestions_become_drafts_citing_the_article(as_staff, journalist, demo):
    yermak = Actor.objects.get(slug="andriy-yermak")
    demand = demo.entries.get(as_proposal__amount__isnull=False).as_proposal
    response = as_staff.post(
        ACCEPT,
        accept_body(
            demo,
            statements=[
                {"text": "It’s a lot.", "kind": "direct", "actor": yermak.pk, "date": "2025-02"},
                {"text": "Not ready yet.", "speaker_name": "Olena Marchenko", "date": "2025-02-13"},
            ],
            status_changes=[{"proposal": demand.pk, "status": "withdrawn", "date": "2025-02-23"}],
            expectations=[
                {
                    "actor": yermak.pk,
                    "text": "A deal this week.",
                    "date": "2025-02-23",
                    "due_date": "2025-03-02",
                }
            ],
            proposals=[
                {
                    "title": "Half the revenues",
                    "amount": "80000000000",
                    "currency": "USD",
                    "date": "2025-02",
                }
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    source = Source.objects.get(url=ARTICLE)
    assert answer["source"] == {"id": source.pk, "url": ARTICLE}
    assert (source.title, source.publisher, str(source.published_on)) == (
        "Closing in on a mineral deal",
        "Associated Press",
        "2025-02-25",
    )
    marchenko = Actor.objects.get(name="Olena Marchenko")
    assert answer["actors_created"] == [{"id": marchenko.pk, "name": "Olena Marchenko"}]
    assert [e["type"] for e in answer["entries"]] == [
        "statement", "statement", "proposal", "status_change", "expectation",
    ]  # fmt: skip
    created = Entry.objects.filter(pk__in=[e["id"] for e in answer["entries"]])
    assert {e.state for e in created} == {PublicationState.DRAFT}
    assert all(list(e.sources.all()) == [source] for e in created)
    assert {e.created_by for e in created} == {journalist}
    first = Statement.objects.get(pk=answer["entries"][0]["id"])
    assert (first.actor, first.text, first.date.edtf) == (yermak, "It’s a lot.", "2025-02")
    assert first.history.get().history_user == journalist  # saved through the domain
    assert not Entry.objects.published().filter(pk__in=created).exists()


def test_a_refused_suggestion_saves_nothing(as_staff, demo):
    before = (Entry.objects.count(), Source.objects.count(), Actor.objects.count())
    elsewhere = factories.ProposalFactory()
    response = as_staff.post(
        ACCEPT,
        accept_body(
            demo,
            statements=[{"text": "Fine.", "speaker_name": "New Person", "date": "2025-02"}],
            status_changes=[{"proposal": elsewhere.pk, "status": "withdrawn", "date": "2025-02"}],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "status_changes": {"0": {"proposal": ["The proposal belongs to another negotiation."]}}
    }
    assert (Entry.objects.count(), Source.objects.count(), Actor.objects.count()) == (
        before[0] + 1,  # the other negotiation's proposal made above
        before[1] + 1,
        before[2] + 1,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"state": "published"}, "state"),
        ({"statements": []}, "statements"),
        ({"statements": [{"text": "x", "date": "2025-13"}]}, "statements"),
        ({"statements": [{"text": "x", "date": "2025"}]}, "statements"),
    ],
)
def test_accept_refuses_bad_input(as_staff, demo, change, field):
    body = accept_body(
        demo, **{"statements": [{"text": "x", "speaker_name": "A B", "date": "2025"}], **change}
    )
    response = as_staff.post(ACCEPT, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Statement.objects.filter(text="x").exists()


def test_accept_needs_the_role(reader, demo):
    body = accept_body(demo, statements=[{"text": "x", "speaker_name": "A B", "date": "2025"}])
    assert client_for(reader).post(ACCEPT, body, format="json").status_code == 403
    assert client_for().post(ACCEPT, body, format="json").status_code == 401


def test_the_schema_documents_the_endpoints(db):
    response = client_for().get(f"{API}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    post = paths["/api/v1/extractions/"]["post"]
    assert set(paths["/api/v1/extractions/"]) == {"post"}
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ExtractionRequestRequest"
    }
    assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Extraction"
    }
    assert {"400", "401", "403", "413", "429"} <= set(post["responses"])
    schemas = response.json()["components"]["schemas"]
    assert set(schemas["Extraction"]["properties"]) >= {"statements", "amounts", "dates", "hints"}
    assert set(schemas["StatementSuggestion"]["properties"]) >= {
        "text", "speaker_name", "actor", "kind", "offsets", "sentence",
    }  # fmt: skip
    accepted = paths["/api/v1/extractions/accept/"]["post"]["responses"]["201"]
    assert accepted["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Accepted"
    }
