"""One truth per expectation: the same word, with its due date, wherever it is shown."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from negotiations.models import Expectation, ExpectationProgress
from tests import factories
from tests.api.conftest import API, client_for
from tests.pages.test_timeline import text_of

DAY = datetime.date(2025, 3, 2)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("due", "outcome", "today", "word"),
    [
        ("2025-03-02", "pending", DAY, "pending"),  # due today: not yet overdue
        ("2025-03-02", "pending", DAY + datetime.timedelta(days=1), "overdue"),
        ("2025-03", "pending", datetime.date(2025, 3, 31), "pending"),  # the month lasts
        ("2025-03", "pending", datetime.date(2025, 4, 1), "overdue"),
        ("2025", "pending", datetime.date(2025, 12, 31), "pending"),
        (None, "pending", datetime.date(2099, 1, 1), "pending"),  # no due date: never overdue
        ("2025-03-02", "met", DAY + datetime.timedelta(days=9), "met"),
        ("2025-03-02", "missed", DAY + datetime.timedelta(days=9), "missed"),
        ("2025-03-02", "partly_met", DAY + datetime.timedelta(days=9), "partly_met"),
        ("2025-03-02", "moot", DAY + datetime.timedelta(days=9), "moot"),
    ],
)
def test_the_one_rule(due, outcome, today, word):
    expectation = Expectation(outcome=outcome)
    expectation.due_date = due
    assert expectation.progress_on(today) == ExpectationProgress(word)


def test_the_labels_readers_read():
    assert [label for _, label in ExpectationProgress.choices] == [
        "Pending",
        "Overdue",
        "Met",
        "Partly met",
        "Missed",
        "Moot",
    ]


def words_of(text):
    return set(re.findall(r"\b(Pending|Overdue)\b", text))


def test_the_demo_expectation_reads_overdue_everywhere(client, demo):
    """Witkoff expected a deal by 2 March 2025, and no outcome is recorded."""
    slug = {"slug": demo.slug}
    pages = {
        "timeline": demo.get_absolute_url(),
        "next": reverse("negotiations:next", kwargs=slug),
        "embed": reverse("embed:timeline", kwargs=slug),
    }
    for name, url in pages.items():
        text = text_of(client.get(url))
        assert "Overdue" in text, name
        assert "Pending" not in text, name
    timeline = text_of(client.get(pages["timeline"]))
    assert "Overdue · due 2 March 2025" in timeline  # where things stand
    assert "Due 2 March 2025 · Overdue" in timeline  # its card
    feed = client.get(reverse("negotiations:feed", kwargs=slug)).content.decode()
    assert "Overdue" in feed and "Pending" not in feed
    calendar = client.get(reverse("negotiations:calendar", kwargs=slug)).content.decode()
    assert "Overdue" in calendar.replace("\r\n ", "")
    export = client.get(reverse("embed:timelinejs", kwargs=slug)).content.decode()
    assert "Overdue" in export and "Pending" not in export
    expectation = Expectation.objects.get(negotiation=demo)
    body = client_for().get(f"{API}expectations/{expectation.pk}/").json()
    assert (body["progress"], body["outcome"], body["due_date"]) == (
        "overdue",
        "pending",
        "2025-03-02",
    )


def test_a_resolved_expectation_reads_its_outcome(client, negotiation):
    factories.ExpectationFactory(negotiation=negotiation, outcome="partly_met", resolved_on=DAY)
    text = text_of(client.get(negotiation.get_absolute_url()))
    assert "Partly met" in text and "Overdue" not in text
