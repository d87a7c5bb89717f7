"""Date phrases resolved against the article's date.

"on Sunday", "last week", "last fall", "on Feb. 28", "three years ago": each becomes a
period with its precision — day, week (Monday to Sunday), month, season (meteorological:
fall is 1 September to 30 November) or year ("three years ago" is that calendar year).
Weekdays, bare months and seasons follow the tense of the words around them: past
("met on Tuesday") or coming ("will meet on Tuesday"). Absolute dates are read by
dateparser.
"""

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

from negotiations.extraction import lexicon

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_SEASON = r"(?:spring|summer|fall|autumn|winter)"
_REL = r"(?:last|this|next|past|coming)"
_NUMBER = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
_PREP = r"(?:(?:on|in|by|since|until|till|before|after|from|through|during|early|late|mid-?)\s+)"

_ORD = r"(?:st|nd|rd|th)?"
_PART_OF = (
    r"(?:(?:by|until|till|before|after|since|from|at|in)\s+)?"
    r"(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+"
)
_SEASON_PREP = r"(?:in|until|till|before|by|after|during|since|through)"
_MONTH_PREP = r"in|since|until|by|from|through|before|after|early|late|mid-?"

PATTERNS = [
    ("day_mdy", rf"(?:{_PREP})?(?:{_WEEKDAY},?\s+)?{_MONTH}\s+\d{{1,2}}{_ORD}(?:,?\s+\d{{4}})?\b"),
    ("day_dmy", rf"(?:{_PREP})?\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?\b"),
    ("iso", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("end_of", rf"(?i:\b{_PART_OF}(?:the\s+|this\s+|next\s+|last\s+)?(?:month|year|week))\b"),
    ("end_of_month", rf"(?i:\b{_PART_OF}){_MONTH}(?:\s+\d{{4}})?\b"),
    ("end_of_year", rf"(?i:\b{_PART_OF})(?:19|20)\d{{2}}\b"),
    ("month_year", rf"(?:{_PREP})?{_MONTH}\s+(?:of\s+)?\d{{4}}\b"),
    ("season_year", rf"(?i:(?:{_PREP})?(?:the\s+)?{_SEASON}\s+(?:of\s+)?)\d{{4}}\b"),
    ("rel_season", rf"(?i:\b(?:earlier\s+|later\s+)?{_REL}\s+{_SEASON})\b"),
    ("bare_season", rf"(?i:\b{_SEASON_PREP}\s+(?:the\s+)?{_SEASON})\b"),
    ("rel_week", rf"(?i:\b(?:earlier\s+|later\s+)?{_REL}\s+week)\b"),
    ("rel_month", rf"(?i:\b(?:earlier\s+|later\s+|early\s+|late\s+)?{_REL}\s+month)\b"),
    ("rel_year", rf"(?i:\b(?:earlier\s+|later\s+|early\s+|late\s+)?{_REL}\s+year)\b"),
    ("ago", rf"(?i:\b{_NUMBER}\s+(?:day|week|month|year)s?\s+ago)\b"),
    ("same_day", r"(?i:\b(?:the\s+same\s+day|that\s+same\s+day))\b"),
    ("today", r"(?i:\b(?:today|tonight|yesterday|tomorrow))\b"),
    ("weekday", rf"(?:(?i:last|next|this|on|by|since|until|from)\s+)?{_WEEKDAY}\b"),
    ("bare_month", rf"(?:(?i:{_MONTH_PREP})\s*)?{_MONTH}\b(?!\s+\d)"),
    ("year", r"(?:(?i:in|since|until|by|from|through|before|after|of)\s+)?\b(?:19|20)\d{2}\b"),
]  # fmt: skip
COMPILED = [(name, re.compile(pattern)) for name, pattern in PATTERNS]

_FUTURE = re.compile(
    r"\b(will|won't|shall|'ll|’ll|going to|set to|set for|slated|scheduled|expected|expects?|"
    r"plans? to|due to|due (?:on|in|by|for)|would|could|upcoming|until|hopes? to|aims? to|"
    r"intends? to)\b",
    re.I,
)
_PAST = re.compile(
    r"\b(said|was|were|had|did|told|met|made|took|gave|came|went|left|held|sent|spoke|"
    r"wrote|began|won|lost|saw|flew|put|ago|since|broke|fell|rose|struck|brought|bought|"
    r"caught|chose|drew|drove|fought|found|froze|got|grew|kept|knew|led|paid|ran|sold|"
    r"sought|stood|thought|threw|withdrew|spent|became|fled|"
    r"forgot|forgave|heard|meant|rang|sank|shook|swore|taught|tore|understood|\w+ed)\b",
    re.I,
)
_NOT_PAST = {"expected", "scheduled", "planned", "needed", "united", "based", "red"}


@dataclass
class DatePhrase:
    phrase: str
    start: int  # offsets in the text
    end: int
    first: datetime.date  # the period
    last: datetime.date
    precision: str  # day, week, month, season, year


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _week(day):
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def _season(year, name):
    month = SEASONS[name]
    start = datetime.date(year, month, 1)
    last_month = (month + 2 - 1) % 12 + 1
    end_year = year + 1 if month == 12 else year
    return start, _month_end(end_year, last_month)


def _season_instances(name, around):
    return [_season(year, name) for year in range(around.year - 2, around.year + 2)]


_LOOKS_AHEAD = re.compile(r"^(until|till|before|by)\b", re.I)


def tense_near(text, start, end, sentence):
    """'future' or 'past': the marker nearest the phrase in its clause; failing that,
    "until"/"before"/"by" look ahead; failing that, the nearest in its sentence."""
    s_start, s_end = sentence
    clause_start = max(text.rfind(",", s_start, start), text.rfind(";", s_start, start), s_start)
    comma_after = [i for i in (text.find(",", end, s_end), text.find(";", end, s_end)) if i >= 0]
    clause_end = min(comma_after) if comma_after else s_end
    spans = [(clause_start, clause_end)]
    if _LOOKS_AHEAD.match(text[start:end]):
        spans.append(None)
    spans.append((s_start, s_end))
    for span in spans:
        if span is None:
            return "future"
        low, high = span
        markers = []
        for pattern, tense in ((_FUTURE, "future"), (_PAST, "past")):
            for match in pattern.finditer(text, low, high):
                if start <= match.start() < end:
                    continue
                word = match.group(0).lower()
                if tense == "past" and (
                    word in _NOT_PAST
                    or re.search(r"\b(be|been|being)\s+$", text[low : match.start()])
                ):
                    continue
                distance = start - match.end() if match.end() <= start else match.start() - end
                markers.append((distance, tense))
        if markers:
            return min(markers)[1]
    return None  # no tense: a date goes to its nearest occurrence, a weekday to the past


@functools.cache
def _parser(base, prefer):
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime.datetime.combine(base, datetime.time()),
            "PREFER_DATES_FROM": prefer,
            "REQUIRE_PARTS": ["day", "month"],
        },
    )


