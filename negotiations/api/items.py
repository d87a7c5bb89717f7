"""A negotiation's timeline as the API writes it for readers: each item's data, and its
JSON, which the cache keeps (``negotiations.caching.fragments``) and a readers' page is
joined from (``NegotiationViewSet.joined`` in ``negotiations.api.views``)."""

from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

# Times as the API writes them (DRF's format), with one field built once, not per value.
moment = serializers.DateTimeField().to_representation


# JSON as the API writes it (DRF's renderer, with the settings' compact separators and
# UTF-8), for what is written once and kept.
render_json = JSONRenderer().render


def timeline_item_json(item):
    """``timeline_item_data`` written as JSON: what the cache keeps of a timeline item
    (``negotiations.caching.fragments``), and what a page of them is joined from."""
    return render_json(timeline_item_data(item))


def timeline_item_data(item):
    """A ``negotiations.reader.selectors.rows.Item`` in the shape of
    ``TimelineItemSerializer``, but for its ``url``, which goes last (the address asked
    for names the host: the view adds it).

    The timeline is the hot read path, so items are written out directly rather
    than field by field; the API tests hold both to the same contract.
    """
    return {
        "type": item.entry_type,
        "id": item.id,
        "date": item.date.edtf,
        "date_precision": item.date.precision,
        "title": item.title,
        "actors": item.actor_ids,
        "sources": [
            {
                **source,
                "published_on": source["published_on"] and source["published_on"].isoformat(),
            }
            for source in item.sources
        ],
        "key": item.key,
        "published": item.published,
        "corrections": [
            {"note": correction["note"], "made_at": moment(correction["made_at"])}
            for correction in item.corrections
        ],
    }
