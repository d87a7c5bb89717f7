"""Pictures drawn on the server as SVG, each with a text alternative."""

import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse

from negotiations.reader.charts.money import format_amount, format_amount_exact
from tests import factories

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(client, name, negotiation):
    response = client.get(reverse(f"negotiations:{name}", args=[negotiation.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    return ET.fromstring(response.content)


def test_the_lanes_picture_has_a_lane_per_party_and_a_mark_per_entry(client, demo):
    root = svg_of(client, "lanes_svg", demo)
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    texts = {el.get("id"): el.text for el in root.iter() if el.get("id") in labelled}
    assert texts["lanes-wide-title"] == "US–Ukraine minerals deal: who acted when"
    description = texts["lanes-wide-desc"]
    assert description.startswith("17 entries from 24 February 2022 to 23 February 2025")
    assert "Government of Ukraine: 9 entries" in description
    assert "Government of the United States: 6 entries" in description
    assert "Others: 2 entries" in description
    lanes = [
        "".join(t.text for t in text.iter(f"{SVG}tspan"))
        for text in root.iter(f"{SVG}text")
        if text.get("font-weight") == "600"
    ]
    assert lanes == ["Government ofUkraine", "Government of theUnited States", "Others"]
    marks = [g for g in root.iter(f"{SVG}g") if "mark" in (g.get("class") or "")]
    # One mark per entry: 17 entries, 17 marks.
    assert len(marks) == 17
    assert all(g.find(f"{SVG}title").text for g in marks)
    titles = [g.find(f"{SVG}title").text for g in marks]
    assert len([t for t in titles if "full-scale invasion" in t]) == 1
    # The invasion (Ukraine and Russia) and the talks (both parties) reach a second
    # lane with a line, not a second mark.
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "joint"]) == 2


@pytest.mark.parametrize("variant", ["wide", "tall"])
def test_the_key_moments_are_labelled_on_the_picture(client, demo, variant):
    from negotiations.reader.charts.lanes import lanes

    entries = list(demo.entries.timeline().order_by("date_start", "sequence", "pk"))
    chart = lanes(entries, demo.parties.all(), title="t")
    root = ET.fromstring(str(getattr(chart, variant).svg))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "700"]
    # The $500 billion demand: demanded, rejected, withdrawn, in that order.
    story = [label for label in labels if label.startswith("$500bn")]
    assert story == ["$500bn proposed", "$500bn rejected", "$500bn withdrawn"]
    assert "Expected by 2 Mar 2025" in labels or "Due 2 Mar 2025" in labels
    # The text alternative says them all.
    assert "Feb 2025, $500bn rejected; 23 Feb 2025, $500bn withdrawn" in chart.description
    # Every label lies inside the drawing.
    width = float(root.get("width"))
    for text in root.iter(f"{SVG}text"):
        if text.get("x") is not None:
            assert 0 <= float(text.get("x")) <= width


def test_the_phone_drawing_runs_to_scale_too(client, demo):
    from negotiations.reader.charts.lanes import lanes

    entries = list(demo.entries.timeline().order_by("date_start", "sequence", "pk"))
    root = ET.fromstring(str(lanes(entries, demo.parties.all(), title="t").tall.svg))
    ys = {
        t.text: float(t.get("y"))
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "end" and t.get("font-size") == "12"
    }
    assert list(ys) == ["24 Feb 2022", "2024", "2025", "Feb 2025", "23 Feb 2025"]
    # 1 Jan → 1 Feb 2025 (31 days) takes more room than 1 → 23 Feb (22 days), to scale;
    # the years between 2022 and 2025 are two breaks.
    assert (ys["Feb 2025"] - ys["2025"]) / (ys["23 Feb 2025"] - ys["Feb 2025"]) == pytest.approx(
        31 / 22, rel=0.01
    )
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "time-break"]) == 2
    # Tick labels never overlap: 15 px apart at least.
    tops = sorted(ys.values())
    assert all(b - a >= 15 for a, b in itertools.pairwise(tops))


def test_the_amounts_picture(client, demo):
    root = svg_of(client, "amounts_svg", demo)
    description = root.find(f"{SVG}desc").text
    assert "February 2025: U.S. demand: $500 billion in mineral profits, $500 billion" in (
        description
    )
    assert "(Withdrawn)" in description
    labels = [t.text for t in root.iter(f"{SVG}text")]
    # An offers ladder: who asked whom, and the amount with what became of it.
    assert "$500bn — Withdrawn" in labels and "$0" in labels
    assert (
        "Feb 2025 · Government of the United States → Government of Ukraine, Volodymyr Zelenskyy"
        in labels
    )
    # Every bar lies inside the drawing.
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("x")) + float(rect.get("width")) <= float(root.get("width"))
        assert 0 <= float(rect.get("y")) <= float(root.get("height"))


