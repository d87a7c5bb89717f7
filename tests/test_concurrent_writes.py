"""Writes that race each other (the load drill, scripts/drill-load.py, runs them for real)."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations import domain
from negotiations.models import Source
from tests.factories import SourceFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_claiming_a_version_is_one_compare_and_swap_update(journalist):
    """No SELECT before the UPDATE, and the UPDATE itself checks the version.

    Through a child model (Statement) Django would pre-select the ids and update
    "WHERE id IN (…)" without the version: two concurrent saves would both win.
    """
    statement = StatementFactory()
    with CaptureQueriesContext(connection) as queries:
        domain._claim_version(statement, statement.version)
    (update,) = [q["sql"] for q in queries.captured_queries]
    assert update.startswith("UPDATE")
    assert '"version" = ' in update.split("WHERE", 1)[1]


def test_citing_a_url_someone_else_just_stored_reuses_their_source(journalist):
    """The lookup missed it (their insert committed meanwhile): reuse, do not fail."""
    theirs = SourceFactory(url="https://example.org/breaking")
    real_filter = Source.objects.filter
    calls = []

    def first_lookup_misses(*args, **kwargs):
        calls.append(kwargs)
        return Source.objects.none() if len(calls) == 1 else real_filter(*args, **kwargs)

    with mock.patch.object(domain.Source.objects, "filter", side_effect=first_lookup_misses):
        source = domain.get_or_create_source(url=theirs.url, by=journalist)
    assert source == theirs
    assert Source.objects.filter(url=theirs.url).count() == 1
