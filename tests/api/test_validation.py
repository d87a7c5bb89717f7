"""Bad input gets a 400 with field-keyed messages: never a 500, never half-written data."""

import json

import pytest

from negotiations.models import Entry, Proposal, RecordChange, Source
from tests import factories
from tests.api.conftest import API, if_match


@pytest.fixture
def speaker(db):
    return factories.ActorFactory(name="Speaker")


def snapshot():
    return (Entry.objects.count(), Source.objects.count(), RecordChange.objects.count())


def proposal(negotiation_, **fields):
    return {"negotiation": negotiation_.pk, "date": "2025-02", "title": "A plan", **fields}


BAD_PROPOSALS = {
    "impossible date": ({"date": "2025-13-40"}, "date"),
    "unparseable date": ({"date": "yesterday"}, "date"),
    "date of the wrong type": ({"date": 20250223}, "date"),
    "negative amount": ({"amount": "-5", "currency": "USD"}, "amount"),
    "amount without currency": ({"amount": "5"}, "currency"),
    "currency without amount": ({"currency": "USD"}, "amount"),
    "unknown currency": ({"amount": "5", "currency": "ABC"}, "currency"),
    "amount not a number": ({"amount": "lots", "currency": "USD"}, "amount"),
    "amount too precise": ({"amount": "1.234", "currency": "USD"}, "amount"),
    "unknown actor id": ({"proposed_by": 999999}, "proposed_by"),
    "huge actor id": ({"proposed_by": 10**30}, "proposed_by"),
    "huge proposal id": ({"supersedes": 10**30}, "supersedes"),
    "negative proposal id": ({"supersedes": -1}, "supersedes"),
    "id of the wrong type": ({"supersedes": "first"}, "supersedes"),
    "unknown ids in a list": ({"addressed_to": [999999]}, "addressed_to"),
    "ids of the wrong type": ({"addressed_to": "everyone"}, "addressed_to"),
    "unknown negotiation": ({"negotiation": 999999}, "negotiation"),
    "over-long title": ({"title": "x" * 201}, "title"),
    "over-long text": ({"summary": "x" * 10_001}, "summary"),
    "javascript: source": ({"sources": [{"url": "javascript:alert(1)"}]}, "sources"),
    "ftp source": ({"sources": [{"url": "ftp://example.org/file"}]}, "sources"),
    "source without url": ({"sources": [{"title": "No address"}]}, "sources"),
    "sources not a list": ({"sources": "https://example.org/"}, "sources"),
    "boolean of the wrong type": ({"key": "perhaps"}, "key"),
    "relation outside the vocabulary": ({"relation": "replaces"}, "relation"),
    "unknown published_on": (
        {"sources": [{"url": "https://example.org/", "published_on": "2025-02"}]},
        "sources",
    ),
}


@pytest.mark.parametrize("case", BAD_PROPOSALS)
def test_bad_proposals_are_refused_by_field(case, as_journalist, negotiation):
    fields, key = BAD_PROPOSALS[case]
    before = snapshot()
    response = as_journalist.post(f"{API}proposals/", proposal(negotiation, **fields))
    assert response.status_code == 400, response.content
    assert list(response.json()) == [key]
    assert snapshot() == before


def test_a_valid_source_is_not_kept_when_the_entry_is_refused(as_journalist, negotiation):
    """The source would be created first: it must go when the entry's rules refuse it."""
    before = snapshot()
    response = as_journalist.post(
        f"{API}proposals/",
        proposal(negotiation, amount="5", sources=[{"url": "https://example.org/new"}]),
    )
    assert response.status_code == 400
    assert response.json() == {"currency": ["Give the currency of the amount."]}
    assert snapshot() == before


def test_source_errors_name_the_item(as_journalist, negotiation):
    sources = [{"url": "https://example.org/ok"}, {"url": "javascript:alert(1)"}]
    response = as_journalist.post(f"{API}proposals/", proposal(negotiation, sources=sources))
    assert response.status_code == 400
    assert response.json() == {
        "sources": {"1": {"url": ["Enter a web address starting with http:// or https://."]}}
    }


