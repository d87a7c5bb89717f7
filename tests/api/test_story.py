"""The seed story, logged through the API as a newsroom would, read back by the public."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from negotiations.dates import PartialDate
from negotiations.models import Source
from negotiations.newsroom import demo
from tests.api.conftest import API, read_all

ENDPOINT = {
    "Proposal": "proposals",
    "StatusChange": "status-changes",
    "Statement": "statements",
    "Event": "events",
    "Expectation": "expectations",
}
TYPE = {
    "Proposal": "proposal",
    "StatusChange": "status_change",
    "Statement": "statement",
    "Event": "event",
    "Expectation": "expectation",
}


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def post(client, path, payload):
    response = client.post(f"{API}{path}/", payload, format="json")
    assert response.status_code == 201, (path, payload, response.json())
    return response.json()


def test_the_seed_story_through_the_api(journalist, editor):
    desk = token_client(journalist)
    actors = {}
    for spec in demo.ACTORS:
        payload = {**spec, "affiliation": actors.get(spec.get("affiliation"))}
        actors[spec["slug"]] = post(desk, "actors", payload)["id"]

    spec = demo.NEGOTIATION
    negotiation = post(
        desk, "negotiations", {**spec, "parties": [actors[slug] for slug in spec["parties"]]}
    )

    article = {**demo.ARTICLE, "published_on": demo.ARTICLE["published_on"].isoformat()}
    proposals, created = {}, []
    for model, lookup, fields in demo.ENTRIES:
        payload = {"sources": [article]}
        for name, value in {**lookup, **fields}.items():
            if name in {"actor", "proposed_by"}:
                value = actors[value]
            elif name in {"addressed_to", "actors"}:
                value = [actors[slug] for slug in value]
            elif name in {"proposal", "supersedes"}:
                value = proposals[value]
            elif name == "amount":
                value = str(value)
            payload[name] = value
        if model.__name__ != "StatusChange":
            payload["negotiation"] = negotiation["id"]
        entry = post(desk, ENDPOINT[model.__name__], payload)
        assert entry["published"] is False
        assert entry["date"] == fields["date"]
        if model.__name__ == "Proposal":
            proposals[lookup["title"]] = entry["id"]
            assert entry["status"] is None  # no status until the first status change
        if model.__name__ == "StatusChange":
            assert entry["negotiation"] == negotiation["id"]  # taken from the proposal
        created.append((model.__name__, fields["date"], entry))

    # One source row for the one article, however many entries cite it.
    assert Source.objects.count() == 1

    # Nothing is public yet.
    public = APIClient()
    timeline_url = negotiation["timeline"]
    assert read_all(public, timeline_url) == []

    # The editor publishes everything.
    chief = token_client(editor)
    for _, _, entry in created:
        response = chief.patch(
            entry["url"], {"published": True, "version": entry["version"]}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["published"] is True

    # Read back anonymously, a few items per page: in order, partial dates intact.
    timeline = read_all(public, f"{timeline_url}?page_size=4")
    in_order = sorted(created, key=lambda item: PartialDate.parse(item[1]).start)  # stable
    assert [(item["type"], item["id"], item["date"]) for item in timeline] == [
        (TYPE[kind], entry["id"], date) for kind, date, entry in in_order
    ]
    assert [item["date_precision"] for item in timeline] == [
        PartialDate.parse(date).precision for _, date, _ in in_order
    ]
    assert {item["date"] for item in timeline} >= {"2024", "2025", "2025-02", "2025-02-23"}
    by_id = {item["id"]: item for item in timeline}
    demand = proposals["U.S. demand: $500 billion in mineral profits"]
    assert by_id[demand]["title"] == "U.S. demand: $500 billion in mineral profits"
    assert by_id[demand]["actors"] == [
        actors["government-of-the-united-states"],
        actors["government-of-ukraine"],
        actors["volodymyr-zelenskyy"],
    ]
    assert by_id[demand]["sources"] == [{"id": Source.objects.get().pk, **article}]
    assert by_id[demand]["url"].endswith(f"/api/v1/proposals/{demand}/")

    # The proposal reads with its current status and its history, oldest first.
    proposal = public.get(f"{API}proposals/{demand}/").json()
    assert proposal["status"] == "withdrawn"
    assert [(s["status"], s["date"]) for s in proposal["status_history"]] == [
        ("proposed", "2025-02"),
        ("rejected", "2025-02"),
        ("withdrawn", "2025-02-23"),
    ]
    assert proposal["amount"] == "500000000000.00"
    assert proposal["currency"] == "USD"
    expectation = public.get(created[-1][2]["url"]).json()
    assert (expectation["due_date"], expectation["due_date_precision"]) == ("2025-03-02", "day")
