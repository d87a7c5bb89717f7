"""Property-based tests (hypothesis) over date parsing and the domain functions.

Whatever comes in — arbitrary Unicode (Cyrillic, Arabic and Hebrew right-to-left text,
bidi overrides, emoji sequences, combining marks, zero-width characters, NUL bytes,
unpaired surrogates), boundary and impossible dates, boundary, negative, huge, NaN and
infinite amounts — a domain function either refuses with ValidationError or
PermissionDenied and leaves the database exactly as it was (no half-written record,
no orphan source, no history row, no change-log entry), or saves a record that reads
back identically. Any other exception fails the test.

Bounded for the suite (60 examples per database test, 300 per date test); for a
longer run set ``PARLEY_PROPERTY_EXAMPLES`` (e.g. 2000) — the date tests take 5× that.
"""

import datetime
import os
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from negotiations.dates import DatePrecision, PartialDate
from negotiations.domain.corrections import change_correction
from negotiations.domain.entries import (
    add_correction,
    change_status,
    create_event,
    create_expectation,
    create_proposal,
    create_statement,
    resolve_expectation,
)
from negotiations.domain.quick_add import quick_add
from negotiations.domain.records import get_or_create_source, save_record
from negotiations.models import (
    TEXT_MAX,
    TITLE_MAX,
    Actor,
    Correction,
    Entry,
    Event,
    Expectation,
    Negotiation,
    Proposal,
    PublicationState,
    Source,
    Statement,
    StatusChange,
)
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PARLEY_PROPERTY_EXAMPLES", "60"))
DB = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the fixtures are read-only per example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
PURE = settings(max_examples=EXAMPLES * 5, deadline=None, database=None)

# --------------------------------------------------------------------------- #
# Strategies
# --------------------------------------------------------------------------- #

NASTY = [
    "\x00",
    "\ud800",  # an unpaired surrogate (not UTF-8)
    "Зеленський",
    "زيلينسكي",
    "שָׁלוֹם",
    "\u202eevil\u202c",  # right-to-left override
    "👩🏽‍⚖️🇺🇦",
    "e\u0301\u0301\u0301",  # combining marks
    "\ufeff",
    "\u200b",
    "\r\n",
    "\t",
    " ",
    "'; DROP TABLE negotiations_entry; --",
    "<script>alert(1)</script>",
    "{{ csrf_token }}",
    "%(name)s",
    "\\",
]
pieces = st.one_of(st.sampled_from(NASTY), st.text(max_size=20))
texts = st.lists(pieces, max_size=6).map("".join)
# Around the limits: 200 for titles, 10,000 for free text.
titles = st.one_of(texts, st.integers(TITLE_MAX - 2, TITLE_MAX + 2).map(lambda n: "т" * n))
long_texts = st.one_of(texts, st.integers(TEXT_MAX - 1, TEXT_MAX + 1).map(lambda n: "ع" * n))


def edtf(day, precision):
    if precision == DatePrecision.YEAR:
        return f"{day.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


well_formed_dates = st.builds(
    edtf,
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)),
    st.sampled_from(list(DatePrecision)),
)
date_texts = st.one_of(
    well_formed_dates,
    st.sampled_from(
        [
            "0000",
            "0001",
            "0001-01-01",
            "9999",
            "9999-12",
            "9999-12-31",
            "10000",
            "-0001",
            "2024-02-29",
            "2025-02-29",
            "2025-13",
            "2025-00",
            "2025-02-30",
            "٢٠٢٥",
            "２０２５",
            "2025\x00",
            " 2025-02 ",
            "2025-02-23T10:00",
            "",
        ]
    ),
    texts,
)
amounts = st.one_of(
    st.none(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-1, max_value=Decimal("1e20"), places=2),
    st.sampled_from(
        [
            Decimal("0"),
            Decimal("0.01"),
            Decimal("-0.01"),
            Decimal("1.234"),
            Decimal("999999999999999999.99"),
            Decimal("1000000000000000000.00"),
            Decimal("1E+30"),
            Decimal("-0"),
        ]
    ),
)
currencies = st.one_of(st.sampled_from(["USD", "EUR", "UAH", "usd", "XXX", "ABC", "", "US"]), texts)


