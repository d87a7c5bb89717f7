"""Bodies and headers that were 500s (scripts/drill-bad-input.py sends them for real)."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
    ids=["arrays", "objects"],
)
def test_json_nested_too_deeply_is_a_400(as_journalist, body):
    response = as_journalist.post("/api/v1/statements/", body, content_type="application/json")
    assert response.status_code == 400


def test_an_if_match_of_thousands_of_digits_is_a_412(as_editor):
    proposal = factories.ProposalFactory()
    response = as_editor.patch(
        f"/api/v1/proposals/{proposal.pk}/",
        {"title": "x"},
        format="json",
        HTTP_IF_MATCH='"' + "9" * 8000 + '"',
    )
    assert response.status_code == 412
