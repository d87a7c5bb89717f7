"""The shape of each resource: what is written, what is read back."""

import pytest

from negotiations.models import Source, StatusChange
from tests import factories
from tests.api.conftest import API, results


def test_an_actor_round_trip(as_journalist, db):
    government = factories.ActorFactory(kind="government", name="Government of Ukraine")
    response = as_journalist.post(
        f"{API}actors/",
        {
            "name": "Volodymyr Zelenskyy",
            "slug": "volodymyr-zelenskyy",
            "kind": "person",
            "title": "President of Ukraine",
            "affiliation": government.pk,
            "country": "UA",
            "aliases": ["Zelensky", "Zelenskiy"],
        },
    )
    assert response.status_code == 201
    actor = response.json()
    assert actor["url"] == f"http://testserver/api/v1/actors/{actor['id']}/"
    assert {k: actor[k] for k in ("affiliation", "country", "aliases", "version")} == {
        "affiliation": government.pk,
        "country": "UA",
        "aliases": ["Zelensky", "Zelenskiy"],
        "version": 1,
    }
    found = results(as_journalist.get(f"{API}actors/?q=zelensky&kind=person"))
    assert [a["id"] for a in found] == [actor["id"]]
    assert (
        results(as_journalist.get(f"{API}actors/?affiliation={government.pk}"))[0]["id"]
        == (actor["id"])
    )


def test_a_negotiation_lists_parties_and_links_its_timeline(as_journalist, db):
    us, ua = factories.ActorFactory(), factories.ActorFactory()
    response = as_journalist.post(
        f"{API}negotiations/",
        {"title": "Minerals deal", "slug": "minerals", "parties": [us.pk, ua.pk]},
    )
    assert response.status_code == 201
    body = response.json()
    assert sorted(body["parties"]) == sorted([us.pk, ua.pk])
    assert body["status"] == "active"
    assert body["timeline"].endswith(f"/api/v1/negotiations/{body['id']}/timeline/")
    assert [n["id"] for n in results(as_journalist.get(f"{API}negotiations/?actor={us.pk}"))] == [
        body["id"]
    ]


def test_a_proposal_has_no_status_until_the_first_status_change(as_journalist, negotiation):
    actor = factories.ActorFactory()
    response = as_journalist.post(
        f"{API}proposals/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02",
            "title": "$500 billion",
            "amount": "500000000000",
            "currency": "USD",
            "proposed_by": actor.pk,
        },
    )
    plan = response.json()
    assert (plan["status"], plan["status_history"], plan["amount"]) == (
        None,
        [],
        "500000000000.00",
    )
    assert not StatusChange.objects.exists()

    for status, date in (("rejected", "2025-02-20"), ("proposed", "2025-02")):
        response = as_journalist.post(
            f"{API}status-changes/",
            {"proposal": plan["id"], "status": status, "date": date, "actor": actor.pk},
        )
        assert response.status_code == 201
        assert response.json()["negotiation"] == negotiation.pk

    plan = as_journalist.get(plan["url"]).json()
    assert plan["status"] == "rejected"  # the latest by date, not by posting order
    assert [(s["status"], s["date"], s["date_precision"]) for s in plan["status_history"]] == [
        ("proposed", "2025-02", "month"),
        ("rejected", "2025-02-20", "day"),
    ]
    first = plan["status_history"][0]
    assert first["url"] == f"http://testserver/api/v1/status-changes/{first['id']}/"
    assert first["actor"] == actor.pk
    assert results(as_journalist.get(f"{API}proposals/?status=rejected"))[0]["id"] == plan["id"]
    assert results(as_journalist.get(f"{API}proposals/?status=signed")) == []


