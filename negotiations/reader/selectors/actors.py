"""An actor's page: sections of the entries they take part in."""

from dataclasses import dataclass

from django.db.models import Q, Value

from negotiations.caching import fragments
from negotiations.models import (
    Actor,
    Entry,
    EntryType,
    Event,
    Negotiation,
    Proposal,
    user_may_preview,
)
from negotiations.reader.selectors.entries import rendered
from negotiations.reader.selectors.queries import (
    ACTOR_COLUMNS,
    NEWEST_FIRST,
    involvement,
    picked,
    proposal_readable,
    readable,
)
from negotiations.reader.selectors.syndicated import recorded_last
from negotiations.reader.selectors.timeline import listed_entries, numbered, page_sources

ACTOR_SECTION = 20  # entries per section of an actor page
# The sections listing entries, in the order the page numbers the sources they cite.
LISTED_SECTIONS = ("statements", "proposals", "expectations", "other_entries")


@dataclass(frozen=True)
class ActorSections:
    """What an actor's page lists, put together and kept whole (``actor_page``): each
    section's entries as HTML, oldest first, naming their negotiation and citing the
    page's numbers; the rows of its stances table; its numbered sources; and which
    sections have more than they show."""

    statements: tuple
    proposals: tuple
    expectations: tuple
    other_entries: tuple
    stances: tuple
    references: str
    more: dict  # section name → more than shown


@dataclass
class ActorPage:
    members: list
    negotiations: list  # those it is a party to or acts in, by title
    sections: ActorSections


def actor_feed_entries(actor, limit):
    """The ``limit`` published entries the actor takes part in most recently recorded
    (newest first, ``SyndicatedEntry``s): the latest of each way of taking part, then the
    latest of those."""
    parts = [way.order_by("-pk")[:limit] for way in involvement(actor, None).values()]
    return recorded_last(readable(None).filter(pk__in=picked(parts)), limit)


def actor_page(actor, user):
    """The latest ``ACTOR_SECTION`` entries of each section, as the timeline lists them:
    three queries (who speaks for the actor; every section's ids and versions, as one
    UNION, ``section_rows``; the negotiations), then the sections put together, kept whole
    under their entries' ids and versions and the negotiations' names (``put_together``;
    built for previews): a publication that changes none of them, anywhere on the site,
    leaves them as they were."""
    members = list(actor.members.order_by("name"))
    rows = section_rows(actor, user, members)
    acted_in = {row.negotiation_id for row in rows}
    negotiations = {
        negotiation.pk: negotiation
        for negotiation in Negotiation.objects.filter(
            Q(pk__in=actor.negotiations.values("pk")) | Q(pk__in=acted_in)
        )
    }
    preview = user_may_preview(user)
    drawn = (
        actor.pk,
        sorted((row.section, row.pk, row.version, row.shown_version) for row in rows),
        sorted((n.pk, n.slug, n.title) for n in negotiations.values()),
    )
    return ActorPage(
        members=members,
        negotiations=sorted(negotiations.values(), key=lambda n: (n.title, n.pk)),
        sections=fragments.cached_whole(
            "actor",
            drawn,
            None if preview else fragments.context(),
            lambda: put_together(rows, negotiations, user, preview=preview),
            fragments.until_midnight(),  # what the record alone decides
        ),
    )


def put_together(rows, negotiations, user, *, preview):
    """``ActorSections`` of ``rows`` (``section_rows``): each entry's ``ListedEntry`` from
    the cache under its negotiation's ``fragments.context`` (built for previews), what is
    missing read and rendered (``listed_entries``)."""
    contexts = {pk: fragments.context(n.slug) for pk, n in negotiations.items()}
    found = fragments.cached(
        fragments.HTML,
        list({row.pk: row for row in rows}.values()),
        None if preview else lambda row: contexts[row.negotiation_id],
        lambda ids: listed_entries(ids, user),
    )
    shown, more = {}, {}
    for name in (*LISTED_SECTIONS, "stances"):
        latest = sorted(
            (row for row in rows if row.section == name and row.pk in found),
            key=lambda row: (row.date_start, row.sequence, row.pk),
            reverse=True,
        )
        more[name] = len(latest) > ACTOR_SECTION
        shown[name] = latest[:ACTOR_SECTION][::-1]
    listed = [(row, found[row.pk]) for name in LISTED_SECTIONS for row in shown[name]]
    references, numbers = page_sources(entry for _, entry in listed)
    lines = {
        pk: rendered("negotiations/entries.html#negotiation_line", {"negotiation": negotiation})
        for pk, negotiation in negotiations.items()
    }
    html = {
        row.pk: numbered(entry, numbers, lines[row.negotiation_id]).html for row, entry in listed
    }
    return ActorSections(
        stances=tuple(found[row.pk].stance for row in shown["stances"]),
        references=references,
        more=more,
        **{name: tuple(html[row.pk] for row in shown[name]) for name in LISTED_SECTIONS},
    )


def section_rows(actor, user, members):
    """The latest ``ACTOR_SECTION`` + 1 entries of each section of the actor's page, as
    rows of its ``section``, ``fragments.SPINE`` and ``negotiation_id``: one query, a
    UNION ALL of each way the actor takes part (``involvement``) cut on its own index."""
    ways = involvement(actor, user, members=members)
    sections = {
        "statements": [ways["statements"]],
        "stances": [ways["statements"].filter(proposal_readable(user)).exclude(stance="")],
        "proposals": [ways["proposed"]],
        "expectations": [ways["expectations"]],
        # Proposals addressed to it (not its own), its status changes, its events.
        "other_entries": [ways["listed"], ways["status_changes"]],
    }
    parts = [
        Entry.objects.filter(pk__in=way.order_by(*NEWEST_FIRST)[: ACTOR_SECTION + 1].values("pk"))
        .order_by()
        .annotate(section=Value(name))
        .values_list("section", *fragments.SPINE, "negotiation_id", named=True)
        for name, section in sections.items()
        for way in section
    ]
    return list(parts[0].union(*parts[1:], all=True))


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