def test_the_ladder_reads_with_twenty_amounts(client, negotiation):
    for n in range(1, 21):
        factories.ProposalFactory(negotiation=negotiation, amount=n * 10**9, currency="USD")
    root = svg_of(client, "amounts_svg", negotiation)
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert len(bars) == 20
    tops = sorted(float(g.find(f"{SVG}rect").get("y")) for g in bars)
    assert all(b - a >= 40 for a, b in itertools.pairwise(tops))  # rows never overlap
    assert float(root.get("height")) >= 20 * 40


def test_no_amounts_no_amounts_picture(client, negotiation):
    factories.ProposalFactory(negotiation=negotiation)
    response = client.get(reverse("negotiations:amounts_svg", args=[negotiation.slug]))
    assert response.status_code == 404
    html = client.get(negotiation.get_absolute_url()).content.decode()
    assert "Amounts proposed over time" not in html


def test_the_page_gives_the_pictures_in_words(client, demo):
    html = client.get(demo.get_absolute_url()).content.decode()
    assert html.count('role="img"') == 4  # wide and tall drawings of two pictures
    words = html.split("<summary>The picture in words</summary>")[1].split("</details>")[0]
    assert '<p class="lane-name">Government of Ukraine</p>' in words
    assert re.search(
        r'<a href="#entry-\d+"><time datetime="2025-02">Sometime in February 2025</time>: '
        "Volodymyr Zelenskyy",
        words,
    )
    table = html.split("<summary>The amounts as a table</summary>")[1].split("</details>")[0]
    assert '<th scope="row">' in table and "$500 billion" in table and "Withdrawn" in table


def test_the_lanes_run_to_scale_with_breaks_for_long_gaps(client, demo):
    root = svg_of(client, "lanes_svg", demo)
    # 2022 → 2024 → 2025: two long gaps, each drawn as a break.
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "time-break"]) == 2
    ticks = {
        t.text: float(t.get("x"))
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "middle" and t.get("fill") == "#3d434a" and t.text
    }
    # Within February 2025, to scale: the 22 days from the 1st to the 23rd take room.
    assert ticks["23 Feb 2025"] - ticks["Feb 2025"] > 100
    # Labels never overlap (12 px text: at least 7 px a character) nor leave the drawing.
    placed = sorted((x, len(label) * 7 / 2) for label, x in ticks.items())
    assert all(a + wa < b - wb for (a, wa), (b, wb) in itertools.pairwise(placed))
    assert all(x + w <= float(root.get("width")) for x, w in placed)


def test_time_scale_places_dates_in_stretches():
    from negotiations.dates import PartialDate
    from negotiations.reader.charts.lanes import time_scale

    dates = [PartialDate.parse(d) for d in ("2022-02-24", "2025-02-01", "2025-02-11", "2025-02-21")]
    xs, breaks = time_scale(dates, 500)
    assert len(breaks) == 1 and xs[0] < breaks[0] < xs[1]
    assert abs((xs[2] - xs[1]) - (xs[3] - xs[2])) < 0.01  # ten days each: to scale
    assert time_scale([], 500) == ([], [])


def test_several_amounts_and_currencies(client, negotiation):
    for amount, currency in [(1_500_000_000, "USD"), (3_000_000_000, "USD"), (250, "CHF")]:
        factories.ProposalFactory(negotiation=negotiation, amount=amount, currency=currency)
    html = client.get(negotiation.get_absolute_url()).content.decode()
    assert "Who asked how much of whom (USD)" in html
    assert "Who asked how much of whom (CHF)" in html
    assert "$1.5bn" in html and "$3bn" in html


@pytest.mark.parametrize(
    ("amount", "currency", "spoken", "exact"),
    [
        (Decimal("500000000000.00"), "USD", "$500 billion", "500,000,000,000 USD"),
        (Decimal("1500000"), "EUR", "€1.5 million", "1,500,000 EUR"),
        (Decimal("2000000000000"), "UAH", "₴2 trillion", "2,000,000,000,000 UAH"),
        (Decimal("1250.50"), "CHF", "1,250.50 CHF", "1,250.50 CHF"),
        (Decimal("7"), "USD", "$7", "7 USD"),
    ],
)
def test_amounts_are_written_as_people_say_them(amount, currency, spoken, exact):
    assert format_amount(amount, currency) == spoken
    assert format_amount_exact(amount, currency) == exact