def test_anonymous_readers_see_only_published_status_changes(anon, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    factories.StatusChangeFactory(proposal=plan, status="proposed", date="2025-02-01")
    factories.StatusChangeFactory(proposal=plan, status="signed", date="2025-02-02", state="draft")
    body = anon.get(f"{API}proposals/{plan.pk}/").json()
    assert body["status"] == "proposed"
    assert [s["status"] for s in body["status_history"]] == ["proposed"]


def test_inline_sources_reuse_known_urls(as_journalist, negotiation):
    known = factories.SourceFactory(url="https://apnews.com/article/x", title="AP story")
    response = as_journalist.post(
        f"{API}events/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02-23",
            "title": "Forum",
            "sources": [
                {"url": "https://apnews.com/article/x", "title": "Another title"},
                {"url": "https://kyivindependent.com/y", "publisher": "Kyiv Independent"},
            ],
        },
    )
    assert response.status_code == 201
    sources = sorted(response.json()["sources"], key=lambda s: s["url"])
    assert sources[0] == {
        "id": known.pk,
        "url": "https://apnews.com/article/x",
        "title": "AP story",  # a known source keeps its details
        "publisher": "Example News",
        "published_on": None,
    }
    assert sources[1]["publisher"] == "Kyiv Independent"
    assert Source.objects.count() == 2

    # PATCH without sources keeps them; with sources replaces them.
    url = response.json()["url"]
    edited = as_journalist.patch(url, {"title": "Forum in Kyiv", "version": 1})
    assert len(edited.json()["sources"]) == 2
    replaced = as_journalist.patch(
        url, {"sources": [{"url": "https://apnews.com/article/x"}], "version": 2}
    )
    assert [s["id"] for s in replaced.json()["sources"]] == [known.pk]


def test_an_event_with_time_and_timezone(as_journalist, negotiation):
    response = as_journalist.post(
        f"{API}events/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02-28",
            "time": "14:30",
            "timezone": "America/New_York",
            "kind": "meeting",
            "title": "Oval Office meeting",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["time"], body["timezone"], body["kind"]) == (
        "14:30",
        "America/New_York",
        "meeting",
    )
    bad = as_journalist.patch(body["url"], {"timezone": "Mars/Olympus", "version": 1})
    assert bad.status_code == 400
    assert list(bad.json()) == ["timezone"]


def test_an_expectation_with_a_partial_due_date_and_its_resolution(as_journalist, negotiation):
    actor = factories.ActorFactory()
    response = as_journalist.post(
        f"{API}expectations/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02-23",
            "actor": actor.pk,
            "text": "A deal this week.",
            "due_date": "2025-03",
        },
    )
    body = response.json()
    assert (body["due_date"], body["due_date_precision"], body["outcome"]) == (
        "2025-03",
        "month",
        "pending",
    )
    resolved = as_journalist.patch(
        body["url"],
        {"outcome": "missed", "resolved_on": "2025-03-02", "resolution_note": "No deal."},
        HTTP_IF_MATCH=response["ETag"],
    )
    assert resolved.status_code == 200
    assert resolved.json()["resolved_on"] == "2025-03-02"
    cleared = as_journalist.patch(body["url"], {"due_date": None, "version": 2}).json()
    assert (cleared["due_date"], cleared["due_date_precision"]) == (None, None)


def test_a_statement_about_a_proposal(as_journalist, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    actor = factories.ActorFactory()
    response = as_journalist.post(
        f"{API}statements/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02",
            "actor": actor.pk,
            "text": "That will be paid off by ten generations of Ukrainians.",
            "kind": "direct",
            "proposal": plan.pk,
            "stance": "opposes",
        },
    )
    assert response.status_code == 201
    listed = results(as_journalist.get(f"{API}statements/?proposal={plan.pk}&stance=opposes"))
    assert [s["id"] for s in listed] == [response.json()["id"]]
    no_proposal = as_journalist.patch(
        response.json()["url"], {"proposal": None}, HTTP_IF_MATCH=response["ETag"]
    )
    assert no_proposal.status_code == 400
    assert no_proposal.json() == {"stance": ["A stance needs the proposal it is about."]}


def test_the_sources_resource(as_editor, db):
    response = as_editor.post(
        f"{API}sources/",
        {"url": "https://example.org/doc", "title": "A document", "published_on": "2025-02-25"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["api_url"] == f"http://testserver/api/v1/sources/{body['id']}/"
    again = as_editor.post(f"{API}sources/", {"url": "https://example.org/doc"})
    assert again.status_code == 400
    assert again.json() == {"url": ["This URL is already a source."]}
    assert [s["id"] for s in results(as_editor.get(f"{API}sources/?since=2025-02"))] == [body["id"]]
    assert results(as_editor.get(f"{API}sources/?until=2025-01")) == []


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("date", ["a", "b", "c"]), ("-date", ["c", "b", "a"]), ("-id", ["c", "b", "a"])],
)
def test_ordering_and_paging_together(ordering, expected, anon, negotiation):
    for title, date in (("a", "2024"), ("b", "2025-01"), ("c", "2025-02-01")):
        factories.EventFactory(negotiation=negotiation, title=title, date=date)
    titles, url = [], f"{API}events/?ordering={ordering}&page_size=1"
    while url:
        page = anon.get(url).json()
        titles += [e["title"] for e in page["results"]]
        url = page["next"]
    assert titles == expected
