"""A proposal's page: its statements, status trail and successors."""

from dataclasses import dataclass

from django.http import Http404

from negotiations.caching import fragments
from negotiations.models import EntryType, Proposal, Statement, StatusChange
from negotiations.reader.filters import TimelineKey
from negotiations.reader.selectors.entries import (
    TRAIL_FIELDS,
    cite,
    decorate,
    rendered,
    status_trails,
)
from negotiations.reader.selectors.queries import (
    NEWEST_FIRST,
    TIMELINE_ORDER,
    after,
    before,
    latest,
    negotiation_paths,
    picked,
    readable,
    reader_timeline,
)
from negotiations.reader.selectors.timeline import _key, cited_entries

PROPOSAL_STATEMENTS = 50
PROPOSAL_TRAIL = 100
PROPOSAL_SUCCESSORS = 20


@dataclass(frozen=True)
class ProposalFacts:
    """What a proposal's page shows of the proposal itself: its facts, sources and
    corrections, and its status history, rendered; kept whole under its version and its
    successors' (a new status, a renamed actor, a correction move its ``shown_version``)."""

    title: str
    summary: str
    html: str


@dataclass
class ProposalPage:
    facts: ProposalFacts
    statements: list  # the statements about it, as the timeline lists them (``ListedEntry``)
    references: str  # the page's sources, rendered
    earlier_statements: TimelineKey | None = None  # "Earlier statements": before this key
    later_statements: TimelineKey | None = None


def proposal_page(negotiation, pk, user, *, cursor, context):
    """The proposal, its status trail (the latest ``PROPOSAL_TRAIL`` steps), the
    statements about it (``PROPOSAL_STATEMENTS`` per page, the latest first) and the
    proposals answering it: one keyset query, then the cache (``context``: the entries'
    ``fragments.context``, None for previews), what is missing read and rendered."""
    about = Statement.objects.visible_to(user).filter(negotiation=negotiation, proposal=pk)
    if cursor.before is not None:
        about = about.filter(before(cursor.before))
    elif cursor.after is not None:
        about = about.filter(after(cursor.after))
    order = TIMELINE_ORDER if cursor.after is not None else NEWEST_FIRST
    proposals = Proposal.objects.visible_to(user).filter(negotiation=negotiation)
    ids = picked(
        [
            proposals.filter(pk=pk),
            about.order_by(*order)[: PROPOSAL_STATEMENTS + 1],
            proposals.filter(supersedes=pk).order_by(*TIMELINE_ORDER)[:PROPOSAL_SUCCESSORS],
        ]
    )
    rows = readable(user).filter(pk__in=ids).order_by(*TIMELINE_ORDER)
    spine = list(rows.values_list(*fragments.SPINE, "entry_type", named=True))
    found = [row for row in spine if row.pk == pk and row.entry_type == EntryType.PROPOSAL]
    if not found:
        raise Http404("No proposal at this address.")
    statements = [row for row in spine if row.entry_type == EntryType.STATEMENT]
    more = len(statements) > PROPOSAL_STATEMENTS
    if cursor.after is not None:
        statements = statements[:PROPOSAL_STATEMENTS]
        earlier = _key(statements, 0, cursor.after)
        later = _key(statements, -1) if more else None
    else:
        statements = statements[-PROPOSAL_STATEMENTS:]
        earlier = _key(statements, 0) if more else None
        later = _key(statements, -1, cursor.before) if cursor.before is not None else None
    successors = [row for row in spine if row.entry_type == EntryType.PROPOSAL and row.pk != pk]
    # The proposal's sources are cited first: its facts number them from 1.
    sources, entries = cited_entries(found + statements, user, context)
    facts = fragments.cached_whole(
        "proposal",
        tuple((row.pk, row.version, row.shown_version) for row in found + successors),
        context,
        lambda: proposal_facts(negotiation, pk, [row.pk for row in successors], user),
        fragments.until_midnight(),  # what the record alone decides
    )
    return ProposalPage(
        facts=facts,
        statements=[entry for entry in entries() if entry.pk != pk],
        references=sources()[0],
        earlier_statements=earlier,
        later_statements=later,
    )


def proposal_facts(negotiation, pk, successor_ids, user):
    """``ProposalFacts`` of the proposal ``pk`` (readable) and its successors."""
    entries = list(reader_timeline(readable(user).filter(pk__in=[pk, *successor_ids])))
    changes = StatusChange.objects.visible_to(user).filter(proposal=pk).values_list(*TRAIL_FIELDS)
    changes, earlier_trail = latest(changes, PROPOSAL_TRAIL)
    trails = status_trails(changes)
    decorate(entries, user, trails)
    entry = next(e for e in entries if e.pk == pk)
    cite([entry])
    trail = trails.get(pk, [])
    proposal = entry.as_proposal
    html = rendered(
        "negotiations/proposal.html#facts",
        {
            "entry": entry,
            "proposal": proposal,
            "current_status": trail[-1].status if trail else None,
            "trail": trail,
            "earlier_trail": earlier_trail,
            "successors": [e for e in entries if e.pk != pk],
            "negotiation": negotiation,
            "links": negotiation_paths(negotiation),
        },
    )
    return ProposalFacts(title=proposal.title, summary=proposal.summary, html=html)
