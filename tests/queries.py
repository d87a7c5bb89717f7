"""What query counts mean on the reader paths."""


def at_most_the_stamp(sql):
    """A repeat anonymous read renders nothing: it asks its negotiation's reader version
    once (one indexed read by primary key, the same in every process)."""
    return len(sql) == 1 and ("negotiations_negotiation" in sql[0] or "parley_stamp" in sql[0])


def is_the_stamp(sql):
    """The negotiation's reader version query: compiled once, a prepared statement on
    PostgreSQL."""
    from negotiations.reader_http import _stamp

    return sql.startswith("EXECUTE parley_stamp_") or any(
        sql.startswith(shape.sql.split("%s")[0]) for shape in _stamp.shapes.values()
    )
