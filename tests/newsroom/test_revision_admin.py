"""Pending revisions and corrections in the admin: journalists' saves of live entries wait
for an editor; editors see, compare, publish or discard them."""

import pytest
from django.urls import reverse

from negotiations.domain.entries import save_entry
from negotiations.models import Correction, Revision, Statement
from tests.factories import StatementFactory
from tests.newsroom.helpers import form_data

pytestmark = pytest.mark.django_db


def change_url(entry):
    return reverse("admin:negotiations_statement_change", args=[entry.pk])


def revision_url(entry):
    return reverse("admin:negotiations_statement_revision", args=[entry.pk])


def test_a_journalists_save_of_a_live_entry_waits_for_an_editor(client, journalist):
    statement = StatementFactory(text="We will not sign.")
    client.force_login(journalist)
    page = client.get(change_url(statement))
    assert "your changes wait for an editor" in page.text
    response = client.post(
        change_url(statement), form_data(page, text="We will sign."), follow=True
    )
    assert "waits for an editor" in response.text
    assert "was changed successfully" not in response.text
    assert Statement.objects.get(pk=statement.pk).text == "We will not sign."
    # Opened again, the form shows the pending revision.
    again = client.get(change_url(statement))
    assert again.context["adminform"].form["text"].value() == "We will sign."
    assert "pending revision by jane" in again.text


def test_editors_find_compare_and_publish_pending_revisions(client, journalist, editor):
    statement = StatementFactory(text="We will not sign.")
    statement.text = "We will sign."
    save_entry(statement, by=journalist)
    client.force_login(editor)

    index = client.get(reverse("admin:index"))
    assert "1 pending revision" in index.text
    listed = client.get(reverse("admin:negotiations_entry_changelist") + "?pending_revision=yes")
    assert listed.context["cl"].result_count == 1
    kind = client.get(reverse("admin:negotiations_statement_changelist") + "?pending_revision=no")
    assert kind.context["cl"].result_count == 0

    page = client.get(revision_url(statement))
    assert [c.label for c in page.context["changes"]] == ["text"]
    assert "<del>not </del>" in page.text
    form = {"revision": Revision.objects.get().pk, "publish": "Publish"}
    refused = client.post(revision_url(statement), form)
    assert refused.status_code == 200 and "correction note" in refused.text
    client.post(revision_url(statement), {**form, "correction_note": "Misquoted."})
    assert Statement.objects.get(pk=statement.pk).text == "We will sign."
    assert Correction.objects.get().note == "Misquoted."
    assert Revision.objects.get().status == Revision.Status.PUBLISHED


def test_editors_discard_and_journalists_may_not_decide(client, journalist, editor):
    statement = StatementFactory()
    statement.text = "Proposed."
    revision = save_entry(statement, by=journalist)
    client.force_login(journalist)
    data = {"revision": revision.pk, "discard": "Discard"}
    assert client.post(revision_url(statement), data).status_code == 403
    client.force_login(editor)
    client.post(revision_url(statement), data)
    assert Revision.objects.get().status == Revision.Status.DISCARDED


def test_the_correction_help_text_reads_as_words(client, editor):
    statement = StatementFactory()
    client.force_login(editor)
    page = client.get(change_url(statement))
    assert "Corrected on 23 February 2025: …" in page.text
    assert "<date>" not in page.text
    assert "minor_fix" in page.context["adminform"].form.fields


def test_an_editors_restore_of_a_visible_entry_asks_what_it_is(client, editor):
    statement = StatementFactory(text="First.")
    first = statement.history.earliest()
    statement.text = "Second."
    save_entry(statement, by=editor, minor_fix=True)
    client.force_login(editor)
    url = reverse("admin:negotiations_statement_simple_history", args=[statement.pk, first.pk])
    page = client.get(url)
    assert 'name="correction_note"' in page.text and 'name="minor_fix"' in page.text
    client.post(url, {"expected_version": 2})
    assert Statement.objects.get(pk=statement.pk).text == "Second."
    client.post(url, {"expected_version": 2, "minor_fix": "on"})
    assert Statement.objects.get(pk=statement.pk).text == "First."
