"""The positions matrix: who said what on which proposal."""

import itertools
from dataclasses import dataclass, field

from negotiations.dates import PartialDate
from negotiations.models import Entry, Stance, Statement
from negotiations.reader.selectors.entries import proposals_with_status
from negotiations.reader.selectors.queries import (
    NEWEST_FIRST,
    proposal_readable,
    readable,
    reader_timeline,
)

POSITIONS_READ = 500  # latest stances read for the positions matrix
POSITIONS_PROPOSALS = 12
POSITIONS_ACTORS = 40


@dataclass
class Position:
    stance: str
    label: str
    date: PartialDate
    entry: Entry
    earlier: list = field(default_factory=list)  # earlier, different stances (labels)


@dataclass
class PositionsPage:
    actors: list
    proposals: list
    rows: list  # [(actor, [(proposal, Position | None) per proposal])]
    more_actors: bool = False
    more_proposals: bool = False


def positions(negotiation, user):
    """Actors × proposals: each actor's latest stated stance on each proposal.

    Read from the latest ``POSITIONS_READ`` stances (one narrow query along the
    timeline): the ``POSITIONS_PROPOSALS`` proposals most recently taken a stance on,
    and the ``POSITIONS_ACTORS`` actors who did so most recently. Then the statements
    of the cells shown and the proposals, with their status (two more queries).
    """
    stances = list(
        Statement.objects.visible_to(user)
        .for_negotiation(negotiation)
        .filter(proposal_readable(user))
        .exclude(stance="")
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "actor_id", "proposal_id", "stance")[:POSITIONS_READ]
    )
    # Each proposal and actor once, the most recently stated first.
    proposal_order = list(dict.fromkeys(proposal_id for _, _, proposal_id, _ in stances))
    actor_order = list(dict.fromkeys(actor_id for _, actor_id, _, _ in stances))
    chosen_proposals = set(proposal_order[:POSITIONS_PROPOSALS])
    chosen_actors = set(actor_order[:POSITIONS_ACTORS])
    # Oldest first: each later stance of an actor on a proposal replaces the one before.
    history = {}
    for pk, actor_id, proposal_id, stance in reversed(stances):
        if actor_id in chosen_actors and proposal_id in chosen_proposals:
            history.setdefault((actor_id, proposal_id), []).append((pk, stance))
    cell_ids = [steps[-1][0] for steps in history.values()]
    statements = {
        entry.pk: entry for entry in reader_timeline(readable(user).filter(pk__in=cell_ids))
    }
    proposals = list(proposals_with_status(negotiation, user).filter(pk__in=chosen_proposals))
    latest_of = {}
    actors = {}
    for key, steps in history.items():
        entry = statements.get(steps[-1][0])
        if entry is None:
            continue
        statement = entry.as_statement
        actors[statement.actor_id] = statement.actor
        earlier = [
            Stance(previous).label
            for (_, previous), (_, following) in itertools.pairwise(steps)
            if previous != following
        ]
        latest_of[key] = Position(
            stance=statement.stance,
            label=Stance(statement.stance).label,
            date=PartialDate(entry.date_start, entry.date_precision),
            entry=entry,
            earlier=earlier,
        )
    ordered = sorted(actors.values(), key=lambda a: a.name)
    rows = [(actor, [(p, latest_of.get((actor.pk, p.pk))) for p in proposals]) for actor in ordered]
    return PositionsPage(
        actors=ordered,
        proposals=proposals,
        rows=rows,
        more_actors=len(actor_order) > POSITIONS_ACTORS,
        more_proposals=len(proposal_order) > POSITIONS_PROPOSALS,
    )
