"""Pending revisions: a journalist's change of a live entry waits for an editor
(Wagtail's live version plus latest revision), at the domain level."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.entries import publish, save_entry
from negotiations.domain.restore import restore_version
from negotiations.domain.review import discard_revision, publish_revision
from negotiations.domain.revisions import changes_are_held, with_pending_revision
from negotiations.models import (
    Correction,
    Entry,
    Negotiation,
    PublicationState,
    RecordChange,
    Revision,
    Statement,
)
from tests.factories import ActorFactory, EventFactory, SourceFactory, StatementFactory

pytestmark = pytest.mark.django_db


def live_statement(**fields):
    return StatementFactory(text="We will not sign.", **fields)


def stamps(entry):
    stored = Statement.objects.get(pk=entry.pk)
    return (
        stored.text,
        stored.version,
        stored.updated_at,
        stored.history.count(),
        RecordChange.objects.get(record_id=entry.pk).changed_at,
        Negotiation.objects.get(pk=entry.negotiation_id).reader_version,
    )


def test_a_journalists_change_of_a_live_entry_is_held_and_nothing_moves(journalist):
    statement = live_statement()
    before = stamps(statement)
    statement.text = "We will sign next week."
    revision = save_entry(statement, by=journalist)
    assert isinstance(revision, Revision)
    assert stamps(statement) == before  # no version, history, change log or stamp
    assert (revision.status, revision.created_by, revision.base_version) == (
        Revision.Status.PENDING,
        journalist,
        1,
    )
    assert revision.changes == {"text": "We will sign next week."}
    assert revision.base == {"text": "We will not sign."}
    assert changes_are_held(statement, by=journalist)


def test_an_embargoed_entry_is_live_too(journalist):
    later = timezone.now() + datetime.timedelta(days=1)
    statement = live_statement(publish_at=later)
    assert not Entry.objects.published().filter(pk=statement.pk).exists()
    statement.text = "Changed under embargo."
    assert isinstance(save_entry(statement, by=journalist), Revision)
    assert Statement.objects.get(pk=statement.pk).text == "We will not sign."


def test_drafts_and_editors_are_not_held(journalist, editor):
    draft = StatementFactory(state=PublicationState.DRAFT)
    draft.text = "Draft wording."
    assert save_entry(draft, by=journalist) == draft
    statement = live_statement()
    statement.text = "Editor's wording."
    saved = save_entry(statement, by=editor, minor_fix=True)
    assert saved.version == 2 and not Revision.objects.exists()


def test_a_later_edit_replaces_the_pending_revision_and_keeps_the_earlier_one(journalist):
    statement = live_statement()
    first = with_pending_revision(Statement.objects.get(pk=statement.pk))
    first.text = "First proposal."
    old = save_entry(first, by=journalist)

    # The journalist edits the pending state: its other changes are kept.
    second = with_pending_revision(Statement.objects.get(pk=statement.pk))
    assert second.text == "First proposal."
    second.context = "At the press conference."
    new = save_entry(second, by=journalist, expected_revision=old.pk)
    old.refresh_from_db()
    assert old.status == Revision.Status.REPLACED and old.decided_by == journalist
    assert new.changes == {"text": "First proposal.", "context": "At the press conference."}
    assert list(Revision.objects.filter(status=Revision.Status.PENDING)) == [new]


def test_many_to_many_not_given_default_to_the_pending_revisions(journalist):
    event = EventFactory()
    kept, added = SourceFactory(), SourceFactory()
    held = save_entry(
        with_pending_revision(event), by=journalist, sources=[*event.sources.all(), added]
    )
    assert sorted(held.changes["sources"]) == sorted([event.sources.get().pk, added.pk])
    edit = with_pending_revision(EventFactory._meta.model.objects.get(pk=event.pk))
    edit.title = "Summit"
    again = save_entry(edit, by=journalist, m2m={"actors": [ActorFactory()]})
    assert again.changes["sources"] == held.changes["sources"]  # not given: the pending ones
    assert kept.pk not in again.changes["sources"]


def test_optimistic_locking_covers_the_revision(journalist):
    statement = live_statement()
    statement.text = "Mine."
    with pytest.raises(ConflictError):
        save_entry(statement, by=journalist, expected_version=7)
    rival = with_pending_revision(Statement.objects.get(pk=statement.pk))
    rival.text = "Theirs."
    theirs = save_entry(rival, by=journalist)
    mine = Statement.objects.get(pk=statement.pk)
    mine.text = "Mine."
    with pytest.raises(ConflictError, match="got a pending revision by jane"):
        save_entry(mine, by=journalist, expected_revision=None)  # "I saw none"
    assert Revision.objects.get(status=Revision.Status.PENDING) == theirs


def test_a_revision_is_validated_as_the_entry_would_be(journalist):
    statement = live_statement()
    statement.text = ""
    with pytest.raises(ValidationError) as error:
        save_entry(statement, by=journalist)
    assert "text" in error.value.message_dict
    assert not Revision.objects.exists()


def test_journalists_still_may_not_unpublish_or_schedule(journalist):
    statement = live_statement()
    statement.state = PublicationState.REVIEW
    with pytest.raises(PermissionDenied):
        save_entry(statement, by=journalist)
    statement = live_statement()
    statement.publish_at = timezone.now()
    with pytest.raises(PermissionDenied, match="publish time"):
        save_entry(statement, by=journalist)


def test_an_editor_publishes_a_revision_through_the_normal_save(journalist, editor):
    statement = live_statement()
    statement.text = "We will sign next week."
    revision = save_entry(statement, by=journalist)
    with pytest.raises(ValidationError) as error:  # visible: what is it?
        publish_revision(revision, by=editor)
    assert "correction_note" in error.value.message_dict
    published = publish_revision(revision, by=editor, correction_note="Misquoted.")
    stored = Statement.objects.get(pk=statement.pk)
    assert (stored.text, stored.version, published.version) == ("We will sign next week.", 2, 2)
    assert Correction.objects.get().note == "Misquoted."
    revision.refresh_from_db()
    assert (revision.status, revision.decided_by) == (Revision.Status.PUBLISHED, editor)
    latest = stored.history.latest()
    assert latest.history_user == editor
    assert latest.history_change_reason == f"Published revision #{revision.pk} by jane"
    assert "We will sign next week." in stored.search_text


def test_publishing_refuses_a_field_changed_on_the_live_entry_since(journalist, editor):
    statement = live_statement()
    statement.text = "Journalist's text."
    revision = save_entry(statement, by=journalist)
    live = Statement.objects.get(pk=statement.pk)
    live.text = "Editor's text."
    save_entry(live, by=editor, minor_fix=True)
    with pytest.raises(ValidationError) as error:
        publish_revision(revision, by=editor, minor_fix=True)
    assert error.value.code == "stale_revision"
    assert "text" in error.value.messages[0]
    assert Statement.objects.get(pk=statement.pk).text == "Editor's text."
    revision.refresh_from_db()
    assert revision.status == Revision.Status.PENDING


def test_an_unrelated_live_change_does_not_block_publishing(journalist, editor):
    statement = live_statement()
    statement.text = "Journalist's text."
    revision = save_entry(statement, by=journalist)
    live = Statement.objects.get(pk=statement.pk)
    live.key = True
    save_entry(live, by=editor)
    publish_revision(revision, by=editor, minor_fix=True)
    stored = Statement.objects.get(pk=statement.pk)
    assert (stored.text, stored.key) == ("Journalist's text.", True)


def test_only_editors_decide_and_a_decided_revision_stays_decided(journalist, editor):
    statement = live_statement()
    statement.text = "Proposed."
    revision = save_entry(statement, by=journalist)
    with pytest.raises(PermissionDenied):
        publish_revision(revision, by=journalist, minor_fix=True)
    with pytest.raises(PermissionDenied):
        discard_revision(revision, by=journalist)
    discard_revision(revision, by=editor)
    revision.refresh_from_db()
    assert (revision.status, revision.decided_by) == (Revision.Status.DISCARDED, editor)
    assert revision.decided_at is not None
    assert Statement.objects.get(pk=statement.pk).text == "We will not sign."
    with pytest.raises(ValidationError, match="no longer pending"):
        publish_revision(revision, by=editor, minor_fix=True)


def test_one_pending_revision_per_entry_in_the_database(journalist):
    statement = live_statement()
    statement.text = "One."
    revision = save_entry(statement, by=journalist)
    duplicate = Revision(
        entry_id=statement.pk, changes={}, base={}, base_version=1, created_by=journalist
    )
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    assert revision.pk


def test_a_journalists_restore_of_a_live_entry_becomes_a_pending_revision(journalist, editor):
    statement = live_statement()
    first = statement.history.earliest()
    statement.text = "Second wording."
    save_entry(statement, by=editor, minor_fix=True)
    revision = restore_version(first, by=journalist)
    assert isinstance(revision, Revision)
    assert revision.changes == {"text": "We will not sign."}
    assert Statement.objects.get(pk=statement.pk).text == "Second wording."


def test_a_restore_keeps_an_editors_embargo_unless_the_restorer_may_publish(journalist, editor):
    statement = StatementFactory(
        state=PublicationState.DRAFT, text="Draft.", sources=[SourceFactory()]
    )
    old = statement.history.earliest()
    embargo = timezone.now() + datetime.timedelta(days=2)
    publish(statement, by=editor, at=embargo)
    statement.text = "Edited under embargo."  # not visible yet: no correction asked
    save_entry(statement, by=editor)
    held = restore_version(old, by=journalist)  # live: held, and it keeps the embargo
    assert held.changes == {"text": "Draft."}
    stored = Statement.objects.get(pk=statement.pk)
    assert (stored.state, stored.publish_at) == (PublicationState.PUBLISHED, embargo)
    restore_version(old, by=editor)  # an editor's restore is the version, state too
    stored = Statement.objects.get(pk=statement.pk)
    assert (stored.state, stored.publish_at) == (PublicationState.DRAFT, None)
    assert Revision.objects.get().status == Revision.Status.PENDING  # the editor's is direct
