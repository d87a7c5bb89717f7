"""What query counts mean on the reader paths."""

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
