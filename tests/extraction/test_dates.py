"""Date phrases resolved against the article's date, with their precision."""

import pytest

from negotiations.extraction.pipeline import stored_date

from .conftest import run

TUESDAY = "2025-02-25"


def dates(text, published=TUESDAY):
    return [
        (d["phrase"], d["start"], d["end"], d["precision"]) for d in run(text, published)["dates"]
    ]


@pytest.mark.parametrize(
    ("text", "phrase", "start", "end", "precision"),
    [
        ("Zelenskyy spoke on Sunday.", "on Sunday", "2025-02-23", "2025-02-23", "day"),
        ("They will meet on Sunday.", "on Sunday", "2025-03-02", "2025-03-02", "day"),
        ("They met on Tuesday.", "on Tuesday", TUESDAY, TUESDAY, "day"),
        ("The envoys talked last week.", "last week", "2025-02-17", "2025-02-23", "week"),
        ("A deal is expected this week.", "this week", "2025-02-24", "2025-03-02", "week"),
        ("They meet again next week.", "next week", "2025-03-03", "2025-03-09", "week"),
        ("It was proposed last fall.", "last fall", "2024-09-01", "2024-11-30", "season"),
        ("It was proposed last winter.", "last winter", "2023-12-01", "2024-02-29", "season"),
        (
            "It will be ratified in the spring.",
            "in the spring",
            "2025-03-01",
            "2025-05-31",
            "season",
        ),
        ("The fall of 2024 was quiet.", "The fall of 2024", "2024-09-01", "2024-11-30", "season"),
        ("They signed on Feb. 28.", "on Feb. 28", "2024-02-28", "2024-02-28", "day"),
        ("They will sign on Feb. 28.", "on Feb. 28", "2025-02-28", "2025-02-28", "day"),
        ("It began on Feb. 24, 2022.", "on Feb. 24, 2022", "2022-02-24", "2022-02-24", "day"),
        ("It began on 24 February 2022.", "on 24 February 2022", "2022-02-24", "2022-02-24", "day"),
        ("The war began three years ago.", "three years ago", "2022-01-01", "2022-12-31", "year"),
        ("It was drafted two months ago.", "two months ago", "2024-12-01", "2024-12-31", "month"),
        (
            "He said it earlier this month.",
            "earlier this month",
            "2025-02-01",
            "2025-02-28",
            "month",
        ),
        ("Talks stalled last month.", "last month", "2025-01-01", "2025-01-31", "month"),
        ("Aid has flowed since January.", "since January", "2025-01-01", "2025-01-31", "month"),
        ("They could meet in March.", "in March", "2025-03-01", "2025-03-31", "month"),
        ("Talks were dropped in December.", "in December", "2024-12-01", "2024-12-31", "month"),
        ("In 2021 the industry grew.", "In 2021", "2021-01-01", "2021-12-31", "year"),
        ("Talks resume in March 2026.", "in March 2026", "2026-03-01", "2026-03-31", "month"),
        ("Aid doubled last year.", "last year", "2024-01-01", "2024-12-31", "year"),
        ("It was signed yesterday.", "yesterday", "2025-02-24", "2025-02-24", "day"),
        (
            "“We cannot wait until the autumn,” he said.",
            "until the autumn",
            "2025-09-01",
            "2025-11-30",
            "season",
        ),
        ("They waited until the autumn.", "until the autumn", "2024-09-01", "2024-11-30", "season"),
        (
            "It is due by the end of the month.",
            "by the end of the month",
            "2025-02-28",
            "2025-02-28",
            "day",
        ),
        (
            "It is due by the end of March.",
            "by the end of March",
            "2025-03-31",
            "2025-03-31",
            "day",
        ),
        (
            "The lease runs until the end of 2031.",
            "until the end of 2031",
            "2031-12-31",
            "2031-12-31",
            "day",
        ),
        (
            "Payments start by the beginning of next year.",
            "by the beginning of next year",
            "2026-01-01",
            "2026-01-01",
            "day",
        ),
        (
            "It was agreed at the end of January.",
            "at the end of January",
            "2025-01-01",
            "2025-01-31",
            "month",
        ),
        (
            "They hope to sign before the end of the year.",
            "before the end of the year",
            "2025-12-31",
            "2025-12-31",
            "day",
        ),
        (
            "Prices fell in the middle of 2019.",
            "in the middle of 2019",
            "2019-01-01",
            "2019-12-31",
            "year",
        ),
        (
            "PARIS, Feb 25 (Reuters) - Farmers will block the roads.",
            "Feb 25",
            "2025-02-25",
            "2025-02-25",
            "day",
        ),
        (
            "Strikes will start after talks broke down on Monday.",
            "on Monday",
            "2025-02-24",
            "2025-02-24",
            "day",
        ),
        ("It will take effect in mid-April.", "mid-April", "2025-04-01", "2025-04-30", "month"),
        ("Leaders meet on March 3.", "on March 3", "2025-03-03", "2025-03-03", "day"),
        ("The vote is set for Feb. 27.", "Feb. 27", "2025-02-27", "2025-02-27", "day"),
        (
            "Envoys are in Riyadh for talks in August.",
            "in August",
            "2025-08-01",
            "2025-08-31",
            "month",
        ),
        (
            "Envoys are in Riyadh after talks in October.",
            "in October",
            "2024-10-01",
            "2024-10-31",
            "month",
        ),
    ],
)
def test_a_phrase_resolves_to_its_period(text, phrase, start, end, precision):
    assert dates(text) == [(phrase, start, end, precision)]


def test_the_same_day_is_the_day_named_before_it():
    text = "Zelenskyy spoke on Sunday. Witkoff said the same day that a deal was near."
    assert dates(text)[1] == ("the same day", "2025-02-23", "2025-02-23", "day")


@pytest.mark.parametrize(
    "text",
    [
        "All contents © copyright 2025 Associated Press.",
        "They have been at war for nearly three years.",
        "Negotiators may march on.",
        "In recent days the talks deepened.",
    ],
)
def test_what_is_not_a_date(text):
    assert dates(text) == []


def test_a_week_or_season_is_kept_as_the_month_or_year_that_holds_it():
    import datetime

    def kept(first, last, precision):
        stored = stored_date(datetime.date(*first), datetime.date(*last), precision)
        return stored["date"], stored["precision"], bool(stored["note"])

    assert kept((2025, 2, 17), (2025, 2, 23), "week") == ("2025-02", "month", True)
    assert kept((2025, 2, 24), (2025, 3, 2), "week") == ("2025", "year", True)
    assert kept((2024, 9, 1), (2024, 11, 30), "season") == ("2024", "year", True)
    assert kept((2024, 12, 1), (2025, 2, 28), "season") == ("2024", "year", True)
    assert kept((2025, 2, 23), (2025, 2, 23), "day") == ("2025-02-23", "day", False)
    note = stored_date(datetime.date(2024, 9, 1), datetime.date(2024, 11, 30), "season")["note"]
    assert note == (
        "A season (1 Sep – 30 Nov 2024) is kept as 2024: Parley stores a day, a month or a year."
    )


def test_a_statement_takes_the_date_of_its_sentence_or_else_the_articles():
    answer = run("Zelenskyy said on Sunday that the offer was gone. “We are close,” Bessent said.")
    first, second = answer["statements"][1], answer["statements"][0]
    assert first["date"]["stored"] == {"date": "2025-02-23", "precision": "day", "note": ""}
    assert second["date"]["stored"]["date"] == TUESDAY
