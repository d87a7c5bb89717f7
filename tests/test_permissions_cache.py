"""Each user's permissions kept under the roles token (negotiations.caching.permissions):
a signed-in request reads them from the cache, and a change of a user's roles or of a
role's permissions is seen at the user's next request."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS
from django.test import Client

from negotiations.caching import reader_versions, tokens
from negotiations.models import PublicationState
from negotiations.roles import EDITORS, JOURNALISTS
from tests import factories
from tests.test_http_cache import sql_of

pytestmark = pytest.mark.django_db

PERMISSIONS_SQL = 'FROM "auth_permission"'


@pytest.fixture
def url(talks):
    factories.EventFactory(negotiation=talks, title="Draft meeting", state=PublicationState.DRAFT)
    return talks.get_absolute_url()


def previews(user, url):
    """Whether ``user`` is shown the draft, and the SQL their request ran."""
    client = Client()
    client.force_login(user)
    response, sql = sql_of(lambda: client.get(url))
    return "Draft meeting" in response.text, sql


def permission_queries(sql):
    return [query for query in sql if PERMISSIONS_SQL in query]


def test_a_user_s_permissions_are_read_once_and_kept(url, journalist):
    shown, sql = previews(journalist, url)
    assert shown and permission_queries(sql)
    shown, sql = previews(journalist, url)
    assert shown and not permission_queries(sql), sql


def test_kept_permissions_live_no_longer_than_a_token(url, journalist):
    """Were the roles token to live on (a commit's delete lost, then the token added
    again), the permissions kept under it are not: read again."""
    start = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        token = tokens.ROLES.current()
        previews(journalist, url)
    later = start + datetime.timedelta(seconds=tokens.TOKEN_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        caches[reader_versions.ALIAS].set(tokens.ROLES.key, token)
        shown, sql = previews(journalist, url)
        assert tokens.ROLES.current() == token
    assert shown and permission_queries(sql)


def view_entry():
    return Permission.objects.get(codename="view_entry", content_type__app_label="negotiations")


def _leave_the_role(user):
    user.groups.remove(Group.objects.get(name=JOURNALISTS))


def _clear_the_roles(user):
    user.groups.clear()


def _the_role_loses_the_right(user):
    Group.objects.get(name=JOURNALISTS).permissions.remove(view_entry())


def _the_role_deleted(user):
    Group.objects.get(name=JOURNALISTS).delete()


def _the_right_deleted(user):
    view_entry().delete()


TAKEN = {
    "removed from the role": _leave_the_role,
    "roles cleared": _clear_the_roles,
    "the role loses the right": _the_role_loses_the_right,
    "the role deleted": _the_role_deleted,
    "the permission deleted": _the_right_deleted,
}


@pytest.mark.parametrize("change", list(TAKEN))
def test_a_right_taken_away_is_seen_at_the_next_request(url, journalist, change):
    assert previews(journalist, url)[0]
    TAKEN[change](journalist)
    assert not previews(journalist, url)[0]


def _join_a_role(user):
    user.groups.add(Group.objects.get(name=EDITORS))


def _the_user_s_own_right(user):
    user.user_permissions.add(view_entry())


GIVEN = {"a role joined": _join_a_role, "a permission of their own": _the_user_s_own_right}


@pytest.fixture
def researcher(db):
    """Staff with no role: no right to preview."""
    return factories.UserFactory(username="researcher", is_staff=True)


@pytest.mark.parametrize("change", list(GIVEN))
def test_a_right_given_is_seen_at_the_next_request(url, researcher, change):
    assert not previews(researcher, url)[0]
    GIVEN[change](researcher)
    assert previews(researcher, url)[0]


def test_a_role_given_the_right_gives_it_to_its_members(url, researcher):
    role = Group.objects.create(name="Researchers")
    researcher.groups.add(role)
    assert not previews(researcher, url)[0]  # kept without the right
    role.permissions.add(view_entry())
    assert previews(researcher, url)[0]


def test_a_migration_s_change_of_a_role_is_seen_at_the_next_request(url, journalist):
    """A migration's models send the receivers nothing; its end takes the tokens away."""
    assert previews(journalist, url)[0]
    through = Group.permissions.through.objects
    through.filter(group__name=JOURNALISTS, permission=view_entry()).delete()  # no signal
    assert previews(journalist, url)[0]  # still kept
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)
    assert not previews(journalist, url)[0]


def test_without_a_shared_cache_permissions_are_read_at_every_request(
    url, journalist, no_shared_cache
):
    previews(journalist, url)
    shown, sql = previews(journalist, url)
    assert shown and permission_queries(sql)
