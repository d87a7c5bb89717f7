import datetime

import pytest
from django.core.exceptions import ValidationError

from negotiations.dates import DatePrecision, PartialDate


@pytest.mark.parametrize(
    ("text", "start", "precision", "human"),
    [
        ("2025", datetime.date(2025, 1, 1), DatePrecision.YEAR, "2025"),
        ("2025-02", datetime.date(2025, 2, 1), DatePrecision.MONTH, "February 2025"),
        ("2025-02-23", datetime.date(2025, 2, 23), DatePrecision.DAY, "23 February 2025"),
    ],
)
def test_partial_dates_keep_their_precision(text, start, precision, human):
    date = PartialDate.parse(text)
    assert (date.start, date.precision) == (start, precision)
    assert date.edtf == text
    assert date.human == human


@pytest.mark.parametrize(
    "text",
    [
        "2025-13",
        "2025-02-30",
        "2025-13-40",
        "yesterday",
        "25/02/2025",
        "",
        "20255",
        "0000",
        "２０２５-٠٢",
    ],
)
def test_impossible_or_unreadable_dates_are_refused_in_words(text):
    with pytest.raises(ValidationError) as error:
        PartialDate.parse(text)
    assert "2025-02-23" in error.value.messages[0]


@pytest.mark.parametrize("text", ["%", "%s", "%(value)s", "20%d", "%%"])
def test_format_characters_are_quoted_as_typed(text):
    """Error renderers format messages with "%" (django-filter always does): what was
    typed goes in as a parameter, so "%s" reads back as "%s" and breaks nothing."""
    with pytest.raises(ValidationError) as error:
        PartialDate.parse(text)
    assert error.value.messages == [
        f'"{text}" is not a date. A year, month or day: "2025", "2025-02" or "2025-02-23".'
    ]
    assert error.value.message % error.value.params == error.value.messages[0]


def test_a_partial_date_sorts_at_the_start_of_its_period():
    dates = [PartialDate.parse(t) for t in ["2025-02-23", "2025-02", "2025", "2024-12-31"]]
    assert [d.edtf for d in sorted(dates)] == ["2024-12-31", "2025", "2025-02", "2025-02-23"]


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2024-02", datetime.date(2024, 2, 29)),
        ("2025-12", datetime.date(2025, 12, 31)),
        ("2025", datetime.date(2025, 12, 31)),
        ("2025-02-23", datetime.date(2025, 2, 23)),
    ],
)
def test_the_end_of_a_period(text, end):
    assert PartialDate.parse(text).end == end
