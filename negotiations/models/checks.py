"""A model's check constraints, evaluated in Python on the instance before it is saved.

Django validates a ``CheckConstraint`` with a query per constraint (``Q.check``: a
``SELECT`` and, inside a transaction, a savepoint around it). The conditions here are
simple comparisons of the row's own columns, so ``verdict`` reads the same ``condition``
against the instance's values, with SQL's three-valued logic: a comparison with NULL is
unknown, and a constraint holds unless its condition is false (as the database and
Django's ``Coalesce(condition, True)`` have it). The database constraint stays the guard;
``tests/test_checks.py`` holds every constraint of the app to the database's verdict.

A condition this module cannot read (a join, a function, an expression) is ``UNREAD``:
the caller lets Django ask the database, as before.
"""

import operator

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP

UNREAD = object()

_COMPARE = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class _Unreadable(Exception):
    pass


def verdict(condition, instance):
    """True or False (or None: unknown) for ``condition`` on ``instance``'s values, or
    ``UNREAD`` when it is not a plain comparison of the row's own columns."""
    try:
        return _node(condition, instance)
    except _Unreadable:
        return UNREAD


def violated(condition, instance):
    """Whether a check constraint of ``condition`` refuses ``instance`` (``UNREAD``: ask
    the database)."""
    result = verdict(condition, instance)
    return result if result is UNREAD else result is False


def _node(q, instance):
    values = [
        _node(child, instance) if isinstance(child, Q) else _lookup(child, instance)
        for child in q.children
    ]
    if q.connector == Q.AND:
        result = False if False in values else (None if None in values else True)
    elif q.connector == Q.OR:
        result = True if True in values else (None if None in values else False)
    else:
        raise _Unreadable
    if q.negated and result is not None:
        result = not result
    return result


def _lookup(child, instance):
    if not isinstance(child, tuple):
        raise _Unreadable  # a lookup or expression object
    path, right = child
    name, _, lookup = path.partition(LOOKUP_SEP)
    lookup = lookup or "exact"
    left = _value(name, instance)
    if lookup == "isnull":
        if not isinstance(right, bool):
            raise _Unreadable
        return (left is None) == right
    compare = _COMPARE.get(lookup)
    if compare is None:
        raise _Unreadable  # another lookup, or a join ("proposal__title")
    if isinstance(right, F):
        right = _value(right.name, instance)
    elif hasattr(right, "resolve_expression"):
        raise _Unreadable
    elif right is None and lookup == "exact":
        return left is None  # the ORM reads ``field=None`` as IS NULL
    if left is None or right is None:
        return None  # NULL compared: unknown
    try:
        return bool(compare(left, right))
    except TypeError:
        raise _Unreadable from None


def _value(name, instance):
    if name == "pk":
        return instance.pk
    if LOOKUP_SEP in name:
        raise _Unreadable
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Unreadable from None
    if not field.concrete or field.many_to_many:
        raise _Unreadable
    return getattr(instance, field.attname)
