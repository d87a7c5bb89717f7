"""The seed story (AP, 25 February 2025) as demo data."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from negotiations.models import Actor, Entry, Expectation, Proposal, Statement
from negotiations.newsroom.demo import NEGOTIATION_SLUG

pytestmark = pytest.mark.django_db


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("negotiations").get_models()
    }


def test_the_seed_story_is_loaded_with_its_actors_and_sources(demo):
    for name in ["Donald Trump", "Volodymyr Zelenskyy", "Andriy Yermak", "Steve Witkoff"]:
        assert Actor.objects.filter(name=name).exists()
    assert Actor.objects.get(slug="volodymyr-zelenskyy").affiliation.name == "Government of Ukraine"
    assert "Zelensky" in Actor.objects.get(slug="volodymyr-zelenskyy").aliases
    assert {a.name for a in demo.parties.all()} == {
        "Government of the United States",
        "Government of Ukraine",
    }
    entries = Entry.objects.for_negotiation(demo)
    assert all(entry.sources.exists() for entry in entries)
    assert set(entries.values_list("state", flat=True)) == {"published"}


def test_the_500_billion_demand_and_its_history(demo):
    demand = Proposal.objects.with_status().get(title__contains="$500 billion")
    assert (demand.amount, demand.currency) == (Decimal("500000000000"), "USD")
    history = demand.status_changes.order_by("date_start", "sequence").values_list(
        "status", "date_start", "date_precision", "actor__name"
    )
    assert [(s, d.isoformat(), p, a) for s, d, p, a in history] == [
        ("proposed", "2025-02-01", "month", "Government of the United States"),
        ("rejected", "2025-02-01", "month", "Volodymyr Zelenskyy"),
        ("withdrawn", "2025-02-23", "day", "Government of the United States"),
    ]
    assert demand.current_status == "withdrawn"


def test_the_quoted_words_and_the_expectation(demo):
    quote = Statement.objects.get(text__contains="ten generations of Ukrainians")
    assert (quote.actor.name, quote.kind, quote.stance) == (
        "Volodymyr Zelenskyy",
        "direct",
        "opposes",
    )
    assert Statement.objects.filter(actor__name="Andriy Yermak", text__contains="lithium").exists()
    expectation = Expectation.objects.get(actor__name="Steve Witkoff")
    assert expectation.date.edtf == "2025-02-23"
    assert expectation.due_date.edtf == "2025-03-02"
    assert expectation.outcome == "pending"


def test_loading_twice_changes_nothing(demo, capsys):
    before = row_counts()
    call_command("load_demo")
    assert row_counts() == before
    assert "already loaded" in capsys.readouterr().out


def test_the_command_reports_what_it_loaded(db, capsys):
    call_command("load_demo")
    assert NEGOTIATION_SLUG in capsys.readouterr().out