def _month_of(phrase):
    return MONTHS[re.search(_MONTH, phrase).group(0).lower().rstrip(".")]


def _strip_prep(phrase):
    return re.sub(rf"^{_PREP}", "", phrase, flags=re.I).strip()


def resolve(kind, phrase, published, tense, last_day):
    """The period a phrase names, or None; ``last_day`` is for "the same day"."""
    lower = phrase.lower()
    bare = _strip_prep(phrase)
    if kind in {"day_mdy", "day_dmy", "iso"}:
        phrase_date = re.sub(rf"^{_WEEKDAY},?\s+", "", bare)
        days = []
        for prefer in ["future", "past"] if tense is None else [tense]:
            data = _parser(published, prefer).get_date_data(phrase_date)
            if data and data.date_obj:
                days.append(data.date_obj.date())
        if days:
            day = min(days, key=lambda d: abs((d - published).days))  # the nearest, no tense
            if not re.search(r"\d{4}", bare) and (day.month, day.day) == (
                published.month,
                published.day,
            ):
                day = published  # the day of the story ("LONDON, Dec 3"), whatever the tense
            return day, day, "day"
        return None
    if kind == "month_year":
        month = _month_of(bare)
        year = int(re.search(r"\d{4}", bare).group(0))
        return datetime.date(year, month, 1), _month_end(year, month), "month"
    if kind in {"season_year", "rel_season", "bare_season"}:
        name = re.search(_SEASON, lower).group(0)
        if kind == "season_year":
            return (*_season(int(re.search(r"\d{4}", lower).group(0)), name), "season")
        instances = _season_instances(name, published)
        if "last" in lower or "past" in lower or (kind == "bare_season" and "since" in lower):
            chosen = [i for i in instances if i[1] < published][-1]
        elif "this" in lower:
            chosen = next(i for i in instances if i[1] >= published)
        elif "next" in lower or "coming" in lower:
            chosen = next(i for i in instances if i[0] > published)
        elif tense == "future":
            chosen = next(i for i in instances if i[1] >= published)
        else:
            chosen = [i for i in instances if i[0] <= published][-1]
        return (*chosen, "season")
    if kind == "rel_week":
        shift = {"last": -7, "past": -7, "next": 7, "coming": 7}.get(_rel(lower), 0)
        return (*_week(published + datetime.timedelta(days=shift)), "week")
    if kind == "rel_month":
        year, month = published.year, published.month
        shift = {"last": -1, "past": -1, "next": 1, "coming": 1}.get(_rel(lower), 0)
        month += shift
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return datetime.date(year, month, 1), _month_end(year, month), "month"
    if kind == "rel_year":
        year = published.year + {"last": -1, "past": -1, "next": 1, "coming": 1}.get(_rel(lower), 0)
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"
    if kind == "ago":
        number, unit = re.match(rf"({_NUMBER})\s+(\w+?)s?\s+ago", lower).groups()
        count = int(number) if number.isdigit() else lexicon.NUMBER_WORDS[number]
        if unit == "year":
            year = published.year - count
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"
        if unit == "month":
            month = published.month - count
            year, month = published.year + (month - 1) // 12, (month - 1) % 12 + 1
            return datetime.date(year, month, 1), _month_end(year, month), "month"
        if unit == "week":
            return (*_week(published - datetime.timedelta(weeks=count)), "week")
        day = published - datetime.timedelta(days=count)
        return day, day, "day"
    if kind in {"end_of", "end_of_month", "end_of_year"}:
        return _part_of(kind, phrase, published, tense, last_day)
    if kind == "same_day":
        return (last_day, last_day, "day") if last_day else None
    if kind == "today":
        shift = {"yesterday": -1, "tomorrow": 1}.get(lower, 0)
        day = published + datetime.timedelta(days=shift)
        return day, day, "day"
    if kind == "weekday":
        weekday = WEEKDAYS.index(re.search(_WEEKDAY, phrase).group(0).lower())
        back = (published.weekday() - weekday) % 7
        ahead = (weekday - published.weekday()) % 7
        if lower.startswith("last"):
            back = back or 7
            day = published - datetime.timedelta(days=back)
        elif lower.startswith("next"):
            day = published + datetime.timedelta(days=ahead or 7)
        elif tense == "future" or lower.startswith(("until", "from")):
            day = published + datetime.timedelta(days=ahead)
        else:
            day = published - datetime.timedelta(days=back)
        return day, day, "day"
    if kind == "bare_month":
        month = _month_of(phrase)
        if lower.startswith("since"):
            tense = "past"
        year = published.year
        if tense is None:  # the nearest: "in March" in a November story is next March
            year += (month - published.month < -6) - (month - published.month > 6)
        elif tense == "future" and month < published.month:
            year += 1
        elif tense != "future" and month > published.month:
            year -= 1
        return datetime.date(year, month, 1), _month_end(year, month), "month"
    if kind == "year":
        year = int(re.search(r"\d{4}", phrase).group(0))
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"
    return None


