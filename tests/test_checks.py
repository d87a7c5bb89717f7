"""Every check constraint of the app is decided in Python (``negotiations.models.checks``)
as the database decides it, and validation asks the database nothing for them."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from negotiations.models import Entry, Proposal
from negotiations.models.checks import UNREAD, verdict, violated
from tests.api.conftest import API, client_for
from tests.factories import ActorFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def check_constraints():
    found = []
    for model in apps.get_app_config("negotiations").get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                found.append(pytest.param(model, constraint, id=constraint.name))
    return found


CONSTRAINTS = check_constraints()


def samples(field):
    """A few values of a field that make its comparisons true, false and unknown."""
    if field.choices:
        values = [value for value, _ in field.flatchoices]
    elif isinstance(field, models.DecimalField):
        values = [Decimal("-1"), Decimal("0"), Decimal("5")]
    elif isinstance(field, models.DateField):
        values = [datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
    elif isinstance(field, models.TimeField):
        values = [datetime.time(14, 30)]
    elif isinstance(field, models.CharField | models.TextField):
        values = ["", "UA"]
    elif field.is_relation or isinstance(field, models.AutoField):
        values = [1, 2]
    else:
        raise AssertionError(f"no samples for {field!r}")
    if field.null or field.primary_key:
        values.append(None)
    if field.blank and "" not in values and isinstance(field, models.CharField):
        values.append("")
    return values


def referenced_fields(model, constraint):
    names = constraint.condition.referenced_base_fields
    return [model._meta.pk if name == "pk" else model._meta.get_field(name) for name in names]


def test_the_app_has_check_constraints_to_compare():
    assert len(CONSTRAINTS) >= 8


@pytest.mark.parametrize(("model", "constraint"), CONSTRAINTS)
def test_each_check_is_read_in_python_as_the_database_reads_it(model, constraint):
    fields = referenced_fields(model, constraint)
    compared = 0
    for values in itertools.product(*(samples(field) for field in fields)):
        instance = model()
        for field, value in zip(fields, values, strict=True):
            setattr(instance, field.attname, value)
        assert verdict(constraint.condition, instance) is not UNREAD, constraint.name
        try:
            constraint.validate(model, instance)  # Django's own: a query
            database_refuses = False
        except ValidationError:
            database_refuses = True
        assert violated(constraint.condition, instance) is database_refuses, (
            constraint.name,
            dict(zip([f.name for f in fields], values, strict=True)),
        )
        compared += 1
    assert compared >= 4


def test_full_clean_asks_the_database_nothing_for_check_constraints():
    proposal = ProposalFactory()
    proposal.amount, proposal.currency = Decimal("-5"), ""
    with CaptureQueriesContext(connection) as captured, pytest.raises(ValidationError) as error:
        proposal.validate_constraints()
    assert captured.captured_queries == []
    assert sorted(error.value.messages) == [
        "An amount cannot be negative.",
        "Give a currency exactly when there is an amount.",
    ]


def test_a_field_that_failed_its_own_validation_is_not_checked_again():
    proposal = Proposal(amount=Decimal("-5"), currency="USD")
    proposal.validate_constraints(exclude={"amount"})  # as full_clean after a field error
    with pytest.raises(ValidationError, match="negative"):
        proposal.validate_constraints()


def test_a_related_row_held_from_the_database_is_not_read_again():
    proposal = ProposalFactory()
    proposal.refresh_from_db()
    proposal.negotiation  # noqa: B018 (read: held by the instance now)
    with CaptureQueriesContext(connection) as captured:
        proposal.clean_fields(exclude={"proposed_by", "supersedes", "created_by"})
    assert captured.captured_queries == []


def test_a_related_id_alone_is_still_checked():
    proposal = ProposalFactory()
    proposal = Proposal.objects.get(pk=proposal.pk)  # nothing related held
    proposal.negotiation_id = 10**9
    with pytest.raises(ValidationError) as error:
        proposal.clean_fields()
    assert "negotiation" in error.value.message_dict


@pytest.mark.parametrize(
    ("resource", "body", "errors"),
    [
        (
            "events",
            {"title": "Call", "date": "2025-02", "time": "14:30"},
            {"non_field_errors": ["A time can only be given with a full date (day)."]},
        ),
        (
            "events",
            {"title": "Call", "date": "2025-02-03", "timezone": "Europe/Kyiv"},
            {"non_field_errors": ["A time zone can only be given with a time."]},
        ),
        ("proposals", {"title": "Plan", "amount": "-5", "currency": "USD"}, {"amount"}),
        ("proposals", {"title": "Plan", "amount": "5"}, {"currency"}),
        ("statements", {"text": "Yes.", "stance": "supports"}, {"stance"}),
        ("expectations", {"text": "A deal.", "resolved_on": "2025-03-01"}, {"resolved_on"}),
    ],
)
def test_each_constraint_refuses_bad_input_with_a_400_and_writes_nothing(
    resource, body, errors, journalist, negotiation
):
    payload = {"negotiation": negotiation.pk, "date": "2025-02-03", **body}
    if resource in ("statements", "expectations"):
        payload["actor"] = ActorFactory().pk
    response = client_for(journalist).post(f"{API}{resource}/", payload, format="json")
    assert response.status_code == 400, response.content
    if isinstance(errors, dict):
        assert response.json() == errors
    else:
        assert errors <= set(response.json()), response.json()
    assert not Entry.objects.exists()
