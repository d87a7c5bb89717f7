"""No lost edits: the second of two concurrent saves is refused, naming who saved first."""

import pytest
from django.urls import reverse

from negotiations.domain.entries import check_entry_rules, save_entry
from negotiations.models import Proposal, Statement, StatusChange
from tests.factories import ProposalFactory, StatementFactory, StatusChangeFactory
from tests.newsroom.helpers import form_data

pytestmark = pytest.mark.django_db


def change_url(entry):
    return reverse(f"admin:negotiations_{entry._meta.model_name}_change", args=[entry.pk])


def test_two_editors_on_one_entry_the_second_save_is_refused(client, journalist, editor):
    statement = StatementFactory(text="Original wording.")
    url = change_url(statement)

    client.force_login(journalist)
    journalists_page = client.get(url)
    assert 'name="expected_version"' in journalists_page.text
    client.force_login(editor)
    editors_page = client.get(url)
    edited = form_data(editors_page, text="Editor's wording.", minor_fix="on")
    assert client.post(url, edited).status_code == 302

    client.force_login(journalist)
    response = client.post(url, form_data(journalists_page, text="Journalist's wording."))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "was changed by eddie" in errors[0]
    assert "Nothing was saved" in errors[0]
    statement = Statement.objects.get(pk=statement.pk)
    assert statement.text == "Editor's wording."
    assert [v.history_user for v in statement.history.order_by("history_id")] == [None, editor]


def test_a_save_racing_past_the_form_check_is_still_refused(client, editor, superuser, monkeypatch):
    statement = StatementFactory(text="Original wording.")
    url = change_url(statement)
    client.force_login(editor)
    page = client.get(url)
    check = check_entry_rules

    def someone_saves_meanwhile(entry, **kwargs):
        other = Statement.objects.get(pk=statement.pk)
        if other.version == statement.version:
            other.text = "Saved in between."
            save_entry(other, by=superuser, minor_fix=True)
        return check(entry, **kwargs)

    monkeypatch.setattr("negotiations.newsroom.forms.check_entry_rules", someone_saves_meanwhile)
    edited = form_data(page, text="Editor's wording.", minor_fix="on")
    response = client.post(url, edited, follow=True)
    assert "Nothing was saved." in response.text
    assert "was changed by root" in response.text
    # (The "other" save shared this test's transaction, so it was rolled back with the
    # refused one; in production it is its own committed transaction.)
    assert Statement.objects.get(pk=statement.pk).text != "Editor's wording."


def test_a_stale_status_change_row_under_its_proposal_is_refused(client, journalist, editor):
    proposal = ProposalFactory(title="Minerals deal")
    change = StatusChangeFactory(proposal=proposal, status="proposed", note="First note.")
    client.force_login(journalist)
    page = client.get(change_url(proposal))

    change = StatusChange.objects.get(pk=change.pk)
    change.note = "The editor's note."
    save_entry(change, by=editor, minor_fix=True)

    assert 'name="status_changes-0-expected_version"' in page.text
    data = form_data(page, **{"status_changes-0-note": "The journalist's note."})
    assert data["status_changes-0-expected_version"] == "1"
    response = client.post(change_url(proposal), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "was changed by eddie" in str(formset.errors)
    assert StatusChange.objects.get(pk=change.pk).note == "The editor's note."
    assert Proposal.objects.get(pk=proposal.pk).version == proposal.version
