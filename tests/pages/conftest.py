import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from negotiations.domain.entries import add_correction
from negotiations.models import ProposalStatus, Stance
from tests import factories


@pytest.fixture(autouse=True)
def forget_rendered_pages():
    """Pages are kept in the cache under their validators; tests freezing time could
    otherwise share a validator. Start each test with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(db):
    """A journalist: may preview drafts."""
    client = Client()
    client.force_login(factories.journalist(username="preview-journalist"))
    return client


def grow(negotiation, rounds, *, parties=None):
    """Add ``rounds`` of every kind of entry (sources, actors, stances, corrections).

    Each round: a proposal with an amount, addressed to a party, two status changes, a
    statement with a stance, a future event with actors, a pending expectation, a
    correction; so every page has something of each to show.
    """
    if parties is None:
        parties = list(negotiation.parties.all())
        if not parties:
            parties = [factories.ActorFactory(kind="government", name=f"Party {n}") for n in (1, 2)]
            negotiation.parties.add(*parties)
    corrector = factories.editor(username="corrector")
    created = []
    for index in range(rounds):
        speaker = factories.ActorFactory(affiliation=parties[index % len(parties)])
        day = f"2025-02-{index % 27 + 1:02d}"
        proposal = factories.ProposalFactory(
            negotiation=negotiation,
            date=day,
            proposed_by=parties[0],
            addressed_to=[parties[-1]],
            amount=Decimal(10**9 * (index + 1)),
            currency="USD",
        )
        factories.StatusChangeFactory(proposal=proposal, date=day, status=ProposalStatus.PROPOSED)
        factories.StatusChangeFactory(
            proposal=proposal, date=day, status=ProposalStatus.UNDER_DISCUSSION, actor=speaker
        )
        statement = factories.StatementFactory(
            negotiation=negotiation,
            date=day,
            actor=speaker,
            proposal=proposal,
            stance=Stance.SUPPORTS,
        )
        factories.EventFactory(
            negotiation=negotiation, date="2099-01-15", actors=[parties[0], speaker]
        )
        factories.ExpectationFactory(
            negotiation=negotiation,
            date=day,
            actor=speaker,
            due_date_start=datetime.date(2099, 3, 1),
        )
        add_correction(statement, note=f"Correction {index}.", by=corrector)
        created.append(proposal)
    if not negotiation.phases.exists():
        factories.PhaseFactory(negotiation=negotiation, starts_on=datetime.date(2025, 2, 1))
    return created


def page_urls(negotiation, *, proposal, actor):
    """Every reader output of a negotiation, by name."""
    slug = {"slug": negotiation.slug}
    timeline = reverse("negotiations:timeline", kwargs=slug)
    key = f"{proposal.date_start.isoformat()}.{proposal.sequence}.{proposal.pk}"
    return {
        "home": reverse("negotiations:home"),
        "timeline": timeline,
        "timeline-filtered": timeline
        + f"?actor={actor.slug}&kind=statement&from=2025&to=2025-12&q=Statement",
        "timeline-earlier": f"{timeline}?before={key}",
        "timeline-later": f"{timeline}?kind=statement&after={key}",
        "timeline-permalink": f"{timeline}?entry={proposal.pk}",
        "changes": reverse("negotiations:changes", kwargs=slug) + "?since=2020-01-01",
        "next": reverse("negotiations:next", kwargs=slug),
        "positions": reverse("negotiations:positions", kwargs=slug),
        "corrections": reverse("negotiations:corrections", kwargs=slug),
        "proposal": reverse("negotiations:proposal", kwargs={**slug, "pk": proposal.pk}),
        "actor": reverse("negotiations:actor", kwargs={"slug": actor.slug}),
        "actors": reverse("negotiations:actors"),
        "feed": reverse("negotiations:feed", kwargs=slug),
        "actor-feed": reverse("negotiations:actor_feed", kwargs={"slug": actor.slug}),
        "calendar": reverse("negotiations:calendar", kwargs=slug),
        "lanes-svg": reverse("negotiations:lanes_svg", kwargs=slug),
        "amounts-svg": reverse("negotiations:amounts_svg", kwargs=slug),
        "embed": reverse("embed:timeline", kwargs=slug),
        "timelinejs": reverse("embed:timelinejs", kwargs=slug),
    }


HTML_PAGES = [
    "home",
    "timeline",
    "changes",
    "next",
    "positions",
    "corrections",
    "proposal",
    "actor",
    "actors",
]
