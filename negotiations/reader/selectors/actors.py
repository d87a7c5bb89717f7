"""An actor's page: sections of the entries they take part in."""

from dataclasses import dataclass, field

from negotiations.models import Actor, EntryType
from negotiations.reader.selectors.entries import decorate, trails_for
from negotiations.reader.selectors.queries import (
    NEWEST_FIRST,
    involvement,
    picked_ids,
    proposal_readable,
    readable,
    reader_timeline,
)

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


ACTOR_SECTIONS = ("statements", "stances", "proposals", "expectations", "other_entries")


def actor_sections(actor, user, members):
    """Each section of an actor page as readable entries, each read from its own index
    (``involvement``): {section: [querysets]}."""
    ways = involvement(actor, user, members=members)
    return {
        "statements": [ways["statements"]],
        "stances": [ways["statements"].filter(proposal_readable(user)).exclude(stance="")],
        "proposals": [ways["proposed"]],
        "expectations": [ways["expectations"]],
        # Proposals addressed to it (not its own), its status changes, its events.
        "other_entries": [ways["listed"], ways["status_changes"]],
    }


def actor_feed_entries(actor, limit):
    """The ``limit`` published entries the actor takes part in most recently recorded
    (newest first): the latest of each way of taking part, then the latest of those."""
    parts = [way.order_by("-pk")[:limit] for way in involvement(actor, None).values()]
    ids = picked_ids(parts)
    return list(reader_timeline(readable(None).filter(pk__in=ids)).order_by("-pk")[:limit])


def actor_page(actor, user, *, limit=None):
    """The latest ``limit`` entries of each section (oldest first), in one read of the
    entries: each section's ids are a bounded subquery of it."""
    limit = limit or ACTOR_SECTION
    members = list(actor.members.order_by("name"))
    parts = [
        queryset.order_by(*NEWEST_FIRST)[: limit + 1]
        for querysets in actor_sections(actor, user, members).values()
        for queryset in querysets
    ]
    entries = list(reader_timeline(readable(user).filter(pk__in=picked_ids(parts))))
    decorate(entries, trails_for(entries, user), user)
    speaker_ids = {actor.pk, *(m.pk for m in members)}

    def section(name):
        if name == "statements":
            return [e for e in entries if e.entry_type == EntryType.STATEMENT]
        if name == "stances":
            return [
                e
                for e in entries
                if e.entry_type == EntryType.STATEMENT
                and e.as_statement.stance
                and e.statement_proposal_visible
            ]
        if name == "proposals":
            return [
                e
                for e in entries
                if e.entry_type == EntryType.PROPOSAL
                and e.as_proposal.proposed_by_id in speaker_ids
            ]
        if name == "expectations":
            return [e for e in entries if e.entry_type == EntryType.EXPECTATION]
        return [
            e
            for e in entries
            if e.entry_type in (EntryType.STATUS_CHANGE, EntryType.EVENT)
            or (
                e.entry_type == EntryType.PROPOSAL
                and e.as_proposal.proposed_by_id not in speaker_ids
            )
        ]

    shown, more = {}, {}
    for name in ACTOR_SECTIONS:
        items = section(name)
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


# --------------------------------------------------------------------------- #
# Home
# --------------------------------------------------------------------------- #