def storable(amount):
    """Whether this database keeps the amount exactly. SQLite stores decimals as REAL
    (15 significant digits): beyond that even Django cannot read them back. PostgreSQL's
    numeric is exact (production, and ``make test-postgres`` runs these tests there)."""
    if connection.vendor != "sqlite" or not isinstance(amount, Decimal):
        return True
    return not amount.is_finite() or len(amount.normalize().as_tuple().digits) <= 15


def once(world, key, make):
    """A record made on the first example and reused by the next ones."""
    if key not in world:
        world[key] = make()
    return world[key]


def snapshot():
    """Every row count of the app (history and change log included) and the stamps."""
    counts = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_app_config("negotiations").get_models()
    }
    stamps = list(Negotiation.objects.order_by("pk").values_list("reader_version", flat=True))
    return counts, stamps


def attempt(write):
    """Run a domain write: its result, or None when it was refused and wrote nothing."""
    before = snapshot()
    try:
        return write()
    except (ValidationError, PermissionDenied):
        assert snapshot() == before, "refused, but something was written"
        return None


# --------------------------------------------------------------------------- #
# Dates
# --------------------------------------------------------------------------- #


@PURE
@given(date_texts)
def test_any_date_text_is_refused_in_words_or_reads_back_as_written(text):
    try:
        date = PartialDate.parse(text)
    except ValidationError as error:
        assert "2025-02-23" in error.messages[0] or "0001" in error.messages[0]
        return
    assert date.edtf == text.strip()
    assert PartialDate.parse(date.edtf) == date
    assert date.start <= date.end  # the whole period exists, December 9999 included
    assert edtf(date.end, date.precision) == date.edtf
    assert date.human


@PURE
@given(st.dates(), st.sampled_from(list(DatePrecision)))
def test_a_period_starts_on_its_first_day(day, precision):
    date = PartialDate.parse(edtf(day, precision))
    assert date.start <= day <= date.end
    assert date.precision == precision


# --------------------------------------------------------------------------- #
# Timeline entries
# --------------------------------------------------------------------------- #


@pytest.fixture
def world(db, journalist, editor):
    return {
        "negotiation": factories.NegotiationFactory(),
        "actor": factories.ActorFactory(),
        "source": factories.SourceFactory(),
        "users": {"system": None, "journalist": journalist, "editor": editor},
    }


writers = st.sampled_from(["system", "journalist", "editor"])


@DB
@given(text=long_texts, context=long_texts, date=date_texts, by=writers, published=st.booleans())
def test_create_statement(world, text, context, date, by, published):
    statement = attempt(
        lambda: create_statement(
            negotiation=world["negotiation"],
            actor=world["actor"],
            text=text,
            context=context,
            date=date,
            published=published,
            sources=[world["source"]],
            by=world["users"][by],
        )
    )
    if statement is None:
        return
    stored = Statement.objects.get(pk=statement.pk)
    assert (stored.text, stored.context) == (text, context)
    assert stored.date == PartialDate.parse(date)
    assert stored.published == published
    assert not (published and by == "journalist")
    assert stored.history.count() == 1


@DB
@given(
    title=titles,
    summary=long_texts,
    amount=amounts,
    currency=currencies,
    date=date_texts,
)
def test_create_proposal(world, title, summary, amount, currency, date):
    assume(storable(amount))
    proposal = attempt(
        lambda: create_proposal(
            negotiation=world["negotiation"],
            title=title,
            summary=summary,
            amount=amount,
            currency=currency,
            date=date,
            proposed_by=world["actor"],
            by=world["users"]["journalist"],
        )
    )
    if proposal is None:
        return
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.title, stored.summary, stored.currency) == (title, summary, currency)
    assert stored.amount == amount
    assert amount is None or (amount >= 0 and amount.is_finite())
    assert stored.date == PartialDate.parse(date)
    assert stored.state == PublicationState.DRAFT
    assert not stored.status_changes.exists()


