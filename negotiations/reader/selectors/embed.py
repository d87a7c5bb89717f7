"""The entries an embedded timeline shows."""

from negotiations.reader.selectors.queries import NEWEST_FIRST, cut, readable


def embed_entries(negotiation, *, key_only, limit):
    """The latest published entries, newest first, for the embed, and whether there are
    earlier ones."""
    entries = readable(None).for_negotiation(negotiation)
    if key_only:
        entries = entries.filter(key=True)
    # Lines, not cards: a headline, its sources, an expectation's word (no trails,
    # listed actors or corrections to read).
    return cut(entries.timeline(listed_actors=False).order_by(*NEWEST_FIRST), limit)
