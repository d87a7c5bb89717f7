"""What changed, what comes next, positions, proposal and actor pages."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from negotiations.domain.entries import add_correction, publish
from negotiations.models import (
    Expectation,
    Proposal,
    ProposalStatus,
    PublicationState,
    Stance,
    Statement,
)
from tests import factories

from .test_timeline import text_of

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2025, 1, 10, 12, tzinfo=datetime.UTC)
RECENTLY = datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC)


def section(html, title_id):
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]


# --------------------------------------------------------------------------- #
# What changed
# --------------------------------------------------------------------------- #


@pytest.fixture
def history(negotiation):
    """Entries logged long ago and recently, a status change and a correction recently."""
    editor = factories.editor(username="eddie-changes")
    with time_machine.travel(LONG_AGO, tick=False):
        proposal = factories.ProposalFactory(negotiation=negotiation, title="Old proposal")
        factories.StatusChangeFactory(proposal=proposal, status=ProposalStatus.PROPOSED)
        old = factories.EventFactory(negotiation=negotiation, title="Old meeting")
        draft = factories.EventFactory(
            negotiation=negotiation,
            title="Held back",
            state=PublicationState.DRAFT,
            sources=[factories.SourceFactory()],
        )
    with time_machine.travel(RECENTLY, tick=False):
        factories.StatusChangeFactory(proposal=proposal, status=ProposalStatus.REJECTED)
        factories.StatementFactory(negotiation=negotiation, text="Fresh words")
        add_correction(old, note="The meeting was in Riyadh.", by=editor)
        publish(draft, by=editor)
    return negotiation


def changes(client, negotiation, query=""):
    url = reverse("negotiations:changes", args=[negotiation.slug]) + query
    with time_machine.travel(RECENTLY + datetime.timedelta(days=1), tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_what_changed_since_a_date(client, history):
    html = changes(client, history, "?since=2025-03-01")
    # Nothing is dated in March: what happened since is empty, what was recorded is not.
    assert "Nothing dated on or after 1 March 2025" in section(html, "changes-happened")
    recorded = text_of_html(section(html, "changes-recorded"))
    assert "10 March 2025 · Added: Old proposal: rejected" in recorded
    assert "Added: Envoy" not in recorded
    assert "Fresh words" in recorded
    assert "Corrected: Old meeting" in recorded
    assert "Correction: The meeting was in Riyadh." in recorded
    assert "Added: Held back" in recorded  # published since
    assert "Old proposal: proposed" not in recorded  # recorded long ago
    assert "Changes since 1 March 2025, newest first." in text_of_html(html)


def text_of_html(html):
    class Page:
        content = html.encode()

    return text_of(Page)


def test_what_happened_since_goes_by_the_date_of_the_development(client, history):
    factories.EventFactory(negotiation=history, title="Late February talks", date="2025-02-27")
    factories.EventFactory(negotiation=history, title="Some day in February", date="2025-02")
    factories.EventFactory(negotiation=history, title="Mid February", date="2025-02-15")
    happened = text_of_html(
        section(changes(client, history, "?since=2025-02-20"), "changes-happened")
    )
    assert "27 Feb 2025 — Late February talks" in happened
    assert "Feb 2025 — Some day in February" in happened  # may have happened since
    assert "Mid February" not in happened
    assert happened.index("Late February talks") < happened.index("Some day in February")


def test_since_takes_every_date_form(client, history):
    for query, day in (("2025-02", "1 February 2025"), ("2025", "1 January 2025")):
        html = changes(client, history, f"?since={query}")
        assert f"Changes since {day}, newest first." in text_of_html(html)
        assert f'value="{query}"' in html
    everything = changes(client, history, "?since=2025")
    assert "Old meeting" in section(everything, "changes-happened")


def test_what_changed_since_before_everything(client, history):
    html = changes(client, history, "?since=2024-12-01")
    recorded = section(html, "changes-recorded")
    assert "Old meeting" in recorded and "Old proposal" in recorded


def test_nothing_changed(client, history):
    html = changes(client, history, "?since=2025-03-11")
    assert "Nothing changed since 11 March 2025." in html


def test_the_default_period_and_a_bad_date(client, history):
    html = changes(client, history)
    assert "Changes since 9 February 2025" in html  # 30 days
    html = changes(client, history, "?since=yesterday")
    assert "is not a date" in html and "Changes since 9 February 2025" in html
    html = changes(client, history, "?since=%25s")  # a format character, as typed
    assert "is not a date" in html and "Changes since 9 February 2025" in html
    html = changes(client, history, "?since=2025-02-30")
    assert "not a date that exists" in html
    html = changes(client, history, "?since=2099-01-01")  # the future: today
    assert "Changes since 11 March 2025" in html


def test_the_page_offers_the_last_visit_link_to_scripts_and_presets_to_everyone(client, history):
    html = changes(client, history)
    assert 'data-last-visit data-slug="talks"' in html
    assert '<a href="?since=2025-03-04">Last 7 days</a>' in html


# --------------------------------------------------------------------------- #
# What comes next
# --------------------------------------------------------------------------- #


def test_what_comes_next(client, negotiation):
    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        factories.EventFactory(negotiation=negotiation, title="Past talks", date="2025-02-20")
        factories.EventFactory(negotiation=negotiation, title="Summit", date="2025-03-20")
        factories.EventFactory(negotiation=negotiation, title="This month", date="2025-03")
        factories.EventFactory(negotiation=negotiation, title="Someday", date="2026")
        factories.ExpectationFactory(
            negotiation=negotiation, text="Deal by Friday", due_date_start=datetime.date(2025, 3, 7)
        )
        factories.ExpectationFactory(
            negotiation=negotiation, text="Late one", due_date_start=datetime.date(2025, 2, 1)
        )
        factories.ExpectationFactory(
            negotiation=negotiation, text="Met one", due_date_start=datetime.date(2025, 2, 2)
        )
        Expectation.objects.filter(text="Met one").update(
            outcome=Expectation.Outcome.MET, resolved_on=datetime.date(2025, 2, 2)
        )
        open_one = factories.ProposalFactory(negotiation=negotiation, title="Open offer")
        closed = factories.ProposalFactory(negotiation=negotiation, title="Dead offer")
        factories.StatusChangeFactory(proposal=closed, status=ProposalStatus.WITHDRAWN)
        response = client.get(reverse("negotiations:next", args=[negotiation.slug]))
    html = response.content.decode()
    events = section(html, "next-events")
    assert events.index("This month") < events.index("Summit") < events.index("Someday")
    assert "Past talks" not in events
    expected = section(html, "next-expected")
    assert expected.index("Late one") < expected.index("Deal by Friday")
    assert "Met one" not in expected
    assert expected.count("Overdue") == 1
    proposals = section(html, "next-open")
    assert "Open offer" in proposals and "Dead offer" not in proposals
    assert open_one.title in proposals
    assert "As of 1 March 2025." in html


def test_the_side_column_lists_what_comes_next_except_on_that_page(client, negotiation):
    """Every page of the negotiation sums up what comes next beside it, but the page that
    lists it whole: there it said the same thing twice, one above the other on a phone."""
    factories.EventFactory(negotiation=negotiation, title="Summit", date="2099-03-20")
    for name, shown in [("timeline", 1), ("changes", 1), ("positions", 1), ("next", 0)]:
        html = client.get(reverse(f"negotiations:{name}", args=[negotiation.slug])).content
        assert html.decode().count('id="side-next-title"') == shown, name


# --------------------------------------------------------------------------- #
# Proposal page
# --------------------------------------------------------------------------- #


def test_the_proposal_page_draws_its_status_track(client, demo):
    proposal = Proposal.objects.get(negotiation=demo, amount__isnull=False)
    response = client.get(reverse("negotiations:proposal", args=[demo.slug, proposal.pk]))
    html = response.content.decode()
    text = text_of(response)
    assert "<h1>U.S. demand: $500 billion in mineral profits</h1>" in html
    assert "Status now Withdrawn" in text
    assert "$500 billion (500,000,000,000 USD)" in text
    track = section(html, "track-title")
    steps = [s.split("</span>")[0] for s in track.split('<span class="track-status">')[1:]]
    assert steps == ["Proposed", "Rejected", "Withdrawn"]
    assert 'class="track-step is-current is-closed"' in track
    said = section(html, "statements-title")
    assert said.count('class="entry kind-statement') == 2
    assert said.count("Opposes") == 2
    assert "Counters Minerals partnership to strengthen Kyiv" in text


def test_a_proposal_of_another_negotiation_is_a_404(client, demo, negotiation):
    proposal = Proposal.objects.filter(negotiation=demo).first()
    assert (
        client.get(
            reverse("negotiations:proposal", args=[negotiation.slug, proposal.pk])
        ).status_code
        == 404
    )
    statement = Statement.objects.filter(negotiation=demo).first()
    assert (
        client.get(reverse("negotiations:proposal", args=[demo.slug, statement.pk])).status_code
        == 404
    )


BEYOND_64_BITS = (2**63, 2**64, 10**30)


def test_ids_beyond_64_bits_in_an_address_are_a_404(client, demo):
    """SQLite cannot compare such a number (OverflowError, a 500); they name nothing."""
    base = f"/negotiations/{demo.slug}"
    for pk in (*BEYOND_64_BITS, 0):
        assert client.get(f"{base}/proposals/{pk}/").status_code == 404, pk
        assert client.get(f"/negotiations/{pk}/").status_code == 404
        assert client.get(f"/actors/{pk}/").status_code == 404
        assert client.get(f"/embed/negotiations/{pk}/").status_code == 404
    largest = f"{base}/proposals/{2**63 - 1}/"  # a possible id, just not one in use
    assert client.get(largest).status_code == 404
    for path in (f"{base}/proposals/٥/", f"{base}/proposals/1.5/"):
        assert client.get(path).status_code == 404
    proposal = Proposal.objects.filter(negotiation=demo).first()
    assert client.get(f"{base}/proposals/{proposal.pk}/").status_code == 200
    # A permalink or cursor beyond 64 bits is one that cannot be read, as any other:
    # the page says so and shows the latest entries.
    for query in (f"?entry={2**64}", f"?before=2025-02-23.1.{2**64}"):
        response = client.get(f"{base}/{query}")
        assert response.status_code == 200, query
        assert "could not be read" in response.content.decode(), query


# --------------------------------------------------------------------------- #
# Actor page
# --------------------------------------------------------------------------- #


def test_the_actor_page(client, demo):
    response = client.get(reverse("negotiations:actor", args=["volodymyr-zelenskyy"]))
    html = response.content.decode()
    text = text_of(response)
    assert "<h1>Volodymyr Zelenskyy</h1>" in html
    assert "President of Ukraine" in text
    assert "Speaks for Government of Ukraine" in text
    stances = section(html, "stances-title")
    assert stances.count("<tr>") == 3  # header and two stances, oldest first
    assert stances.index("February 2025") < stances.index("23 February 2025")
    assert "Opposes" in stances and "Associated Press" in stances
    assert section(html, "statements-title").count('class="entry kind-statement') == 2
    assert "Minerals partnership to strengthen Kyiv" in section(html, "proposals-title")


def test_a_government_page_gathers_those_who_speak_for_it(client, demo):
    html = client.get(reverse("negotiations:actor", args=["government-of-ukraine"])).content
    html = html.decode()
    assert "Speaking for it:" in html and "Andriy Yermak" in html
    statements = section(html, "statements-title")
    assert "It can be lithium." in statements and "ten generations" in statements


def test_an_unknown_actor_is_a_404(client, db):
    assert client.get("/actors/nobody/").status_code == 404


# --------------------------------------------------------------------------- #
# Positions
# --------------------------------------------------------------------------- #


def test_positions_matrix(client, demo):
    response = client.get(reverse("negotiations:positions", args=[demo.slug]))
    html = response.content.decode()
    table = html.split('<table class="positions">')[1].split("</table>")[0]
    header = table.split("</thead>")[0]
    assert header.index("Minerals partnership") < header.index("U.S. demand")
    rows = {
        row.split("</a>")[0].rsplit(">", 1)[1]: row
        for row in table.split("<tbody>")[1].split("<tr>")[1:]
    }
    assert set(rows) == {"Donald Trump", "Volodymyr Zelenskyy"}
    trump = rows["Donald Trump"].split("<td>")
    assert "Supports" in trump[1] and "No stance recorded" in trump[2]
    zelenskyy = rows["Volodymyr Zelenskyy"].split("<td>")
    assert "No stance recorded" in zelenskyy[1]
    assert "Opposes" in zelenskyy[2]
    assert '<time datetime="2025-02-23">23 February 2025</time>' in zelenskyy[2]  # the latest
    assert "Associated Press" in zelenskyy[2]


def test_a_changed_stance_shows_the_latest_and_the_earlier(client, negotiation):
    actor = factories.ActorFactory(name="Envoy")
    proposal = factories.ProposalFactory(negotiation=negotiation, title="Ceasefire")
    for date, stance in [("2025-01", Stance.OPPOSES), ("2025-02", Stance.CONDITIONAL)]:
        factories.StatementFactory(
            negotiation=negotiation, actor=actor, proposal=proposal, stance=stance, date=date
        )
    html = client.get(reverse("negotiations:positions", args=[negotiation.slug])).content
    cell = html.decode().split("<td>")[1]
    assert "Conditional" in cell and "Earlier: Opposes" in cell


def test_no_positions_yet(client, negotiation):
    html = client.get(reverse("negotiations:positions", args=[negotiation.slug])).content
    assert b"No stance on a proposal has been recorded yet." in html
