"""Queries built once per process: the few every reader request runs.

Building a query through the ORM (filters, joins, compiling to SQL) costs several
times more than PostgreSQL takes to run it once planned, and planning the timeline's
joins costs more than running them. ``CompiledQuery`` keeps the ORM's own definition
(the rules stay written once, in the model layer) but builds its SQL once per shape,
from sentinel values, and each call only swaps in the real ones. On PostgreSQL it
runs as a prepared statement, so each connection also plans it once.

A prepared statement lives on its server connection: behind PgBouncer, use session
pooling (docs/operations.md).
"""

import datetime
import re

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models.query import ValuesIterable

_PLACEHOLDER = re.compile(r"%%|%s")


class CompiledQuery:
    """``build(*arguments, **options)`` → a ``values()``/``values_list()`` queryset.

    Arguments become parameters: integers, strings, dates, datetimes, or lists of
    integers, each list the right side of an ``IN`` (padded, its last value
    repeated, to a power of two, so a few shapes serve every length). Options (page
    sizes, directions) are compiled into the SQL: each value is a shape of its own.
    Calling returns the rows as the queryset would, converted by the backend's own
    converters.

    Prepared statements run with PostgreSQL's generic plan (``plan_cache_mode`` in
    the settings): planned once per connection, right when the best plan does not
    depend on the values. When it does — a search, whose best plan depends on how
    common its words are — pass ``prepare=False``: the SQL is still built once, and
    PostgreSQL plans each run for its values.
    """

    names = set()  # prepared statements are named after their query: one query per name

    def __init__(self, name, build, *, prepare=True):
        if name in CompiledQuery.names:
            raise ValueError(f"A compiled query is already named {name!r}.")
        CompiledQuery.names.add(name)
        self.name = name
        self.build = build
        self.prepare = prepare
        self.shapes = {}

    def __call__(self, *arguments, **options):
        arguments = [_padded(a) if isinstance(a, list) else a for a in arguments]
        shape = (
            tuple(len(a) if isinstance(a, list) else type(a) for a in arguments),
            tuple(sorted(options.items())),
        )
        compiled = self.shapes.get(shape)
        if compiled is None:
            name = f"parley_{self.name}_{len(self.shapes)}"
            compiled = self.shapes[shape] = _Shape(name, self, arguments, options)
        return compiled.run(arguments)


class _Shape:
    def __init__(self, name, compiled_query, arguments, options):
        self.name = name
        self.prepare = compiled_query.prepare
        sentinels = _Sentinels()
        stand_ins = [sentinels.like(argument) for argument in arguments]
        queryset = compiled_query.build(*stand_ins, **options)
        self.model = queryset.model
        self.compiler = queryset.query.get_compiler(queryset.db)
        query = queryset.query
        self.names = None
        if queryset._iterable_class is ValuesIterable:
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        try:
            self.sql, params = self.compiler.as_sql()
        except EmptyResultSet:  # an empty list in an IN: nothing can match
            self.sql = None
            return
        columns = [column for column, _, _ in self.compiler.select[: self.compiler.col_count]]
        self.converters = self.compiler.get_converters(columns)
        where = {_adapt(value): index for index, value in enumerate(_flatten(stand_ins))}
        if set(where) - {p for p in params if _hashable(p)}:
            raise ValueError(f"{name}: the query does not take every argument as a parameter")
        # Each parameter: the index of the argument value it stands for, or a constant.
        self.params = [
            (where[p], None) if _hashable(p) and p in where else (None, p) for p in params
        ]

    def run(self, arguments):
        if self.sql is None:
            return []
        values = [_adapt(value) for value in _flatten(arguments)]
        params = [constant if i is None else values[i] for i, constant in self.params]
        # The database the router reads this model from (a read replica for readers).
        connection = connections[router.db_for_read(self.model) or "default"]
        with connection.cursor() as cursor:
            if self.prepare and connection.vendor == "postgresql":
                self._execute_prepared(connection, cursor, params)
            else:
                cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.names is None:
            return [tuple(row) for row in rows]
        return [dict(zip(self.names, row, strict=True)) for row in rows]

    def _execute_prepared(self, connection, cursor, params):
        prepared = _prepared_on(connection)
        if self.name not in prepared:
            numbers = iter(range(1, len(params) + 1))
            sql = _PLACEHOLDER.sub(lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", self.sql)
            # Once per connection, not per request: run beside the counted queries.
            cursor.cursor.execute(f"PREPARE {self.name} AS {sql}")
            prepared.add(self.name)
        if params:
            cursor.execute(f"EXECUTE {self.name}({', '.join(['%s'] * len(params))})", params)
        else:
            cursor.execute(f"EXECUTE {self.name}")


class _Sentinels:
    """Values no real argument takes, each distinct, of the argument's own type."""

    def __init__(self):
        self.count = 0

    def next(self):
        self.count += 1
        return self.count

    def like(self, argument):
        if isinstance(argument, list):
            return [self.like(value) for value in argument]
        number = self.next()
        if isinstance(argument, datetime.datetime):
            start = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
            return start + datetime.timedelta(microseconds=number)
        if isinstance(argument, datetime.date):
            return datetime.date(1, 2, 3) + datetime.timedelta(days=number)
        if isinstance(argument, str):
            return f"parley-sentinel-{number}-7734"
        # Within every integer field's range: the ORM drops a condition that cannot fail.
        return 1_987_654_000 + number


def _prepared_on(wrapper):
    """The statements prepared on the wrapper's current server connection."""
    raw = wrapper.connection
    known = getattr(wrapper, "parley_prepared", None)
    if known is None or known[0] is not raw:
        known = wrapper.parley_prepared = (raw, set())
    return known[1]


def _padded(values):
    if not values:
        return values
    size = max(8, 1 << (len(values) - 1).bit_length())
    return values + values[-1:] * (size - len(values))


def _flatten(arguments):
    for argument in arguments:
        if isinstance(argument, list):
            yield from argument
        else:
            yield argument


def _adapt(value):
    """A value as the backend passes it (SQLite compiles dates and times to text)."""
    if isinstance(value, datetime.datetime):
        return connections["default"].ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connections["default"].ops.adapt_datefield_value(value)
    return value


def _hashable(value):
    try:
        hash(value)
    except TypeError:  # a list constant, on PostgreSQL
        return False
    return True
