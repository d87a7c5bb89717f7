"""What the reader pages, feeds, calendar and exports read.

Every read starts from ``readable(user)`` and costs a constant number of queries over a
bounded number of rows, whatever the number of entries: lists are cut with keyset windows
over the timeline order (date, order within the day, id) or an indexed moment, never
COUNT(*) or OFFSET; where a list is cut, the page links to the rest.
"""

import functools
from typing import NamedTuple

from django.db.models import (
    Exists,
    OuterRef,
    Q,
)
from django.urls import get_script_prefix, get_urlconf, reverse

from negotiations.models import (
    Actor,
    Entry,
    EntryType,
    Event,
    Proposal,
    participation,
    speaking_for,
)

# How much each list shows at most (the rest is one link away).
FILTER_ACTORS_FROM = 300  # the filter offers the actors of the latest this many entries

TIMELINE_ORDER = ("date_start", "sequence", "pk")
NEWEST_FIRST = ("-date_start", "-sequence", "-pk")

# --------------------------------------------------------------------------- #
# The base of every read
# --------------------------------------------------------------------------- #


def readable(user):
    """Entries this user may read (``EntryQuerySet.visible_to``); whether the proposal an
    entry points at may be named is ``decorate``'s work."""
    return Entry.objects.visible_to(user)


NEGOTIATION_ROUTES = {
    "timeline": "negotiations:timeline",
    "changes": "negotiations:changes",
    "next": "negotiations:next",
    "positions": "negotiations:positions",
    "corrections": "negotiations:corrections",
    "feed": "negotiations:feed",
    "calendar": "negotiations:calendar",
    "embed": "embed:timeline",
    "timelinejs": "embed:timelinejs",
    "lanes_svg": "negotiations:lanes_svg",
    "amounts_svg": "negotiations:amounts_svg",
}


@functools.lru_cache(maxsize=1024)
def _negotiation_paths(prefix, urlconf, slug):
    """The addresses of a negotiation's pages (reversing eleven routes cost ≈ 0.4 ms a
    page): the same for as long as the URLconf, the script prefix and the slug are."""
    return {
        name: reverse(route, kwargs={"slug": slug}) for name, route in NEGOTIATION_ROUTES.items()
    }


def negotiation_paths(negotiation):
    """The addresses of ``negotiation``'s pages, as links on its pages name them."""
    return _negotiation_paths(get_script_prefix(), get_urlconf(), negotiation.slug)


def entry_url(slug, pk):
    """An entry's permanent address (``?entry=``: the timeline page starting with it;
    the anchor scrolls to it)."""
    timeline = _negotiation_paths(get_script_prefix(), get_urlconf(), slug)["timeline"]
    return f"{timeline}?entry={pk}#entry-{pk}"


def permalink(entry):
    return entry_url(entry.negotiation.slug, entry.pk)


def reader_timeline(queryset):
    """The model's timeline (kinds joined, relations prefetched) plus corrections."""
    return queryset.timeline().prefetch_related("corrections")


def before(key):
    """Entries before ``key`` (a TimelineKey) in the timeline order; the leading
    ``date_start`` bound starts the index walk at the key's day."""
    return Q(date_start__lte=key.date_start) & (
        Q(date_start__lt=key.date_start)
        | Q(sequence__lt=key.sequence)
        | Q(sequence=key.sequence, pk__lt=key.pk)
    )


def after(key, *, inclusive=False):
    """Entries after ``key`` in the timeline order (``inclusive``: from it on)."""
    first = Q(pk__gte=key.pk) if inclusive else Q(pk__gt=key.pk)
    return Q(date_start__gte=key.date_start) & (
        Q(date_start__gt=key.date_start)
        | Q(sequence__gt=key.sequence)
        | (Q(sequence=key.sequence) & first)
    )


def picked(parts):
    """The ids that some bounded querysets (each ordered and cut) pick, as one compound
    query (a UNION ALL) to read or to filter by: entries read by these ids cost one index
    lookup each, where an OR of the parts would test every entry against each."""
    queries = [
        Entry.objects.filter(pk__in=part.values("pk")).order_by().values_list("pk", flat=True)
        for part in parts
    ]
    # Each part nested (SQLite allows no LIMIT in a compound query's own parts); unordered:
    # the model's default order is not among the selected columns.
    return queries[0].union(*queries[1:], all=True).order_by()


def picked_ids(parts):
    """The ids ``picked`` by ``parts``, read (one query)."""
    return set(picked(parts))


