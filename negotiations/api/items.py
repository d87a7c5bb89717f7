"""How the API writes what it writes once and keeps: times, and JSON (a timeline item's,
which the cache keeps and a readers' page is joined from: ``timeline_items_json``,
``NegotiationViewSet.joined``)."""

from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

# Times as the API writes them (DRF's format), with one field built once, not per value.
moment = serializers.DateTimeField().to_representation


# JSON as the API writes it (DRF's renderer, with the settings' compact separators and
# UTF-8), for what is written once and kept.
render_json = JSONRenderer().render
