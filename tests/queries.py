"""What query counts mean on the reader paths."""

STAMP_SQL = 'SELECT "negotiations_negotiation"."reader_version"'


def at_most_the_stamp(sql):
    """A repeat anonymous read renders nothing: it asks its negotiation's reader version
    once (one indexed read by primary key, the same in every process)."""
    return len(sql) == 1 and "negotiations_negotiation" in sql[0]


def is_the_stamp(sql):
    """The negotiation's reader version query (``reader_http.stamp_of``)."""
    return sql.startswith(STAMP_SQL)
