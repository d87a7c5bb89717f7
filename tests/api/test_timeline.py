"""GET /api/v1/negotiations/{id}/timeline/: every kind in reading order, filtered, paged."""

import pytest

from negotiations.models import PublicationState
from tests import factories
from tests.api.conftest import API, read_all, results


@pytest.fixture
def story(negotiation):
    zelenskyy = factories.ActorFactory(name="Volodymyr Zelenskyy")
    witkoff = factories.ActorFactory(name="Steve Witkoff")
    plan = factories.ProposalFactory(
        negotiation=negotiation, date="2024", title="Minerals partnership", proposed_by=zelenskyy
    )
    rejected = factories.StatusChangeFactory(proposal=plan, date="2025-02", status="rejected")
    quote = factories.StatementFactory(
        negotiation=negotiation, date="2025-02", actor=zelenskyy, text="Ten generations."
    )
    forum = factories.EventFactory(negotiation=negotiation, date="2025-02-23", title="Forum")
    forum.actors.add(zelenskyy)
    hope = factories.ExpectationFactory(
        negotiation=negotiation, date="2025-02-23", actor=witkoff, text="A deal this week."
    )
    return {
        "zelenskyy": zelenskyy,
        "witkoff": witkoff,
        "entries": [plan, rejected, quote, forum, hope],
    }


def timeline(client, negotiation, query=""):
    return read_all(client, f"{API}negotiations/{negotiation.pk}/timeline/?{query}")


def test_items_in_reading_order_with_their_own_precision(anon, negotiation, story):
    items = timeline(anon, negotiation)
    plan, rejected, quote, forum, hope = story["entries"]
    assert items[0] == {
        "type": "proposal",
        "id": plan.pk,
        "date": "2024",
        "date_precision": "year",
        "title": "Minerals partnership",
        "actors": [story["zelenskyy"].pk],
        "sources": [
            {
                "id": plan.sources.get().pk,
                "url": plan.sources.get().url,
                "title": plan.sources.get().title,
                "publisher": "Example News",
                "published_on": None,
            }
        ],
        "key": False,
        "published": True,
        "corrections": [],
        "url": f"http://testserver/api/v1/proposals/{plan.pk}/",
    }
    assert [(i["type"], i["date"], i["title"]) for i in items] == [
        ("proposal", "2024", "Minerals partnership"),
        ("status_change", "2025-02", "Minerals partnership: rejected"),
        ("statement", "2025-02", "Volodymyr Zelenskyy: “Ten generations.”"),
        ("event", "2025-02-23", "Forum"),
        ("expectation", "2025-02-23", "Steve Witkoff expects: A deal this week."),
    ]
    assert [i["url"].split("/api/v1/")[1] for i in items] == [
        f"proposals/{plan.pk}/",
        f"status-changes/{rejected.pk}/",
        f"statements/{quote.pk}/",
        f"events/{forum.pk}/",
        f"expectations/{hope.pk}/",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=statement", ["statement"]),
        ("type=statement&type=event", ["statement", "event"]),
        ("since=2025-02", ["status_change", "statement", "event", "expectation"]),
        # "February 2025" overlaps the period from 23 February on, as on the pages.
        ("since=2025-02-23", ["status_change", "statement", "event", "expectation"]),
        ("since=2025-02-24", ["status_change", "statement"]),
        ("until=2025", ["proposal", "status_change", "statement", "event", "expectation"]),
        ("until=2025-01", ["proposal"]),
        ("since=2025-02&until=2025-02-22", ["status_change", "statement"]),
        ("q=generations", ["statement"]),
        ("q=minerals", ["proposal", "status_change"]),
        ("q=DEAL week", ["expectation"]),
        ("q=nothing-like-this", []),
    ],
)
def test_filters(query, expected, anon, negotiation, story):
    assert [i["type"] for i in timeline(anon, negotiation, query)] == expected


