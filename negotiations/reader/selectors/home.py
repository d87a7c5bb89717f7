"""The home page: negotiations listed with their latest developments."""

from django.db.models import (
    F,
    Prefetch,
)

from negotiations.models import Negotiation
from negotiations.reader.selectors.queries import readable

DEVELOPMENTS_ON_CARD = 3  # and on the home page's card of a negotiation


def with_developments(negotiations, user, *, limit=DEVELOPMENTS_ON_CARD):
    """These negotiations, each with ``developments``: its ``limit`` latest key
    developments the user may read, newest first (one query for them all, whatever the
    number of negotiations, and one for their sources)."""
    entries = readable(user).timeline(listed_actors=False).developments()[:limit]
    return negotiations.prefetch_related(
        Prefetch("entries", queryset=entries, to_attr="developments")
    )


def negotiation_list(user):
    """Every negotiation with its state of play, its latest key developments and when the
    record was last edited (a constant number of queries)."""
    negotiations = list(
        with_developments(Negotiation.objects.prefetch_related("parties"), user).order_by(
            F("reader_changed_at").desc(nulls_last=True), "title"
        )
    )
    for negotiation in negotiations:
        negotiation.last_updated = last_updated(negotiation.developments)
        negotiation.record_edited = record_edited(negotiation)
    return negotiations


def last_updated(developments):
    """When the story last moved: the date of the latest key development (a PartialDate;
    ``developments`` newest first), or None before there is any."""
    return developments[0].date if developments else None


def record_edited(negotiation):
    """The last change readers saw in the record: the negotiation's latest reader event."""
    return negotiation.reader_changed_at or negotiation.updated_at
