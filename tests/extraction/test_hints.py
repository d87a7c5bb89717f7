"""Hints of a status change of a known proposal, and of expectations."""

from decimal import Decimal

from negotiations.extraction.hints import KnownProposal

from .conftest import run

DEMAND = KnownProposal(
    9, "U.S. demand: $500 billion in mineral profits", Decimal("500000000000.00"), "USD"
)


def hints(text):
    return [
        (h["kind"], h["status"], h["proposal"], h["speaker_name"])
        for h in run(text, proposals=[DEMAND])["hints"]
    ]


def test_a_withdrawal_of_the_proposal_named_by_its_amount():
    text = "Zelenskyy said the request for $500 billion had been taken “off the table.”"
    assert hints(text) == [("status", "withdrawn", 9, "Volodymyr Zelenskyy")]


def test_a_rejection_of_the_offer_mentioned_before():
    text = "Washington asked for $500 billion. But Zelenskyy has rejected the offer."
    assert ("status", "rejected", 9, "Volodymyr Zelenskyy") in hints(text)


def test_a_signature_but_not_a_future_or_denied_one():
    assert hints("Kyiv signed the agreement on Wednesday.")[0][:2] == ("status", "signed")
    assert hints("Kyiv did not sign the agreement; it was not signed.") == []
    assert [h[:2] for h in hints("The agreement will be signed on Friday.")] == [
        ("expectation", "")
    ]


def test_an_expectation_with_its_due_date():
    text = "Witkoff said on Sunday that he expects a deal to be reached this week."
    (hint,) = run(text)["hints"]
    assert (hint["kind"], hint["cue"]) == ("expectation", "expects")
    assert hint["date"]["start"] == "2025-02-23"
    assert (hint["due"]["phrase"], hint["due"]["end"]) == ("this week", "2025-03-02")
