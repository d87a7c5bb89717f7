"""Corrections: an editor's change of what readers read is a public correction or a minor
fix, never silent (the rule itself: ``tests/newsroom/test_correction_rule.py``)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from negotiations.domain.corrections import delete_correction
from negotiations.domain.entries import add_correction, save_entry
from negotiations.models import Correction, PublicationState, RecordChange, Statement
from tests.factories import StatementFactory
from tests.newsroom.helpers import form_data

pytestmark = pytest.mark.django_db


def change_url(entry):
    return reverse(f"admin:negotiations_{entry._meta.model_name}_change", args=[entry.pk])


def test_an_editor_marks_an_edit_as_a_correction(client, editor):
    statement = StatementFactory(text="A $400 billion demand.")
    client.force_login(editor)
    page = client.get(change_url(statement))
    assert "correction_note" in page.context["adminform"].form.fields
    response = client.post(
        change_url(statement),
        form_data(
            page,
            text="A $500 billion demand.",
            correction_note="An earlier version gave the amount as $400 billion.",
        ),
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.text == "A $500 billion demand."
    correction = Correction.objects.get()
    assert (correction.entry_id, correction.made_by) == (statement.pk, editor)
    assert str(correction).endswith(": An earlier version gave the amount as $400 billion.")
    # The edit and the correction are one version in the history.
    assert statement.history.count() == 2


def test_a_minor_fix_creates_no_correction_and_is_recorded_in_history(client, editor):
    statement = StatementFactory(text="Ten generatoins.")
    client.force_login(editor)
    page = client.get(change_url(statement))
    response = client.post(change_url(statement), form_data(page, text="Ten generations."))
    assert response.status_code == 200  # neither a note nor a minor fix: the form says so
    assert "needs a correction note" in response.text
    assert Statement.objects.get(pk=statement.pk).text == "Ten generatoins."

    client.post(change_url(statement), form_data(page, text="Ten generations.", minor_fix="on"))
    assert Statement.objects.get(pk=statement.pk).text == "Ten generations."
    assert not Correction.objects.exists()
    latest = statement.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("Minor fix", editor)


def test_journalists_are_not_offered_corrections_and_cannot_sneak_one_in(client, journalist):
    statement = StatementFactory(state=PublicationState.DRAFT, text="Ten generatoins.")
    client.force_login(journalist)
    page = client.get(change_url(statement))
    assert "correction_note" not in page.context["adminform"].form.fields
    assert "minor_fix" not in page.context["adminform"].form.fields
    response = client.post(
        change_url(statement),
        form_data(page, text="Ten generations.", correction_note="Sneaky."),
    )
    assert response.status_code == 302
    assert Statement.objects.get(pk=statement.pk).text == "Ten generations."
    assert not Correction.objects.exists()


def test_a_new_entry_offers_no_correction(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:negotiations_statement_add"))
    assert "correction_note" not in page.context["adminform"].form.fields


def test_a_correction_on_a_stale_form_is_refused_with_nothing_written(client, editor, superuser):
    statement = StatementFactory(text="Original.")
    client.force_login(editor)
    page = client.get(change_url(statement))
    statement.text = "Changed meanwhile."
    save_entry(statement, by=superuser, minor_fix=True)
    response = client.post(
        change_url(statement), form_data(page, text="Mine.", correction_note="We erred.")
    )
    assert response.status_code == 200
    assert "was changed by root" in response.text
    assert Statement.objects.get(pk=statement.pk).text == "Changed meanwhile."
    assert not Correction.objects.exists()


def test_only_editors_correct_through_the_domain(journalist, editor):
    statement = StatementFactory(text="Original.")
    statement.text = "Changed."
    draft = StatementFactory(state=PublicationState.DRAFT, text="Original.")
    draft.text = "Changed."
    with pytest.raises(PermissionDenied):
        save_entry(draft, correction_note="We erred.", by=journalist)
    assert Statement.objects.get(pk=draft.pk).text == "Original."
    with pytest.raises(PermissionDenied):
        add_correction(statement, note="We erred.", by=journalist)
    assert not Correction.objects.exists()

    save_entry(statement, correction_note="We erred.", by=editor)
    assert Statement.objects.get(pk=statement.pk).text == "Changed."
    assert Correction.objects.get().made_by == editor


def test_readers_see_the_correction_on_the_timeline(client, editor):
    statement = StatementFactory(text="Corrected text.")
    statement.date = "2025-02-22"
    save_entry(statement, correction_note="The date was wrong.", by=editor)
    page = client.get(statement.negotiation.get_absolute_url())
    assert page.status_code == 200
    assert "The date was wrong." in page.text
    assert "Corrected on" in page.text


def test_rewording_or_withdrawing_a_correction_marks_the_entry_changed(client, editor, journalist):
    statement = StatementFactory()
    correction = add_correction(statement, note="Wrong dat.", by=editor)
    change_log = RecordChange.objects.get(record_type="statement", record_id=statement.pk)
    before = change_log.changed_at
    url = reverse("admin:negotiations_correction_change", args=[correction.pk])

    client.force_login(journalist)
    assert client.post(url, {"entry": statement.pk, "note": "Nope."}).status_code == 403

    client.force_login(editor)
    response = client.post(url, {"entry": statement.pk, "note": "Wrong date."})
    assert response.status_code == 302
    assert Correction.objects.get().note == "Wrong date."
    change_log.refresh_from_db()
    assert change_log.changed_at > before

    client.post(
        reverse("admin:negotiations_correction_delete", args=[correction.pk]), {"post": "yes"}
    )
    assert not Correction.objects.exists()
    with pytest.raises(PermissionDenied):
        delete_correction(add_correction(statement, note="x", by=editor), by=journalist)