def test_a_statement_about_a_proposal_of_another_negotiation(as_journalist, negotiation, speaker):
    elsewhere = factories.ProposalFactory()
    before = snapshot()
    response = as_journalist.post(
        f"{API}statements/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02-23",
            "actor": speaker.pk,
            "text": "No.",
            "proposal": elsewhere.pk,
        },
    )
    assert response.status_code == 400
    assert response.json() == {"proposal": ["The proposal belongs to another negotiation."]}
    assert snapshot() == before


def test_a_proposal_superseding_itself(as_journalist, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    response = as_journalist.patch(
        f"{API}proposals/{plan.pk}/", {"supersedes": plan.pk}, **if_match(plan)
    )
    assert response.status_code == 400
    assert list(response.json()) == ["supersedes"]
    plan.refresh_from_db()
    assert plan.supersedes_id is None
    assert plan.version == 1


@pytest.mark.parametrize(
    ("path", "payload", "key"),
    [
        ("status-changes/", {"status": "maybe"}, "status"),
        ("negotiations/", {"title": "T", "slug": "t", "status": "dormant"}, "status"),
        ("actors/", {"name": "A", "slug": "a", "kind": "alien"}, "kind"),
        ("actors/", {"name": "A", "slug": "a", "country": "XX"}, "country"),
        ("actors/", {"name": "A", "slug": "a", "aliases": "A."}, "aliases"),
        ("actors/", {"name": "A", "slug": "not a slug"}, "slug"),
        ("actors/", {"name": "x" * 201, "slug": "a"}, "name"),
        ("sources/", {"url": "javascript:alert(1)"}, "url"),
        ("sources/", {"url": "https://example.org/", "published_on": "2025-02-30"}, "url"),
    ],
)
def test_vocabularies_and_formats(path, payload, key, as_journalist, negotiation):
    if path == "status-changes/":
        plan = factories.ProposalFactory(negotiation=negotiation)
        payload = {**payload, "proposal": plan.pk, "date": "2025-02"}
    if path == "sources/" and "published_on" in payload:
        key = "published_on"
    response = as_journalist.post(f"{API}{path}", payload)
    assert response.status_code == 400, response.content
    assert key in response.json()


def test_statement_stance_vocabulary_and_over_long_text(as_journalist, negotiation, speaker):
    payload = {"negotiation": negotiation.pk, "date": "2025", "actor": speaker.pk}
    response = as_journalist.post(
        f"{API}statements/", {**payload, "text": "y" * 10_001, "stance": "hostile"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"text", "stance"}


def test_rules_across_fields_come_back_from_the_domain(as_journalist, negotiation, speaker):
    response = as_journalist.post(
        f"{API}events/",
        {"negotiation": negotiation.pk, "date": "2025-02", "title": "Call", "time": "14:30"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["A time can only be given with a full date (day)."]
    }
    assert not Entry.objects.exists()

    response = as_journalist.post(
        f"{API}expectations/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02",
            "actor": speaker.pk,
            "text": "A deal.",
            "resolved_on": "2025-03-01",
        },
    )
    assert response.status_code == 400
    assert response.json() == {"resolved_on": ["A pending expectation has no resolution date."]}

    response = as_journalist.post(
        f"{API}expectations/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02",
            "actor": speaker.pk,
            "text": "A deal.",
            "due_date": "2025-02-30",
        },
    )
    assert response.status_code == 400
    assert list(response.json()) == ["due_date"]


def test_malformed_json_and_wrong_shapes(as_journalist):
    for body in ('{"name": "A",', "NaN", '{"name": NaN}'):
        response = as_journalist.generic(
            "POST", f"{API}actors/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert "detail" in response.json()

    response = as_journalist.post(f"{API}actors/", [{"name": "A"}])
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]

    response = as_journalist.post(f"{API}actors/", "just a string")
    assert response.status_code == 400


def test_other_media_types_are_refused(as_journalist):
    response = as_journalist.post(f"{API}actors/", "name=A&slug=a", content_type="text/plain")
    assert response.status_code == 415


def test_bodies_over_one_megabyte_get_413(as_journalist, negotiation):
    body = json.dumps(proposal(negotiation, summary="x" * (1024 * 1024)))
    response = as_journalist.generic(
        "POST", f"{API}proposals/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert not Proposal.objects.exists()


def test_mass_assignment_changes_nothing(as_journalist, journalist, negotiation, editor):
    response = as_journalist.post(
        f"{API}proposals/",
        proposal(
            negotiation,
            status="signed",
            version=99,
            created_by=editor.pk,
            created_at="2000-01-01T00:00:00Z",
            updated_at="2000-01-01T00:00:00Z",
            entry_type="event",
            type="event",
            id=12345,
            sequence=7,
        ),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["version"], body["type"], body["published"]) == (
        None,
        1,
        "proposal",
        False,
    )
    plan = Proposal.objects.get()
    assert plan.pk != 12345
    assert plan.created_by == journalist
    assert plan.created_at.year > 2000
    assert plan.sequence == 0
    assert not plan.status_changes.exists()

    # The body's version is a precondition, never ignored: a wrong one is a 412.
    response = as_journalist.patch(f"{API}proposals/{plan.pk}/", {"status": "signed", "version": 7})
    assert response.status_code == 412
    response = as_journalist.patch(f"{API}proposals/{plan.pk}/", {"status": "signed", "version": 1})
    assert response.status_code == 200
    assert response.json()["status"] is None
    assert response.json()["version"] == 2


def test_bad_list_parameters(anon, negotiation):
    for query in (
        "negotiation=abc",
        "negotiation=999999",
        f"negotiation={10**30}",
        "since=yesterday",
        "until=2025-13",
        "actor=abc",
        "page_size=0",
        "cursor=garbage",
    ):
        response = anon.get(f"{API}proposals/?{query}")
        assert response.status_code == 400, query
        assert list(response.json()) == [query.split("=")[0]], query
    for query in (f"proposal={10**30}", "proposal=abc", "proposal=-1"):
        response = anon.get(f"{API}status-changes/?{query}")
        assert response.status_code == 400, query
    assert anon.get(f"{API}proposals/abc/").status_code == 404
    assert anon.get(f"{API}proposals/{10**30}/").status_code == 404


OTHER_DIGITS = {
    "Arabic-Indic": "٠١٢٣٤٥٦٧٨٩",
    "fullwidth": "０１２３４５６７８９",
    "Devanagari": "०१२३४५६७८९",
}


def in_digits(number, script):
    """``number`` written with another script's digits (which int() reads as the same)."""
    return str(number).translate(str.maketrans("0123456789", OTHER_DIGITS[script]))


@pytest.mark.parametrize("script", OTHER_DIGITS)
def test_ids_and_amounts_in_other_digits_are_a_400_naming_the_field(
    script, anon, as_journalist, negotiation, speaker
):
    """int() and Decimal() read "٥" as 5: such an id would name another record."""
    before = snapshot()
    said = {"date": "2025", "text": "Said.", "kind": "paraphrase"}
    for body, key in (
        ({"negotiation": negotiation.pk, "actor": in_digits(speaker.pk, script)}, "actor"),
        ({"negotiation": in_digits(negotiation.pk, script), "actor": speaker.pk}, "negotiation"),
    ):
        response = as_journalist.post(f"{API}statements/", {**said, **body})
        assert response.status_code == 400, response.content
        assert response.json() == {key: ["Write numbers with the digits 0 to 9."]}
    for fields, key in (
        ({"amount": in_digits(500, script), "currency": "USD"}, "amount"),
        ({"amount": "1" + in_digits(2, script), "currency": "USD"}, "amount"),
        ({"addressed_to": [in_digits(speaker.pk, script)]}, "addressed_to"),
    ):
        response = as_journalist.post(f"{API}proposals/", proposal(negotiation, **fields))
        assert response.status_code == 400, response.content
        assert list(response.json()) == [key]
        assert "Write numbers with the digits 0 to 9." in str(response.json()[key])
    assert snapshot() == before
    response = anon.get(f"{API}statements/?actor={in_digits(speaker.pk, script)}")
    assert response.status_code == 400
    assert list(response.json()) == ["actor"]


def test_floats_are_no_ids(as_journalist, anon, negotiation, speaker):
    """1.5 (or 1.0) as a JSON number would be read as record 1."""
    before = snapshot()
    said = {"negotiation": negotiation.pk, "date": "2025", "text": "Said."}
    for value in (speaker.pk + 0.5, float(speaker.pk), f"{speaker.pk}.5", f"{speaker.pk}.0"):
        response = as_journalist.post(f"{API}statements/", {**said, "actor": value})
        assert response.status_code == 400, value
        assert list(response.json()) == ["actor"]
        assert response.json()["actor"][0].startswith("Incorrect type. Expected pk value")
    assert snapshot() == before
    for value in (f"{speaker.pk}.0", f"{speaker.pk}.5"):
        assert anon.get(f"{API}statements/?actor={value}").status_code == 400


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "right/UTC", "GB"])
def test_a_time_zone_that_is_not_an_iana_region_is_a_400(zone, as_journalist, negotiation):
    """zoneinfo lists these too (Debian's zone folder, old aliases): none names a region."""
    before = snapshot()
    response = as_journalist.post(
        f"{API}events/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-03-01",
            "title": "Meeting",
            "time": "14:30",
            "timezone": zone,
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "timezone": [f'"{zone}" is not an IANA time zone (e.g. "Europe/Kyiv").']
    }
    assert snapshot() == before


