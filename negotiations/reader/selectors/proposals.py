"""A proposal's page: its statements, status trail and successors."""

from dataclasses import dataclass

from django.http import Http404

from negotiations.models import Entry, EntryType, Proposal, Statement, StatusChange
from negotiations.reader.filters import TimelineKey
from negotiations.reader.selectors.entries import TRAIL_FIELDS, decorate, status_trails
from negotiations.reader.selectors.queries import (
    NEWEST_FIRST,
    TIMELINE_ORDER,
    after,
    before,
    latest,
    picked_ids,
    readable,
    reader_timeline,
)
from negotiations.reader.selectors.timeline import _key

PROPOSAL_STATEMENTS = 50
PROPOSAL_TRAIL = 100
PROPOSAL_SUCCESSORS = 20


@dataclass
class ProposalPage:
    entry: Entry  # the proposal's timeline entry (``entry.as_proposal`` is the proposal)
    current_status: str | None
    trail: list
    statements: list
    successors: list
    earlier_trail: bool = False  # the trail starts with earlier steps not shown
    earlier_statements: TimelineKey | None = None  # "Earlier statements": before this key
    later_statements: TimelineKey | None = None


def proposal_page(negotiation, pk, user, *, cursor):
    """The proposal, its status trail (the latest ``PROPOSAL_TRAIL`` steps), the
    statements about it (``PROPOSAL_STATEMENTS`` per page, the latest first) and the
    proposals answering it."""
    about = Statement.objects.visible_to(user).filter(negotiation=negotiation, proposal=pk)
    if cursor.before is not None:
        about = about.filter(before(cursor.before))
    elif cursor.after is not None:
        about = about.filter(after(cursor.after))
    order = TIMELINE_ORDER if cursor.after is not None else NEWEST_FIRST
    proposals = Proposal.objects.visible_to(user).filter(negotiation=negotiation)
    ids = picked_ids(
        [
            proposals.filter(pk=pk),
            about.order_by(*order)[: PROPOSAL_STATEMENTS + 1],
            proposals.filter(supersedes=pk).order_by(*TIMELINE_ORDER)[:PROPOSAL_SUCCESSORS],
        ]
    )
    entries = list(reader_timeline(readable(user).filter(pk__in=ids)))
    entry = next((e for e in entries if e.pk == pk and e.entry_type == EntryType.PROPOSAL), None)
    if entry is None:
        raise Http404("No proposal at this address.")
    changes = StatusChange.objects.visible_to(user).filter(proposal=pk).values_list(*TRAIL_FIELDS)
    changes, earlier_trail = latest(changes, PROPOSAL_TRAIL)
    trails = status_trails(changes)
    decorate(entries, user, trails)
    trail = trails.get(pk, [])
    statements = [e for e in entries if e.entry_type == EntryType.STATEMENT]
    more = len(statements) > PROPOSAL_STATEMENTS
    if cursor.after is not None:
        statements = statements[:PROPOSAL_STATEMENTS]
        earlier = _key(statements, 0, cursor.after)
        later = _key(statements, -1) if more else None
    else:
        statements = statements[-PROPOSAL_STATEMENTS:]
        earlier = _key(statements, 0) if more else None
        later = _key(statements, -1, cursor.before) if cursor.before is not None else None
    return ProposalPage(
        entry=entry,
        current_status=trail[-1].status if trail else None,
        trail=trail,
        statements=statements,
        successors=[e for e in entries if e.entry_type == EntryType.PROPOSAL and e.pk != pk],
        earlier_trail=earlier_trail,
        earlier_statements=earlier,
        later_statements=later,
    )