def cut(queryset, limit):
    """The first ``limit`` rows of an ordered queryset, and whether there are more (one
    query: ``limit + 1`` rows)."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def latest(queryset, limit):
    """The last ``limit`` rows in timeline order, oldest first, and whether there are
    earlier ones (read backwards along the index)."""
    rows, earlier = cut(queryset.order_by(*NEWEST_FIRST), limit)
    return rows[::-1], earlier


def first(queryset, limit):
    """The first ``limit`` rows in timeline order, and whether there are more."""
    return cut(queryset.order_by(*TIMELINE_ORDER), limit)


# --------------------------------------------------------------------------- #
# Who is involved in what
# --------------------------------------------------------------------------- #


def acting_actors(entry):
    """Who acted in an entry (the proposer, the speaker, who changed the status, who
    expects, an event's actors; not a proposal's addressees): where the lanes picture
    places it. A cached ``timeline.ListedEntry`` carries them (``acting``)."""
    acting = getattr(entry, "acting", None)
    if acting is not None:
        return acting
    specific = entry.specific
    if entry.entry_type == EntryType.PROPOSAL:
        return [specific.proposed_by] if specific.proposed_by_id else []
    if entry.entry_type == EntryType.EVENT:
        return list(specific.actors.all())
    actor = specific.actor
    return [actor] if actor is not None else []


def involvement(actor, user, *, members=None):
    """Each way the actor, or anyone speaking for it, takes part in readable entries
    (``models.participation``, as the API's actor filter): {way: queryset}. Each way is
    read from its own index, the speakers' ids written out (an OR of the ways would test
    every entry against each): one small query, none given the actor's ``members``."""
    if members is None:
        actors = list(speaking_for(actor).values_list("pk", flat=True))
    else:
        actors = [actor.pk, *(member.pk for member in members)]
    ways = participation(actors)
    addressed = ways[EntryType.PROPOSAL, "addressed_to"].order_by().values("pk")
    attended = ways[EntryType.EVENT, "actors"].order_by().values("pk")
    found = {
        "proposed": ways[EntryType.PROPOSAL, "proposed_by"],
        "status_changes": ways[EntryType.STATUS_CHANGE, "actor"],
        "statements": ways[EntryType.STATEMENT, "actor"],
        "expectations": ways[EntryType.EXPECTATION, "actor"],
    }
    found = {name: way.visible_to(user) for name, way in found.items()}
    # Proposals addressed to them (their own proposals are "proposed") and events.
    found["listed"] = (
        readable(user)
        .filter(pk__in=addressed.union(attended, all=True))
        .exclude(entry_type=EntryType.PROPOSAL, as_proposal__proposed_by__in=actors)
    )
    return found


def proposal_readable(user, ref="proposal_id"):
    """Condition on statements: the proposal they are about (``ref``) is readable."""
    return Exists(Proposal.objects.visible_to(user).filter(pk=OuterRef(ref)))


class ActorName(NamedTuple):
    """An actor as the filter form offers it (no model instance: hundreds of them, read
    from the cache on every timeline page: a tuple unpickles in half a dataclass's time)."""

    pk: int
    slug: str
    name: str


ACTOR_COLUMNS = (
    "as_proposal__proposed_by",
    "as_status_change__actor",
    "as_statement__actor",
    "as_expectation__actor",
)


def actors_in(negotiation, user, *, also=None):
    """The actors a reader may filter the timeline by, by name: the parties, those
    speaking for them, every actor of the latest ``FILTER_ACTORS_FROM`` readable entries
    (a bounded read), and ``also`` (the slug of the actor chosen). Two queries."""
    recent = list(
        readable(user)
        .for_negotiation(negotiation)
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "entry_type", *ACTOR_COLUMNS)[:FILTER_ACTORS_FROM]
    )
    named = {pk for row in recent for pk in row[2:] if pk is not None}
    proposals = [row[0] for row in recent if row[1] == EntryType.PROPOSAL]
    events = [row[0] for row in recent if row[1] == EntryType.EVENT]
    condition = (
        Q(negotiations=negotiation)
        | Q(affiliation__negotiations=negotiation)
        | Q(pk__in=named)
        | Q(
            pk__in=Proposal.addressed_to.through.objects.filter(proposal_id__in=proposals).values(
                "actor_id"
            )
        )
        | Q(pk__in=Event.actors.through.objects.filter(event_id__in=events).values("actor_id"))
    )
    if also is not None:
        condition |= Q(slug=also)
    found = Actor.objects.filter(condition).distinct().order_by("name", "pk")
    return [ActorName(*row) for row in found.values_list("pk", "slug", "name")]
