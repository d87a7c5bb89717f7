"""Admin addresses with an id no record can have answer 404 or "does not exist", never 500."""

import pytest
from django.contrib import admin

from tests import factories

HUGE = "99999999999999999999999"
MODELS = [m for m in admin.site._registry if m._meta.app_label == "negotiations"]


@pytest.fixture
def signed_in(client, db):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("pk", [HUGE, "٥"])
@pytest.mark.parametrize("page", ["change/", "history/", "delete/"])
def test_an_impossible_id_is_no_server_error(signed_in, model, pk, page):
    opts = model._meta
    response = signed_in.get(f"/admin/{opts.app_label}/{opts.model_name}/{pk}/{page}")
    assert response.status_code in (302, 404), response.status_code


def test_comparing_with_a_version_in_other_digits_is_refused(signed_in):
    actor = factories.ActorFactory()
    version = actor.history.get().history_id
    url = f"/admin/negotiations/actor/{actor.pk}/history/{version}/diff/"
    assert signed_in.get(f"{url}?against=٥").status_code == 200
    assert signed_in.get(f"{url}?against={HUGE}").status_code == 200
