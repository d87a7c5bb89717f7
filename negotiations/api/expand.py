"""``?expand=actor,sources,proposal``: related records embedded instead of their ids.

A serializer marks what it can embed (``ExpandableIdField``, ``ExpandableListSerializer``);
the view accepts exactly those names, joins the foreign keys it embeds into the page's
query (many-to-many relations are prefetched already), and the schema documents the
parameter and each field as "the id, or the record when expanded".
"""

import functools

from django.utils.functional import cached_property
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from negotiations.api.fields import IdRelatedField

EXPAND = "expand"
MEANING = {
    "actor": "every actor the record names, as the actor itself instead of its id",
    "proposal": "the proposal instead of its id (in short)",
    "sources": "the whole source records instead of their short form",
}


def _expanding(field):
    return field.expand_name in field.context.get(EXPAND, ())


def _embedded_context(context):
    """An embedded record shows its own references as ids: one level, constant queries."""
    return {**context, EXPAND: ()}


class ExpandableIdField(IdRelatedField):
    """A reference by id; with ``?expand=<expand_name>``, the record (``embed``) itself."""

    def __init__(self, *, expand_name, embed, **kwargs):
        self.expand_name, self.embed = expand_name, embed
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return not _expanding(self)

    def to_representation(self, value):
        if _expanding(self):
            return self.embed(value, context=_embedded_context(self.context)).data
        return super().to_representation(value)


class ExpandableListSerializer(serializers.ListSerializer):
    """Records shown inline in short; with ``?expand=<expand_name>``, whole (``embed``)."""

    expand_name = None
    embed = None

    def to_representation(self, data):
        if _expanding(self):
            embed = self.embed(many=True, context=_embedded_context(self.context))
            return embed.to_representation(data)
        return super().to_representation(data)


@functools.cache
def expand_names(serializer_class):
    """What ``serializer_class`` can embed, by expand name: read once per class, as its
    fields are declared with it (building them at each request cost more than the rest
    of a timeline page)."""
    names = set()
    for field in serializer_class().fields.values():
        field = getattr(field, "child_relation", field)  # a many-to-many's ids
        if getattr(field, "expand_name", None) and not field.write_only:
            names.add(field.expand_name)
    return frozenset(names)


def foreign_keys_embedded(serializer, names):
    """The foreign keys ``names`` embed (for ``select_related``)."""
    return [
        field.source
        for field in serializer.fields.values()
        if isinstance(field, ExpandableIdField) and field.expand_name in names
    ]


class ExpandMixin:
    """For API views: validates ``?expand=``, embeds through the serializer context."""

    @cached_property
    def expandable_serializer(self):
        return self.get_serializer_class()(context={"request": self.request})

    def expandable(self):
        return expand_names(self.get_serializer_class())

    def expansions(self):
        """The expand names asked for: a 400 naming the accepted ones for any other."""
        asked = {
            name.strip()
            for value in self.request.query_params.getlist(EXPAND)
            for name in value.split(",")
            if name.strip()
        }
        accepted = self.expandable()
        unknown = sorted(asked - accepted)
        if unknown:
            listed = ", ".join(sorted(accepted))
            message = f"Cannot expand {', '.join(unknown)}: this endpoint expands {listed}."
            raise ValidationError({EXPAND: [message]})
        return frozenset(asked)

    def accepted_query_parameters(self):
        accepted = super().accepted_query_parameters()
        return accepted | {EXPAND} if self.expandable() else accepted

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.expanding = self.expansions()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), EXPAND: getattr(self, "expanding", ())}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        expanding = getattr(self, "expanding", ())
        related = foreign_keys_embedded(self.expandable_serializer, expanding) if expanding else ()
        return queryset.select_related(*related) if related else queryset


def expand_parameter(view):
    """``?expand=`` as the schema documents it, for a view that embeds anything."""
    names = sorted(view.expandable()) if isinstance(view, ExpandMixin) else []
    if not names:
        return []
    return [
        OpenApiParameter(
            EXPAND,
            str,
            many=True,
            explode=False,
            enum=names,
            description="Related records to embed, comma-separated: "
            + "; ".join(f"`{name}`: {MEANING[name]}" for name in names)
            + ". Unknown names are a 400.",
        )
    ]


class ExpandableIdFieldExtension(OpenApiSerializerFieldExtension):
    target_class = ExpandableIdField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        plain = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            return plain
        embedded = auto_schema.resolve_serializer(self.target.embed, direction).ref
        return {"anyOf": [plain, embedded]}


class ExpandableListExtension(OpenApiSerializerFieldExtension):
    target_class = ExpandableListSerializer
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        plain = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            return plain
        embedded = auto_schema.resolve_serializer(self.target.embed, direction).ref
        return {"anyOf": [plain, {"type": "array", "items": embedded}]}
