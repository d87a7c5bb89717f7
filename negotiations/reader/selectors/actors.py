"""An actor's page: sections of the entries they take part in."""

from dataclasses import dataclass, field

from negotiations.models import Actor, EntryType, Event, Negotiation, Proposal
from negotiations.reader.selectors.entries import decorate
from negotiations.reader.selectors.home import with_developments
from negotiations.reader.selectors.queries import (
    ACTOR_COLUMNS,
    NEWEST_FIRST,
    involvement,
    picked,
    picked_ids,
    proposal_readable,
    readable,
    reader_timeline,
)
from negotiations.reader.selectors.syndicated import recorded_last

ACTOR_SECTION = 20  # entries per section of an actor page


@dataclass
class ActorPage:
    actor: Actor
    members: list
    statements: list
    proposals: list
    stances: list
    expectations: list
    other_entries: list
    negotiations: list
    more: dict = field(default_factory=dict)  # section name → more than shown


def actor_feed_entries(actor, limit):
    """The ``limit`` published entries the actor takes part in most recently recorded
    (newest first, ``SyndicatedEntry``s): the latest of each way of taking part, then the
    latest of those."""
    parts = [way.order_by("-pk")[:limit] for way in involvement(actor, None).values()]
    return recorded_last(readable(None).filter(pk__in=picked(parts)), limit)


def actor_page(actor, user):
    """The latest ``ACTOR_SECTION`` entries of each section (oldest first), in one read of the
    entries: each section's ids are a bounded subquery of it, each read from its own
    index (``involvement``)."""
    limit = ACTOR_SECTION
    members = list(actor.members.order_by("name"))
    speakers = {actor.pk, *(member.pk for member in members)}
    ways = involvement(actor, user, members=members)

    def proposed(e):
        return e.entry_type == EntryType.PROPOSAL and e.as_proposal.proposed_by_id in speakers

    # Each section: what it reads, and which of the entries read are its own.
    sections = {
        "statements": ([ways["statements"]], lambda e: e.entry_type == EntryType.STATEMENT),
        "stances": (
            [ways["statements"].filter(proposal_readable(user)).exclude(stance="")],
            lambda e: (
                e.entry_type == EntryType.STATEMENT
                and e.as_statement.stance
                and e.statement_proposal_visible
            ),
        ),
        "proposals": ([ways["proposed"]], proposed),
        "expectations": ([ways["expectations"]], lambda e: e.entry_type == EntryType.EXPECTATION),
        # Proposals addressed to it (not its own), its status changes, its events.
        "other_entries": (
            [ways["listed"], ways["status_changes"]],
            lambda e: (
                e.entry_type in (EntryType.STATUS_CHANGE, EntryType.EVENT)
                or (e.entry_type == EntryType.PROPOSAL and not proposed(e))
            ),
        ),
    }
    parts = [
        queryset.order_by(*NEWEST_FIRST)[: limit + 1]
        for querysets, _ in sections.values()
        for queryset in querysets
    ]
    entries = list(reader_timeline(readable(user).filter(pk__in=picked_ids(parts))))
    decorate(entries, user)
    shown, more = {}, {}
    for name, (_, belongs) in sections.items():
        items = [e for e in entries if belongs(e)]
        # The subquery picked the latest limit + 1 of this section; statements picked for
        # the stances section may add older ones to "statements": keep the latest.
        more[name] = len(items) > limit
        shown[name] = items[-limit:]
    negotiations = {negotiation.pk: negotiation for negotiation in actor.negotiations.all()}
    for entry in entries:
        negotiations.setdefault(entry.negotiation_id, entry.negotiation)
    return ActorPage(
        actor=actor,
        members=members,
        negotiations=sorted(negotiations.values(), key=lambda n: n.title),
        more=more,
        **shown,
    )


@dataclass
class ActorListing:
    actor: Actor
    negotiations: list  # the negotiations it is a party to or acts in, by title


def actor_index(user):
    """Every actor readers meet — a party to a negotiation, or acting in a readable
    entry (``ACTOR_COLUMNS``, a proposal's addressees, an event's participants) — by
    name, each with those negotiations: three queries (the pairs of actor and
    negotiation, as one UNION; the negotiations; the actors), whatever the size."""
    entries = readable(user)
    parties = Negotiation.parties.through.objects.order_by()
    pairs = [parties.values_list("actor_id", "negotiation_id")]
    for column in ACTOR_COLUMNS:
        acting = entries.filter(**{f"{column}__isnull": False}).order_by()
        pairs.append(acting.values_list(column, "negotiation_id"))
    listings = (
        (Proposal.addressed_to, "proposal", EntryType.PROPOSAL),
        (Event.actors, "event", EntryType.EVENT),
    )
    for listed, entry, kind in listings:
        of_kind = entries.filter(entry_type=kind).values("pk")
        pairs.append(
            listed.through.objects.filter(**{f"{entry}__in": of_kind})
            .order_by()
            .values_list("actor_id", f"{entry}__negotiation_id")
        )
    found = set(pairs[0].union(*pairs[1:]))  # UNION: each pair once
    negotiations = {n.pk: n for n in Negotiation.objects.filter(pk__in={n for _, n in found})}
    by_actor = {}
    for actor_id, negotiation_id in found:
        by_actor.setdefault(actor_id, []).append(negotiations[negotiation_id])
    actors = Actor.objects.filter(pk__in=by_actor).select_related("affiliation")
    return [
        ActorListing(actor, sorted(by_actor[actor.pk], key=lambda n: (n.title, n.pk)))
        for actor in actors.order_by("name", "pk")
    ]


def where_they_stand(negotiations, user):
    """The negotiations (a list) as an actor's page opens with them: each with its state
    of play and its latest key development (``with_developments``; two queries)."""
    found = Negotiation.objects.filter(pk__in=[n.pk for n in negotiations]).order_by("title")
    return list(with_developments(found, user, limit=1))