RESOURCES = ("actors", "negotiations", "sources", "proposals", "status-changes")
RESOURCES += ("statements", "events", "expectations")


@pytest.mark.parametrize("pk", [2**63, 2**64, 10**30, 0])
def test_ids_beyond_64_bits_in_a_detail_address_are_a_404(pk, anon, as_editor, db):
    for resource in RESOURCES:
        address = f"{API}{resource}/{pk}/"
        assert anon.get(address).status_code == 404, address
        for method in (as_editor.put, as_editor.patch):
            assert method(address, {"title": "x"}).status_code == 404, address
        assert as_editor.delete(address).status_code == 404, address
    assert anon.get(f"{API}negotiations/{pk}/timeline/").status_code == 404


FORMAT_CHARACTERS = ("%", "%s", "%(x)s", "%d%%", "2025-%02d")


@pytest.mark.parametrize("value", FORMAT_CHARACTERS)
def test_format_characters_in_a_date_filter_are_a_400_naming_it(
    value, anon, as_journalist, negotiation
):
    """The message quotes what was typed: "%" in it once made the error itself fail (500)."""
    lists = [
        f"{name}/?{parameter}="
        for name in ("proposals", "status-changes", "statements", "events", "expectations")
        for parameter in ("since", "until")
    ]
    lists += ["sources/?since=", "sources/?until=", "changes/?since="]
    lists += [f"negotiations/{negotiation.pk}/timeline/?{p}=" for p in ("since", "until")]
    encoded = value.replace("%", "%25")
    for client in (anon, as_journalist):  # the timeline: readers' and staff's paths
        for path in lists:
            response = client.get(f"{API}{path}{encoded}")
            assert response.status_code == 400, (path, response.content)
            name = path.rsplit("?", 1)[1].rstrip("=")
            assert list(response.json()) == [name], path
            if not path.startswith("changes"):  # that one says "Enter a valid date/time."
                assert response.json()[name][0].startswith(f'"{value}" is not a date.'), path


