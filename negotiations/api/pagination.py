"""Keyset (cursor) pagination over the full ordering: no COUNT(*), stable under inserts.

A cursor names the ordering it was made for and the ordering values of the row
it points from, so a page always starts strictly after (or, going back, strictly
before) a row that was already served: rows added or removed meanwhile never
shift or repeat the others. Every ordering ends with the primary key, which
makes it total.
"""

import base64
import binascii
import datetime
import json

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("pk",)
    invalid_cursor_message = "This cursor is not valid for this list and ordering."

    # -- the page --------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.ordering = self.get_ordering(request, queryset, view)
        self.base_url = request.build_absolute_uri()
        cursor = self.decode_cursor(request, queryset)

        backwards = bool(cursor and cursor["back"])
        values = cursor["values"] if cursor else None
        rows = list(keyset_slice(queryset, self.ordering, values, backwards, self.page_size + 1))
        return self.take(rows, cursor, backwards)

    def take(self, rows, cursor, backwards):
        """The page out of ``page_size + 1`` rows read; the extra one says there is more."""
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, cursor is not None
        self.page = rows
        return rows

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_next_link(self):
        if not self.has_next:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.page[-1], back=False)

    def get_previous_link(self):
        if not self.has_previous or not self.page:
            return None
        return self._link(self.page[0], back=True)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        try:
            size = int(value)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["Give a whole number from 1."]})
        return min(size, self.max_page_size)

    # -- ordering ----------------------------------------------------------------

    def get_ordering(self, request, queryset, view):
        """The view's ordering (or its ordering filter's), made total with the primary key."""
        ordering = None
        for backend in getattr(view, "filter_backends", []):
            if hasattr(backend, "get_ordering"):
                ordering = backend().get_ordering(request, queryset, view)
                break
        if not ordering:
            ordering = getattr(view, "ordering", None) or self.ordering
        if isinstance(ordering, str):
            ordering = (ordering,)
        ordering = list(ordering)
        if not any(term.lstrip("-") in {"pk", "id"} for term in ordering):
            ordering.append("pk")
        return ordering

    # -- cursors -----------------------------------------------------------------

    def _link(self, row, *, back):
        values = [_encode_value(getattr(row, term.lstrip("-"))) for term in self.ordering]
        payload = json.dumps({"o": self.ordering, "v": values, "b": back}, separators=(",", ":"))
        token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def decode_cursor(self, request, queryset):
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        try:
            padded = token + "=" * (-len(token) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if payload["o"] != self.ordering or not isinstance(payload["v"], list):
                raise ValueError
            values = [
                _field_of(queryset, term.lstrip("-")).to_python(value)
                for term, value in zip(self.ordering, payload["v"], strict=True)
            ]
            if any(value is None or _out_of_range(value) for value in values):
                raise ValueError
            return {"values": values, "back": bool(payload["b"])}
        except (
            ValueError,
            TypeError,
            KeyError,
            UnicodeError,
            binascii.Error,
            DjangoValidationError,
            FieldDoesNotExist,
        ):
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None

    # -- schema --------------------------------------------------------------------

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page to read: take it from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page (default {self.page_size}, "
                f"at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


class TimelinePagination(KeysetPagination):
    """The timeline in reading order: date, order within the day, id."""

    ordering = ("date_start", "sequence", "pk")


def keyset_slice(queryset, ordering, values, backwards, limit):
    """The first ``limit`` rows of ``queryset`` in ``ordering`` (reversed going
    backwards), strictly after (or before) the position ``values`` when given."""
    queryset = queryset.order_by(*(_flip(term) if backwards else term for term in ordering))
    if values:
        queryset = queryset.filter(_beyond(ordering, values, backwards))
    return queryset[:limit]


def _beyond(ordering, values, backwards):
    """Rows strictly after (or before) the position ``values`` in the ordering.

    The first term is also given as a plain range (``>=`` or ``<=``): the OR of the
    exact condition alone makes PostgreSQL read the index from its start, so a page
    deep in a long list would cost more than the first one.
    """
    condition = Q(pk__in=[])
    equal = Q()
    for term, value in zip(ordering, values, strict=True):
        name = term.lstrip("-")
        ascending = not term.startswith("-")
        lookup = "gt" if ascending != backwards else "lt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    first = ordering[0]
    ascending = not first.startswith("-")
    bound = "gte" if ascending != backwards else "lte"
    return Q(**{f"{first.lstrip('-')}__{bound}": values[0]}) & condition


def _flip(term):
    return term[1:] if term.startswith("-") else f"-{term}"


def _field_of(queryset, name):
    if name == "pk":
        return queryset.model._meta.pk
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    return queryset.model._meta.get_field(name)


def _encode_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | str):
        return value
    return str(value)


def _out_of_range(value):
    if isinstance(value, datetime.datetime):
        try:
            value.astimezone(datetime.UTC)
        except OverflowError:
            return True
        return False
    return isinstance(value, int) and not -(2**63) <= value < 2**63