@DB
@given(
    title=titles,
    description=long_texts,
    date=date_texts,
    time=st.one_of(st.none(), st.times()),
    zone=st.one_of(st.sampled_from(["", "Europe/Kyiv", "UTC", "Asia/Jerusalem"]), texts),
)
def test_create_event(world, title, description, date, time, zone):
    event = attempt(
        lambda: create_event(
            negotiation=world["negotiation"],
            title=title,
            description=description,
            date=date,
            time=time,
            timezone=zone,
            actors=[world["actor"]],
            by=world["users"]["editor"],
        )
    )
    if event is None:
        return
    stored = Event.objects.get(pk=event.pk)
    assert (stored.title, stored.description, stored.timezone) == (title, description, zone)
    assert stored.time == time
    assert stored.date == PartialDate.parse(date)
    assert list(stored.actors.all()) == [world["actor"]]


@DB
@given(text=long_texts, date=date_texts, due=st.one_of(st.none(), date_texts))
def test_create_expectation(world, text, date, due):
    expectation = attempt(
        lambda: create_expectation(
            negotiation=world["negotiation"],
            actor=world["actor"],
            text=text,
            date=date,
            due_date=due,
            by=world["users"]["journalist"],
        )
    )
    if expectation is None:
        return
    stored = Expectation.objects.get(pk=expectation.pk)
    assert stored.text == text
    assert stored.date == PartialDate.parse(date)
    assert stored.due_date == (None if due in (None, "") else PartialDate.parse(due))


@DB
@given(
    status=st.one_of(st.sampled_from(["proposed", "signed", "lapsed", "SIGNED", ""]), texts),
    note=long_texts,
    date=date_texts,
    outcome=st.one_of(st.sampled_from(["met", "pending", "missed", "bogus"]), texts),
    resolved_on=st.one_of(st.none(), st.dates()),
)
def test_change_status_and_resolve_expectation(world, status, note, date, outcome, resolved_on):
    plan = once(world, "plan", lambda: factories.ProposalFactory(negotiation=world["negotiation"]))
    change = attempt(
        lambda: change_status(
            proposal=plan, status=status, date=date, note=note, by=world["users"]["journalist"]
        )
    )
    if change is not None:
        stored = StatusChange.objects.get(pk=change.pk)
        assert (stored.status, stored.note, stored.proposal) == (status, note, plan)
        assert stored.negotiation == plan.negotiation

    hope = once(
        world, "hope", lambda: factories.ExpectationFactory(negotiation=world["negotiation"])
    )
    hope = Expectation.objects.get(pk=hope.pk)
    resolved = attempt(
        lambda: resolve_expectation(
            hope, outcome=outcome, resolved_on=resolved_on, note=note, by=None
        )
    )
    if resolved is not None:
        stored = Expectation.objects.get(pk=hope.pk)
        assert (stored.outcome, stored.resolved_on, stored.resolution_note) == (
            outcome,
            resolved_on,
            note,
        )


# --------------------------------------------------------------------------- #
# Actors, sources, quick add, corrections
# --------------------------------------------------------------------------- #

slugs = st.one_of(st.from_regex(r"\A[a-z0-9-]{1,30}\Z"), texts)


@DB
@given(
    name=titles,
    slug=slugs,
    title=titles,
    country=st.one_of(st.sampled_from(["UA", "US", "ua", "XX", ""]), texts),
    aliases=st.lists(texts, max_size=3),
)
def test_save_an_actor(world, name, slug, title, country, aliases):
    actor = attempt(
        lambda: save_record(
            Actor(name=name, slug=slug, title=title, country=country, aliases=aliases),
            by=world["users"]["journalist"],
        )
    )
    if actor is None:
        return
    stored = Actor.objects.get(pk=actor.pk)
    assert (stored.name, stored.slug, stored.title) == (name, slug, title)
    assert (stored.country, stored.aliases) == (country, aliases)


urls = st.one_of(
    st.sampled_from(
        [
            "https://example.org/a",
            "https://пример.рф/путь?q=киї́в",
            "https://example.org/\x00",
            "https://example.org/\ud800",
            "javascript:alert(1)",
            "ftp://example.org/file",
            "data:text/html,hi",
            "  https://example.org/padded  ",
            "https://example.org/" + "x" * 2000,
        ]
    ),
    st.builds(lambda path: f"https://example.org/{path}", texts),
    texts,
)


@DB
@given(url=urls, title=titles, publisher=titles)
def test_get_or_create_source(world, url, title, publisher):
    source = attempt(
        lambda: get_or_create_source(
            url=url, title=title, publisher=publisher, by=world["users"]["journalist"]
        )
    )
    if source is None:
        return
    stored = Source.objects.get(pk=source.pk)
    assert stored.url == url.strip()
    assert stored.url.startswith(("http://", "https://"))
    assert Source.objects.filter(url=stored.url).count() == 1


