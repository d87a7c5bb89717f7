"""Factories that keep related rows consistent (an entry's proposal is in its negotiation).

Entries are built through the domain functions' rules by default: ``published``
entries get a source, sequences follow creation order.
"""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from negotiations.domain.entries import save_entry
from negotiations.models import (
    Actor,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    ProposalStatus,
    PublicationState,
    Source,
    Statement,
    StatusChange,
)
from negotiations.roles import EDITORS, JOURNALISTS


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    """A newsroom member in a role group: ``StaffFactory(role=EDITORS)``."""

    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or JOURNALISTS))


def journalist(**kwargs):
    return StaffFactory(role=JOURNALISTS, **kwargs)


def editor(**kwargs):
    return StaffFactory(role=EDITORS, **kwargs)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    kind = Actor.Kind.PERSON


class NegotiationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Negotiation
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Negotiation {n}")
    slug = factory.Sequence(lambda n: f"negotiation-{n}")
    summary = "Talks about things."


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    negotiation = factory.SubFactory(NegotiationFactory)
    name = factory.Sequence(lambda n: f"Phase {n}")
    starts_on = datetime.date(2025, 2, 1)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    publisher = "Example News"


class EntryFactory(factory.django.DjangoModelFactory):
    """Saves through ``save_entry`` so sequences and rules apply as in production."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    negotiation = factory.SubFactory(NegotiationFactory)
    date = "2025-02-23"
    state = PublicationState.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        sources = kwargs.pop("sources", None)
        m2m = {name: kwargs.pop(name) for name in list(kwargs) if name in model_class.M2M_FIELDS}
        date = kwargs.pop("date")
        entry = model_class(*args, **kwargs)
        entry.date = date
        if sources is None:
            sources = [SourceFactory()] if entry.state == PublicationState.PUBLISHED else []
        return save_entry(entry, by=None, sources=sources, m2m=m2m)


class ProposalFactory(EntryFactory):
    class Meta:
        model = Proposal

    title = factory.Sequence(lambda n: f"Proposal {n}")
    proposed_by = factory.SubFactory(ActorFactory)


class StatusChangeFactory(EntryFactory):
    class Meta:
        model = StatusChange

    proposal = factory.SubFactory(ProposalFactory)
    negotiation = factory.SelfAttribute("proposal.negotiation")
    status = ProposalStatus.PROPOSED


class StatementFactory(EntryFactory):
    class Meta:
        model = Statement

    actor = factory.SubFactory(ActorFactory)
    text = factory.Sequence(lambda n: f"Statement number {n}.")
    kind = Statement.Kind.DIRECT


class EventFactory(EntryFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    kind = Event.Kind.MEETING


class ExpectationFactory(EntryFactory):
    class Meta:
        model = Expectation

    actor = factory.SubFactory(ActorFactory)
    text = "A deal this week."
    due_date_start = datetime.date(2025, 3, 2)
