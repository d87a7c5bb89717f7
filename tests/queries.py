"""What query counts mean on the reader paths."""

import re

STAMP_SQL = (
    'SELECT "negotiations_negotiation"."id" AS "pk", "negotiations_negotiation"."reader_version"'
)


def no_query(sql):
    """A repeat anonymous read renders nothing and asks no database: the negotiation's
    reader version comes from the shared cache (``reader_versions``)."""
    return sql == []


def at_most_the_stamp(sql):
    """A repeat anonymous read when the cache does not have the reader version (its first
    ask, or Redis away): one indexed read by primary key, nothing rendered."""
    return not sql or (len(sql) == 1 and is_the_stamp(sql[0]))


def is_the_stamp(sql):
    """The negotiation's reader version query (``reader_versions``, on a miss)."""
    return sql.startswith(STAMP_SQL)


AUTHENTICATION_SQL = re.compile(
    r'^SELECT .*? FROM "(django_session|auth_user|authtoken_token|auth_permission)"'
)


def authentication_only(sql):
    """A repeat read by a signed-in user (a reader's stored copy, or a stored preview): who
    they are (their session or token, their user; for staff, their permissions) and at
    most the reader version; nothing rendered."""
    who = [query for query in sql if AUTHENTICATION_SQL.match(query)]
    rest = [query for query in sql if not AUTHENTICATION_SQL.match(query)]
    return bool(who) and at_most_the_stamp(rest)