@DB
@given(
    kind=st.sampled_from(["statement", "status_change", "event", ""]),
    url=urls,
    date=date_texts,
    text=long_texts,
    status=st.sampled_from(["rejected", "bogus", ""]),
)
def test_quick_add_keeps_no_orphan_source(world, kind, url, date, text, status):
    plan = once(world, "plan", lambda: factories.ProposalFactory(negotiation=world["negotiation"]))
    entry = attempt(
        lambda: quick_add(
            kind=kind,
            source_url=url,
            date=date,
            text=text,
            negotiation=world["negotiation"],
            speaker=world["actor"],
            proposal=plan,
            status=status,
            by=world["users"]["journalist"],
        )
    )
    if entry is None:
        return
    stored = Entry.objects.get(pk=entry.pk).specific
    assert [s.url for s in stored.sources.all()] == [url.strip()]
    assert stored.date == PartialDate.parse(date)
    assert (stored.text if kind == "statement" else stored.note) == text


@DB
@given(note=long_texts, reworded=long_texts)
def test_corrections(world, note, reworded):
    statement = once(
        world, "statement", lambda: factories.StatementFactory(negotiation=world["negotiation"])
    )
    editor = world["users"]["editor"]
    correction = attempt(lambda: add_correction(statement, note=note, by=editor))
    if correction is None:
        return
    assert Correction.objects.get(pk=correction.pk).note == note.strip()
    changed = attempt(lambda: change_correction(correction, note=reworded, by=editor))
    if changed is not None:
        assert Correction.objects.get(pk=correction.pk).note == reworded.strip()
    # A journalist may do neither.
    journalist = world["users"]["journalist"]
    assert attempt(lambda: add_correction(statement, note="x", by=journalist)) is None


def test_the_strategies_reach_the_interesting_cases():
    """Guard against a strategy that silently stops producing what it is here for."""
    seen = set()

    @settings(max_examples=400, deadline=None, database=None)
    @given(texts)
    def collect(text):
        for needle in ("\x00", "\ud800", "\u202e", "\u0301", "З", "ز"):
            if needle in text:
                seen.add(needle)

    collect()
    assert seen == {"\x00", "\ud800", "\u202e", "\u0301", "З", "ز"}


# --------------------------------------------------------------------------- #
# What the domain accepts, every output can show
# --------------------------------------------------------------------------- #

EDGE_DATES = ["0001", "0001-01", "0001-01-01", "9999", "9999-12", "9999-12-31", "2024-02-29"]


@pytest.mark.parametrize("date", EDGE_DATES)
def test_boundary_dates_never_make_a_page_fail(date, world, client):
    """The drills accept 0001 and 9999 dates (they are EDTF level 0): every page, feed,
    calendar, export and API list that shows them must answer without a 500."""
    negotiation = world["negotiation"]
    create_event(
        negotiation=negotiation,
        title="At the edge",
        date=date,
        published=True,
        sources=[world["source"]],
        by=None,
    )
    create_expectation(
        negotiation=negotiation,
        actor=world["actor"],
        text="Due at the edge",
        date="2025-01",
        due_date=date,
        published=True,
        sources=[world["source"]],
        by=None,
    )
    slug = negotiation.slug
    paths = [
        "/",
        f"/negotiations/{slug}/",
        f"/negotiations/{slug}/?since={date}",
        f"/negotiations/{slug}/?until={date}",
        f"/negotiations/{slug}/next/",
        f"/negotiations/{slug}/positions/",
        f"/negotiations/{slug}/changes/?since=2020-01-01",
        f"/negotiations/{slug}/feed/",
        f"/negotiations/{slug}/calendar.ics",
        f"/embed/negotiations/{slug}/",
        f"/embed/negotiations/{slug}/timeline.json",
        f"/actors/{world['actor'].slug}/",
        f"/api/v1/negotiations/{negotiation.pk}/timeline/",
        f"/api/v1/events/?since={date}&until={date}",
        "/api/v1/expectations/",
    ]
    failed = [path for path in paths if client.get(path).status_code >= 500]
    assert failed == []