_DEADLINE = re.compile(r"(?i)^(by|before|until|till|through)\s+(?:the\s+)?(end|beginning|start)\b")


def _part_of(kind, phrase, published, tense, last_day):
    """ "at the end of March": the period it is part of, at that period's precision; a
    deadline ("by the end of the year", "until the end of 2027") is its last day (its
    first, for "by the start of …")."""
    inner = re.sub(r"(?i)^(?:\w+\s+)?(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+", "", phrase)
    inner = re.sub(r"(?i)^the\s+", "", inner)
    if kind == "end_of_month":
        tense_kind = "month_year" if re.search(r"\d{4}", inner) else "bare_month"
        period = resolve(tense_kind, inner, published, tense, last_day)
    elif kind == "end_of_year":
        period = resolve("year", inner, published, tense, last_day)
    else:
        unit = inner.split()[-1].lower()
        relative = inner if re.match(_REL, inner, re.I) else f"this {unit}"
        period = resolve(f"rel_{unit}", relative, published, tense, last_day)
    deadline = _DEADLINE.match(phrase)
    if period is None or not deadline:
        return period
    day = period[1] if deadline.group(2).lower() == "end" else period[0]
    return day, day, "day"


def _rel(lower):
    match = re.search(_REL, lower)
    return match.group(0) if match else ""


def _excluded(kind, text, match):
    before = text[max(0, match.start() - 12) : match.start()].lower()
    if kind == "year":
        after = text[match.end() : match.end() + 12]
        if "©" in before or "copyright" in before or re.match(r"\s*(%|-\d|\d)", after):
            return True
        if re.match(r"\s+[a-z]+", after) and not re.match(
            r"\s+(and|to|when|after|before|as|the|was|were|in|on|at|with|for)\b", after
        ):
            return True  # "2021 soldiers" is a count
    if kind == "bare_month" and match.group(0) == "May":
        return True  # the verb, most of the time; "in May" is kept
    # "March" alone may be the noun or the verb: a month only after a preposition.
    return kind == "bare_month" and match.group(0) == "March"


def find_dates(doc, published):
    text = doc.text
    found, taken = [], []
    for kind, pattern in COMPILED:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if any(s < end and start < e for s, e in taken) or _excluded(kind, text, match):
                continue
            found.append((start, end, kind))
            taken.append((start, end))
    found.sort()
    phrases = []
    last_day = None
    for start, end, kind in found:
        sentence = doc.sentences[doc.sentence_at(start)]
        tense = tense_near(text, start, end, sentence)
        phrase = " ".join(text[start:end].split())
        try:
            period = resolve(kind, phrase, published, tense, last_day)
        except (ValueError, KeyError, StopIteration, IndexError, AttributeError, OverflowError):
            period = None
        if period is None:
            continue
        first, last, precision = period
        if precision == "day":
            last_day = first
        phrases.append(DatePhrase(phrase, start, end, first, last, precision))
    return phrases
