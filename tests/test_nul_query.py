import pytest

from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db


def test_a_nul_in_any_query_parameter_is_a_400_not_a_500(client, negotiation):
    StatementFactory(negotiation=negotiation)
    r = client.get("/negotiations/talks/?q=%00&type=%00&actor=%00&since=%00")
    assert r.status_code in (400,), r.status_code
    r = client.get(
        f"/api/v1/negotiations/{negotiation.pk}/timeline/?q=%00&type=%00&actor=%00&since=%00"
    )
    assert r.status_code in (400,), r.status_code
