"""The timeline read as plain rows: the hot path of the API and the feeds.

``Entry.objects.…timeline()`` builds model instances of every kind with all
their columns; for a page of a busy negotiation that costs more than the page is
worth (PostgreSQL plans a 17-table join, Python builds ~10 objects per entry).
Here one query selects only the columns a reader's list shows, and three more
fetch the sources, corrections and many-to-many actors of the page. Headlines
come from the same ``headline_from`` rules the models use, fed by the
``HEADLINE_INPUTS`` each kind declares, so the two paths cannot drift apart.
"""

from dataclasses import dataclass, field

from django.db.models import F

from negotiations.dates import PartialDate
from negotiations.models import (
    ENTRY_MODELS,
    Correction,
    Entry,
    EntryType,
    Event,
    Proposal,
    PublicationState,
)

# The actor each kind names by foreign key (the many-to-many ones are fetched apart).
ACTOR_COLUMNS = {
    EntryType.PROPOSAL: "proposed_by_id",
    EntryType.STATUS_CHANGE: "actor_id",
    EntryType.STATEMENT: "actor_id",
    EntryType.EXPECTATION: "actor_id",
}
# The kinds whose actors are many-to-many.
LISTED_ACTOR_KINDS = (EntryType.PROPOSAL, EntryType.EVENT)
SPINE_COLUMNS = ("id", "entry_type", "date_start", "date_precision", "sequence", "key", "state")


def _kind_columns():
    columns = {}
    for entry_type, model in ENTRY_MODELS.items():
        for name, lookup in model.HEADLINE_INPUTS.items():
            columns[f"{entry_type}__{name}"] = F(f"as_{entry_type}__{lookup}")
    for entry_type, column in ACTOR_COLUMNS.items():
        columns[f"{entry_type}__actor"] = F(f"as_{entry_type}__{column}")
    return columns


KIND_COLUMNS = _kind_columns()


def rows(entries):
    """A values() queryset of the timeline columns (paginate it like any queryset)."""
    return entries.values(*SPINE_COLUMNS, **KIND_COLUMNS)


@dataclass
class Item:
    id: int
    entry_type: str
    date: PartialDate
    sequence: int
    title: str
    key: bool
    published: bool
    actor_ids: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    corrections: list = field(default_factory=list)


def items(page):
    """Turn a page of ``rows()`` into items with sources, corrections and actors (3 queries)."""
    ids = [row["id"] for row in page]
    sources = _sources_of(ids)
    corrections = _corrections_of(ids)
    listed_actors = _listed_actors_of(page)
    result = []
    for row in page:
        entry_type = row["entry_type"]
        model = ENTRY_MODELS[entry_type]
        inputs = {name: row[f"{entry_type}__{name}"] for name in model.HEADLINE_INPUTS}
        actor = row.get(f"{entry_type}__actor")
        actor_ids = [actor] if actor else []
        actor_ids += [pk for pk in listed_actors.get(row["id"], []) if pk not in actor_ids]
        result.append(
            Item(
                id=row["id"],
                entry_type=entry_type,
                date=PartialDate(row["date_start"], row["date_precision"]),
                sequence=row["sequence"],
                title=model.headline_from(**inputs),
                key=row["key"],
                published=row["state"] == PublicationState.PUBLISHED,
                actor_ids=actor_ids,
                sources=sources.get(row["id"], []),
                corrections=corrections.get(row["id"], []),
            )
        )
    return result


def _sources_query(ids):
    return (
        Entry.sources.through.objects.filter(entry_id__in=ids)
        .order_by("-source__published_on", "source__title", "source_id")  # as Source.Meta
        .values_list(
            "entry_id",
            "source_id",
            "source__url",
            "source__title",
            "source__publisher",
            "source__published_on",
        )
    )


def _corrections_query(ids):
    return Correction.objects.filter(entry_id__in=ids).values_list("entry_id", "note", "made_at")


def _listed_actors_query(ids):
    """Addressees of proposals and participants of events (ids of other kinds match none)."""
    addressed = Proposal.addressed_to.through.objects.filter(proposal_id__in=ids).values_list(
        "proposal_id", "actor_id", "actor__name"
    )
    attending = Event.actors.through.objects.filter(event_id__in=ids).values_list(
        "event_id", "actor_id", "actor__name"
    )
    # Ordered by name, as Actor.Meta orders the models' own actor lists.
    return addressed.union(attending, all=True).order_by("actor__name")


def _sources_of(ids):
    found = {}
    for entry_id, pk, url, title, publisher, published_on in _sources_query(ids):
        found.setdefault(entry_id, []).append(
            {
                "id": pk,
                "url": url,
                "title": title,
                "publisher": publisher,
                "published_on": published_on,
            }
        )
    return found


def _corrections_of(ids):
    found = {}
    for entry_id, note, made_at in _corrections_query(ids):
        found.setdefault(entry_id, []).append({"note": note, "made_at": made_at})
    return found


def _listed_actors_of(page):
    """Addressees of proposals and participants of events, in one query."""
    ids = [row["id"] for row in page if row["entry_type"] in LISTED_ACTOR_KINDS]
    if not ids:
        return {}
    found = {}
    for entry_id, actor_id, _ in _listed_actors_query(ids):
        found.setdefault(entry_id, []).append(actor_id)
    return found
