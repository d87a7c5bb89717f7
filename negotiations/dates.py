"""Dates that keep their precision.

A timeline date is known to the year, the month or the day. It is stored as the
first day of its period plus a precision, written and read as an EDTF level-0
string ("2025", "2025-02", "2025-02-23") and shown to readers as people write it
("2025", "February 2025", "23 February 2025"). Parsing and formatting live here
and nowhere else.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


class DatePrecision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


# ASCII digits only: "２０２５" is not a year a data desk can sort on.
_EDTF = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$", re.ASCII)

PARTIAL_DATE_HELP = 'A year, month or day: "2025", "2025-02" or "2025-02-23".'


@dataclass(frozen=True, order=True)
class PartialDate:
    start: datetime.date
    precision: str = DatePrecision.DAY

    @classmethod
    def parse(cls, value):
        """Read an EDTF level-0 string (or a date, or a PartialDate).

        Raises ValidationError with a sentence a journalist understands.
        """
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return cls(value, DatePrecision.DAY)
        if not isinstance(value, str):
            raise ValidationError(PARTIAL_DATE_HELP, code="invalid")
        # The value goes in as a parameter, never into the message itself: whoever
        # renders the error formats it with "%", which "%" or "%s" typed in would break.
        shown = {"value": value[:40]}
        match = _EDTF.match(value.strip())
        if not match:
            raise ValidationError(
                f'"%(value)s" is not a date. {PARTIAL_DATE_HELP}', code="invalid", params=shown
            )
        year, month, day = match["year"], match["month"], match["day"]
        try:
            start = datetime.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            raise ValidationError(
                f'"%(value)s" is not a date that exists. {PARTIAL_DATE_HELP}',
                code="invalid",
                params=shown,
            ) from None
        if int(year) < 1:
            raise ValidationError(
                '"%(value)s": the year must be 0001 or later.', code="invalid", params=shown
            )
        precision = (
            DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
        )
        return cls(start, precision)

    @property
    def end(self):
        """The last day of the period."""
        if self.precision == DatePrecision.DAY:
            return self.start
        if self.precision == DatePrecision.MONTH:
            # Not "first of next month minus a day": December 9999 has no next month.
            last_day = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last_day)
        return self.start.replace(month=12, day=31)

    @property
    def edtf(self):
        if self.precision == DatePrecision.YEAR:
            return f"{self.start.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def human(self):
        if self.precision == DatePrecision.YEAR:
            return str(self.start.year)
        if self.precision == DatePrecision.MONTH:
            return f"{self.start:%B} {self.start.year}"
        return f"{self.start.day} {self.start:%B} {self.start.year}"

    @property
    def short(self):
        """ "23 Feb 2025", "Feb 2025", "2025": key developments, axis labels."""
        if self.precision == DatePrecision.YEAR:
            return str(self.start.year)
        if self.precision == DatePrecision.MONTH:
            return f"{self.start:%b} {self.start.year}"
        return f"{self.start.day} {self.start:%b} {self.start.year}"

    @property
    def is_approximate(self):
        """Known only to the month or the year."""
        return self.precision != DatePrecision.DAY

    @property
    def reading(self):
        """The date as a sentence says it, honest about its precision: "23 February
        2025", "sometime in February 2025", "sometime in 2024"."""
        return f"sometime in {self.human}" if self.is_approximate else self.human

    def __str__(self):
        return self.edtf


def normalize_precision(start, precision):
    """The first day of the period a (date, precision) pair names."""
    if precision == DatePrecision.YEAR:
        return start.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return start.replace(day=1)
    return start


def check_range(start, end):
    """A range of periods (PartialDates, either may be None) must not end before it
    starts: the one rule of the pages' ``from``/``to`` and the API's ``since``/``until``."""
    if start is not None and end is not None and start.start > end.end:
        raise ValidationError("The start of the range must not be after its end.")
