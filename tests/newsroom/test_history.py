"""History: readable diffs, restore of any version, deleted records brought back."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.entries import add_correction, create_statement, save_entry, unpublish
from negotiations.domain.records import delete_record, save_record
from negotiations.domain.restore import restore_deleted, restore_version
from negotiations.domain.versions import latest_version
from negotiations.models import (
    Actor,
    Correction,
    Proposal,
    PublicationState,
    RecordChange,
    Statement,
    StatusChange,
)
from negotiations.newsroom import history
from tests.factories import (
    ActorFactory,
    NegotiationFactory,
    ProposalFactory,
    SourceFactory,
    StatementFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db


def versions(record):
    return list(record.history.order_by("history_id"))


def first_version(record):
    return record.history.order_by("history_id").first()


@pytest.fixture
def edited_statement(journalist, editor):
    """A statement saved twice: text and source changed by the editor."""
    first_source, second_source = SourceFactory(), SourceFactory()
    statement = StatementFactory(
        text="Ten generations of Ukrainians will pay.",
        state=PublicationState.DRAFT,
        sources=[first_source],
    )
    statement.text = "Ten generations of Ukrainians would have to pay."
    statement.date = "2025-02"
    save_entry(statement, by=editor, sources=[second_source])
    statement.first_source, statement.second_source = first_source, second_source
    return statement


def test_restoring_an_earlier_version_brings_back_its_text_date_and_sources(
    edited_statement, journalist
):
    statement = edited_statement
    restored = restore_version(first_version(statement), by=journalist)

    statement.refresh_from_db()
    assert statement.text == "Ten generations of Ukrainians will pay."
    assert statement.date.edtf == "2025-02-23"
    assert list(statement.sources.all()) == [statement.first_source]
    assert restored.version == statement.version == 3
    latest = versions(statement)[-1]
    assert latest.history_user == journalist
    assert latest.history_change_reason.startswith("Restored the version of ")
    assert latest.related_ids["sources"] == [statement.first_source.pk]
    assert RecordChange.objects.get(record_id=statement.pk).action == "updated"


def test_restoring_the_current_version_writes_nothing(edited_statement, journalist):
    current = versions(edited_statement)[-1]
    restore_version(current, by=journalist)
    assert len(versions(edited_statement)) == 2


def test_a_restore_from_a_stale_page_is_refused_and_nothing_is_overwritten(
    edited_statement, journalist, editor
):
    statement = edited_statement
    seen_version = Statement.objects.get(pk=statement.pk).version
    statement.text = "A third wording."
    save_entry(statement, by=editor)
    with pytest.raises(ConflictError) as error:
        restore_version(first_version(statement), by=journalist, expected_version=seen_version)
    assert "was changed by eddie" in str(error.value)
    assert Statement.objects.get(pk=statement.pk).text == "A third wording."


def test_a_journalists_restore_of_a_published_version_keeps_the_draft_a_draft(journalist, editor):
    statement = StatementFactory(text="Published wording.")  # published
    unpublish(statement, by=editor)
    statement.text = "Draft wording."
    save_entry(statement, by=journalist)
    restored = restore_version(first_version(statement), by=journalist)
    stored = Statement.objects.get(pk=statement.pk)
    assert (stored.text, stored.state) == ("Published wording.", PublicationState.DRAFT)
    assert restored == stored


def test_a_deleted_entry_comes_back_with_its_id_sources_order_and_corrections(editor, journalist):
    source = SourceFactory()
    negotiation = NegotiationFactory()
    StatementFactory(negotiation=negotiation)
    statement = create_statement(
        negotiation=negotiation,
        actor=ActorFactory(),
        text="We will sign this week.",
        date="2025-02-23",
        sources=[source],
        by=journalist,
    )
    add_correction(statement, note="The quote was misattributed.", by=editor)
    pk, sequence = statement.pk, statement.sequence

    delete_record(statement, by=editor)
    assert not Statement.objects.filter(pk=pk).exists()
    assert not Correction.objects.exists()

    restored = restore_deleted(Statement, pk, by=editor)
    again = Statement.objects.get(pk=pk)
    assert restored.pk == pk
    assert again.text == "We will sign this week."
    assert again.sequence == sequence
    assert again.created_by == journalist
    assert list(again.sources.all()) == [source]
    assert [(c.note, c.made_by) for c in again.corrections.all()] == [
        ("The quote was misattributed.", editor)
    ]
    assert RecordChange.objects.get(record_type="statement", record_id=pk).action == "created"
    assert versions(again)[-1].history_change_reason.endswith("(was deleted)")


def test_a_deleted_proposal_comes_back_with_the_status_changes_deleted_with_it(editor):
    proposal = ProposalFactory()
    removed_before = StatusChangeFactory(proposal=proposal, status="proposed")
    delete_record(removed_before, by=editor)
    kept = StatusChangeFactory(proposal=proposal, status="withdrawn")
    pk, kept_pk = proposal.pk, kept.pk
    delete_record(proposal, by=editor)

    restore_deleted(Proposal, pk, by=editor)
    assert list(StatusChange.objects.filter(proposal_id=pk).values_list("pk", flat=True)) == [
        kept_pk
    ]


def test_a_version_naming_a_deleted_speaker_is_refused_with_a_reason(editor):
    statement = StatementFactory()
    pk, speaker_pk = statement.pk, statement.actor.pk
    delete_record(statement, by=editor)
    delete_record(statement.actor, by=editor)
    with pytest.raises(ValidationError) as error:
        restore_deleted(Statement, pk, by=editor)
    assert error.value.message_dict["actor"] == [
        f"The speaker of that version (actor #{speaker_pk}) no longer exists: bring it back first."
    ]
    restore_deleted(Actor, speaker_pk, by=editor)
    restore_deleted(Statement, pk, by=editor)
    assert Statement.objects.get(pk=pk).actor_id == speaker_pk


def test_journalists_cannot_bring_back_deleted_records(journalist, editor):
    statement = StatementFactory(state=PublicationState.DRAFT)
    pk = statement.pk
    delete_record(statement, by=editor)
    with pytest.raises(PermissionDenied):
        restore_deleted(Statement, pk, by=journalist)
    assert not Statement.objects.filter(pk=pk).exists()


def test_restoring_something_never_deleted_is_explained(editor):
    statement = StatementFactory()
    with pytest.raises(ValidationError, match="is not a deleted record"):
        restore_deleted(Statement, statement.pk, by=editor)


def test_records_keep_their_relations_across_restores(editor):
    first, second = ActorFactory(), ActorFactory()
    negotiation = NegotiationFactory()
    save_record(negotiation, by=editor, m2m={"parties": [first]})
    save_record(negotiation, by=editor, m2m={"parties": [second]})
    earlier = negotiation.history.order_by("history_id")[1]
    restore_version(earlier, by=editor)
    assert list(negotiation.parties.all()) == [first]


def test_the_diff_reads_like_the_record(edited_statement):
    older, newer = versions(edited_statement)
    changes = {change.field: change for change in history.diff_versions(older, newer)}
    assert set(changes) == {"date", "text", "sources"}
    assert (changes["date"].old, changes["date"].new) == (
        "23 February 2025 (2025-02-23)",
        "February 2025 (2025-02)",
    )
    assert changes["text"].inline == (
        "Ten generations of Ukrainians <del>will</del><ins>would have to</ins> pay."
    )
    assert changes["sources"].old == str(edited_statement.first_source)


# --------------------------------------------------------------------------- #
# In the admin
# --------------------------------------------------------------------------- #


def test_the_history_page_shows_who_changed_what_in_words(client, editor, edited_statement):
    client.force_login(editor)
    url = reverse("admin:negotiations_statement_history", args=[edited_statement.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "<del>will</del><ins>would have to</ins>" in page.text
    assert "eddie" in page.text
    first = first_version(edited_statement)
    restore_url = reverse(
        "admin:negotiations_statement_simple_history",
        args=[edited_statement.pk, first.history_id],
    )
    assert restore_url in page.text


def test_the_diff_page_compares_any_two_versions(client, journalist, edited_statement):
    client.force_login(journalist)
    older, newer = versions(edited_statement)
    url = reverse(
        "admin:negotiations_statement_history_diff", args=[edited_statement.pk, newer.history_id]
    )
    page = client.get(url)
    assert page.status_code == 200
    assert [change.field for change in page.context["changes"]] == ["date", "text", "sources"]
    reverse_page = client.get(url, {"against": older.history_id})
    assert reverse_page.context["older"] == older


def test_restoring_in_the_admin_goes_through_the_domain(client, journalist, edited_statement):
    client.force_login(journalist)
    first = first_version(edited_statement)
    url = reverse(
        "admin:negotiations_statement_simple_history", args=[edited_statement.pk, first.history_id]
    )
    confirm = client.get(url)
    assert [change.field for change in confirm.context["changes"]] == ["date", "text", "sources"]
    response = client.post(url, {"expected_version": confirm.context["current"].version})
    assert response.status_code == 302
    statement = Statement.objects.get(pk=edited_statement.pk)
    assert statement.text == "Ten generations of Ukrainians will pay."
    assert versions(statement)[-1].history_user == journalist


def test_a_stale_restore_in_the_admin_names_who_changed_the_record(
    client, journalist, editor, edited_statement
):
    client.force_login(journalist)
    first = first_version(edited_statement)
    url = reverse(
        "admin:negotiations_statement_simple_history", args=[edited_statement.pk, first.history_id]
    )
    opened = client.get(url).context["current"].version
    edited_statement.text = "Changed meanwhile."
    save_entry(edited_statement, by=editor)
    response = client.post(url, {"expected_version": opened}, follow=True)
    assert "was changed by eddie" in response.text
    assert Statement.objects.get(pk=edited_statement.pk).text == "Changed meanwhile."


def test_deleted_entries_are_listed_and_editors_bring_them_back(client, editor):
    statement = StatementFactory(text="Off the table.")
    pk = statement.pk
    delete_record(statement, by=editor)
    client.force_login(editor)
    listing = client.get(reverse("admin:negotiations_statement_deleted"))
    assert "Off the table." in listing.text
    tombstone = latest_version(Statement, pk)
    url = reverse("admin:negotiations_statement_simple_history", args=[pk, tombstone.history_id])
    assert url in listing.text
    response = client.post(url)
    assert response.status_code == 302
    assert Statement.objects.get(pk=pk).text == "Off the table."


def test_journalists_see_deleted_entries_but_cannot_bring_them_back(client, editor, journalist):
    statement = StatementFactory(state=PublicationState.DRAFT)
    pk = statement.pk
    delete_record(statement, by=editor)
    client.force_login(journalist)
    tombstone = latest_version(Statement, pk)
    url = reverse("admin:negotiations_statement_simple_history", args=[pk, tombstone.history_id])
    assert client.get(reverse("admin:negotiations_statement_deleted")).status_code == 200
    assert client.post(url).status_code == 403
    assert not Statement.objects.filter(pk=pk).exists()


def test_the_changelist_links_to_deleted_records(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:negotiations_event_changelist"))
    assert reverse("admin:negotiations_event_deleted") in page.text
