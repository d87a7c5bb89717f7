"""Each database constraint rejects a bad row, and validation says why in words."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from negotiations.models import (
    Actor,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    Source,
    Statement,
    validate_timezone,
)
from tests.factories import (
    ActorFactory,
    ExpectationFactory,
    NegotiationFactory,
    ProposalFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(update):
    with pytest.raises(IntegrityError), transaction.atomic():
        update()


def test_actor_and_negotiation_slugs_are_unique():
    ActorFactory(slug="trump")
    refused_by_database(lambda: Actor.objects.create(name="Other", slug="trump"))
    NegotiationFactory(slug="talks")
    refused_by_database(lambda: Negotiation.objects.create(title="Other", slug="talks"))


def test_one_source_row_per_url():
    SourceFactory(url="https://example.org/a")
    refused_by_database(lambda: Source.objects.create(url="https://example.org/a"))


def test_amount_cannot_be_negative():
    proposal = ProposalFactory(amount=Decimal(5), currency="USD")
    refused_by_database(lambda: Proposal.objects.filter(pk=proposal.pk).update(amount=-1))
    proposal.amount = Decimal(-1)
    with pytest.raises(ValidationError) as error:
        proposal.full_clean()
    assert error.value.message_dict["amount"] == ["An amount cannot be negative."]


def test_currency_is_given_exactly_when_there_is_an_amount():
    proposal = ProposalFactory()
    refused_by_database(lambda: Proposal.objects.filter(pk=proposal.pk).update(currency="USD"))
    refused_by_database(lambda: Proposal.objects.filter(pk=proposal.pk).update(amount=Decimal(500)))
    proposal.amount = Decimal(500)
    with pytest.raises(ValidationError) as error:
        proposal.full_clean()
    assert error.value.message_dict["currency"] == ["Give the currency of the amount."]


@pytest.mark.parametrize("code", ["XYZ", "usd"])
def test_unknown_or_lowercase_currency_is_refused(code):
    proposal = ProposalFactory.build(amount=Decimal(1), currency=code)
    with pytest.raises(ValidationError) as error:
        proposal.full_clean(exclude=["negotiation"])
    assert "ISO 4217" in error.value.message_dict["currency"][0]


def test_a_proposal_cannot_supersede_itself():
    proposal = ProposalFactory()
    refused_by_database(
        lambda: Proposal.objects.filter(pk=proposal.pk).update(supersedes=proposal.pk)
    )
    proposal.supersedes = proposal
    with pytest.raises(ValidationError) as error:
        proposal.full_clean()
    assert error.value.message_dict["supersedes"] == ["A proposal cannot supersede itself."]


def test_a_phase_cannot_end_before_it_starts():
    negotiation = NegotiationFactory()
    bad = {"starts_on": datetime.date(2025, 2, 1), "ends_on": datetime.date(2025, 1, 1)}
    refused_by_database(lambda: Phase.objects.create(negotiation=negotiation, name="x", **bad))
    with pytest.raises(ValidationError) as error:
        Phase(negotiation=negotiation, name="x", **bad).full_clean()
    assert "A phase cannot end before it starts." in error.value.messages


def test_a_stance_needs_a_proposal():
    statement = StatementFactory()
    refused_by_database(lambda: Statement.objects.filter(pk=statement.pk).update(stance="supports"))
    statement.stance = "supports"
    with pytest.raises(ValidationError) as error:
        statement.full_clean()
    assert error.value.message_dict["stance"] == ["A stance needs the proposal it is about."]


def test_a_pending_expectation_has_no_resolution_date():
    expectation = ExpectationFactory()
    refused_by_database(
        lambda: Expectation.objects.filter(pk=expectation.pk).update(
            resolved_on=datetime.date(2025, 3, 3)
        )
    )


def test_a_time_needs_a_full_date():
    statement = StatementFactory(date="2025-02")
    refused_by_database(
        lambda: Statement.objects.filter(pk=statement.pk).update(time=datetime.time(14, 30))
    )
    statement.time = datetime.time(14, 30)
    with pytest.raises(ValidationError) as error:
        statement.full_clean()
    assert "A time can only be given with a full date (day)." in error.value.messages


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("country", "XX", "ISO 3166-1"),
        ("country", "ua", "ISO 3166-1"),
        ("wikidata_id", "12", "Wikidata"),
        ("aliases", "Zelensky", "list of names"),
    ],
)
def test_actor_fields_are_checked(field, value, words):
    actor = ActorFactory.build(**{field: value})
    with pytest.raises(ValidationError) as error:
        actor.full_clean()
    assert words in error.value.message_dict[field][0]


@pytest.mark.parametrize(
    "zone",
    ["Europe/Kyiv", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT-3", "Asia/Jerusalem"],
)
def test_iana_time_zones_are_accepted(zone):
    validate_timezone(zone)


@pytest.mark.parametrize(
    "zone",
    [
        # What zoneinfo.available_timezones() also lists (tzdata, or Debian's zone folder).
        "localtime",
        "posixrules",
        "Factory",
        "posix/Europe/Kyiv",
        "right/UTC",
        "US/Eastern",
        "GB",
        "EST5EDT",
        # Names of nothing.
        "Europe/",
        "Mars/Olympus",
        "../../etc/passwd",
    ],
)
def test_a_time_zone_that_is_not_an_iana_region_is_refused(zone):
    with pytest.raises(ValidationError) as error:
        validate_timezone(zone)
    assert error.value.messages == [f'"{zone}" is not an IANA time zone (e.g. "Europe/Kyiv").']


def test_sources_must_be_web_addresses():
    with pytest.raises(ValidationError) as error:
        Source(url="javascript:alert(1)").full_clean()
    assert "http://" in error.value.message_dict["url"][0]


def test_partial_dates_survive_the_database():
    statement = StatementFactory(date="2025-02")
    statement.refresh_from_db()
    assert statement.date.edtf == "2025-02"
    assert statement.date.human == "February 2025"