def test_actor_filter(anon, negotiation, story):
    involving = timeline(anon, negotiation, f"actor={story['zelenskyy'].pk}")
    assert [i["type"] for i in involving] == ["proposal", "statement", "event"]
    involving = timeline(anon, negotiation, f"actor={story['witkoff'].pk}")
    assert [i["type"] for i in involving] == ["expectation"]


def test_bad_filters_are_400(anon, negotiation, story):
    for query in ("type=rumour", "since=soon", "actor=999999"):
        response = anon.get(f"{API}negotiations/{negotiation.pk}/timeline/?{query}")
        assert response.status_code == 400
        assert list(response.json()) == [query.split("=")[0]]
    assert anon.get(f"{API}negotiations/999999/timeline/").status_code == 404


def test_pages_stay_stable_while_entries_are_added(anon, negotiation):
    first_batch = [
        factories.EventFactory(negotiation=negotiation, date="2025-02-23", title=f"E{n}")
        for n in range(4)
    ]
    page = anon.get(f"{API}negotiations/{negotiation.pk}/timeline/?page_size=2").json()
    assert [i["id"] for i in page["results"]] == [e.pk for e in first_batch[:2]]
    assert page["previous"] is None

    # Meanwhile a journalist adds entries before and on the same day.
    earlier = factories.EventFactory(negotiation=negotiation, date="2025-01", title="Earlier")
    same_day = factories.EventFactory(negotiation=negotiation, date="2025-02-23", title="Late")

    rest = read_all(anon, page["next"])
    assert [i["id"] for i in rest] == [e.pk for e in first_batch[2:]] + [same_day.pk]
    assert earlier.pk not in [i["id"] for i in rest]

    second = anon.get(page["next"]).json()
    back = anon.get(second["previous"]).json()
    assert [i["id"] for i in back["results"]] == [e.pk for e in first_batch[:2]]
    front = anon.get(back["previous"]).json()
    assert [i["id"] for i in front["results"]] == [earlier.pk]
    assert front["previous"] is None


def test_drafts_show_for_the_newsroom_only(anon, as_journalist, negotiation, story):
    draft = factories.EventFactory(
        negotiation=negotiation, state=PublicationState.DRAFT, title="Not yet"
    )
    assert draft.pk not in [i["id"] for i in timeline(anon, negotiation)]
    mine = [i for i in timeline(as_journalist, negotiation) if i["id"] == draft.pk]
    assert mine[0]["published"] is False


def test_corrections_are_shown(anon, editor, negotiation, story):
    from negotiations.domain.entries import add_correction

    plan = story["entries"][0]
    add_correction(plan, note="The date was wrong.", by=editor)
    item = results(anon.get(f"{API}negotiations/{negotiation.pk}/timeline/?type=proposal"))[0]
    assert [c["note"] for c in item["corrections"]] == ["The date was wrong."]
    detail = anon.get(f"{API}proposals/{plan.pk}/").json()
    assert detail["corrections"] == item["corrections"]


def test_a_readers_page_is_joined_from_the_items_json_as_drf_writes_it(anon, negotiation, story):
    """Readers' pages are joined from each item's JSON kept in the cache; a client asking
    for ``indent=0`` (compact all the same) gets the page DRF renders from the items'
    data: the same bytes, escapes and non-ASCII text included, on the first read and
    from the cache. (The DRF page is asked first: the joined one is then stored for the
    address, whatever the Accept header.)"""
    factories.StatementFactory(
        negotiation=negotiation, date="2025-03", text='“Zelenskyy’s” \u2028 ü </script> \\ ".'
    )
    for size in (3, 2):  # the items written, then read from the cache
        url = f"{API}negotiations/{negotiation.pk}/timeline/?page_size={size}"
        rendered = anon.get(url, HTTP_ACCEPT="application/json; indent=0")
        joined = anon.get(url, HTTP_ACCEPT="application/json")
        assert joined.status_code == rendered.status_code == 200
        assert joined["Content-Type"] == rendered["Content-Type"] == "application/json"
        assert "ETag" in joined and joined["ETag"] != rendered["ETag"]  # the reader's validators
        assert joined.content == rendered.content
        assert joined.json()["next"] and len(joined.json()["results"]) == size