def test_out_of_range_times_and_over_long_searches(anon, db):
    for since in ("9999-12-31T23:59:59-23:00", "0001-01-01T00:00:00%2B23:00"):
        response = anon.get(f"{API}changes/?since={since}")
        assert response.status_code == 400
        assert list(response.json()) == ["since"]
    response = anon.get(f"{API}events/?q=" + "+".join(["a"] * 1200))
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
    assert anon.get(f"{API}events/?q=" + "+".join(["a"] * 50)).status_code == 200


def test_an_over_long_timeline_search_is_refused_for_readers_and_staff(
    anon, as_journalist, negotiation
):
    url = f"{API}negotiations/{negotiation.pk}/timeline/?q=" + "+".join(["a"] * 150)
    for client in (anon, as_journalist):  # readers: the precompiled page; staff: the filters
        response = client.get(url)
        assert response.status_code == 400
        assert response.json() == {
            "q": ["Ensure this value has at most 200 characters (it has 299)."]
        }


def test_an_actor_affiliated_to_itself(as_journalist, db):
    actor = factories.ActorFactory()
    response = as_journalist.patch(
        f"{API}actors/{actor.pk}/", {"affiliation": actor.pk}, **if_match(actor)
    )
    assert response.status_code == 400
    assert response.json() == {"affiliation": ["An actor cannot be affiliated to itself."]}
