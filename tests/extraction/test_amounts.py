"""Money: value and ISO 4217 currency; ranges are two amounts; shares are none."""

from decimal import Decimal

import pytest

from negotiations.extraction.amounts import find_amounts
from negotiations.extraction.hints import KnownProposal

from .conftest import run


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a price tag of $500 billion", [("500000000000", "USD")]),
        ("a €1.5bn package", [("1500000000", "EUR")]),
        ("500 billion dollars in profits", [("500000000000", "USD")]),
        ("£3 billion a year", [("3000000000", "GBP")]),
        ("120 billion hryvnias for drones", [("120000000000", "UAH")]),
        ("US$2.5 million", [("2500000", "USD")]),
        ("EUR 300 million", [("300000000", "EUR")]),
        ("five billion euros", [("5000000000", "EUR")]),
        ("worth $80 to $100 billion", [("80000000000", "USD"), ("100000000000", "USD")]),
        ("between $10 billion and $15 billion", [("10000000000", "USD"), ("15000000000", "USD")]),
        ("projects worth $5-7 billion", [("5000000000", "USD"), ("7000000000", "USD")]),
        ("10 to 15 billion dollars", [("10000000000", "USD"), ("15000000000", "USD")]),
        ("$50 and 60 people", [("50", "USD")]),
        ("10 million Canadian dollars", [("10000000", "CAD")]),
        ("3 million Mexican pesos", [("3000000", "MXN")]),
        ("Chile's miners want 40 billion pesos", [("40000000000", "CLP")]),
        ("a fine of 9 million pesos", []),
        ("a $20-billion fund", [("20000000000", "USD")]),
        ("Rs 500 crore for roads", [("5000000000", "INR")]),
        ("R$5 billion in credit", [("5000000000", "BRL")]),
        ("5 trillion won in chips", [("5000000000000", "KRW")]),
        ("they won 3 seats", []),
        ("Beijing pledged ¥100 billion to China's exporters", [("100000000000", "CNY")]),
        ("¥580 billion in Tokyo", [("580000000000", "JPY")]),
    ],
)
def test_value_and_currency(text, expected):
    found = [(a.value, a.currency) for a in find_amounts(text)]
    assert found == [(Decimal(value), currency) for value, currency in expected]


@pytest.mark.parametrize(
    "text",
    [
        "half of the revenues",
        "6.1% of GDP and 30% of exports",
        "50 percent of the fund",
        "1,000 prisoners and 175 soldiers",
        "27 member states in 2021",
        "a dollar",
    ],
)
def test_shares_percentages_and_counts_are_not_amounts(text):
    assert find_amounts(text) == []


def test_an_amount_names_the_known_proposal_of_that_amount_and_its_sentence():
    text = "Kyiv rejected the request for $500 billion. It wants €2 billion instead."
    proposals = [KnownProposal(7, "U.S. demand", Decimal("500000000000.00"), "USD")]
    first, second = run(text, proposals=proposals)["amounts"]
    assert (first["value"], first["currency"], first["proposal"]) == ("500000000000.00", "USD", 7)
    assert first["proposal_title"] == "U.S. demand"
    assert text[slice(*first["offsets"])] == "$500 billion"
    assert first["sentence"]["text"] == "Kyiv rejected the request for $500 billion."
    assert (second["value"], second["currency"], second["proposal"]) == (
        "2000000000.00",
        "EUR",
        None,
    )
