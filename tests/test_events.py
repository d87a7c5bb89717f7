"""Reader events: every change readers can see records exactly one event (per record it
shows or hides) and moves the reader version of exactly the negotiations that show it;
hidden work records none and moves none."""

import contextlib
import datetime

import pytest
from django.utils import timezone

from negotiations.domain.corrections import delete_correction
from negotiations.domain.entries import (
    add_correction,
    create_event,
    publish,
    save_entry,
    submit_for_review,
    unpublish,
)
from negotiations.domain.records import delete_record, save_record
from negotiations.domain.review import discard_revision, publish_revision
from negotiations.models import Negotiation, PublicationState, ReaderEvent, Revision
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED, UPDATED, CORRECTED = "published", "updated", "corrected"
UNPUBLISHED, DELETED = "unpublished", "deleted"


class Watch:
    def __init__(self):
        self.mark = ReaderEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.versions = dict(Negotiation.objects.values_list("pk", "reader_version"))
        self.events = []
        self.moved = {}

    def finish(self):
        self.events = [
            (event.record_type, event.record_id, event.action)
            for event in ReaderEvent.objects.filter(pk__gt=self.mark).order_by("pk")
        ]
        now = dict(Negotiation.objects.values_list("pk", "reader_version"))
        self.moved = {
            pk: version - self.versions.get(pk, 0)
            for pk, version in now.items()
            if version != self.versions.get(pk, 0)
        }


@contextlib.contextmanager
def watching():
    watch = Watch()
    yield watch
    watch.finish()


@pytest.fixture
def other(db):
    return factories.NegotiationFactory(slug="other", title="Other talks")


def test_publishing_a_draft_is_one_event_and_its_new_source_another(editor, negotiation, other):
    source = factories.SourceFactory()
    event = factories.EventFactory(
        negotiation=negotiation, state=PublicationState.DRAFT, sources=[source]
    )
    with watching() as seen:
        publish(event, by=editor)
    assert seen.events == [("event", event.pk, PUBLISHED), ("source", source.pk, PUBLISHED)]
    assert seen.moved == {negotiation.pk: 1}


def test_hidden_work_records_nothing(journalist, editor, negotiation, other):
    with watching() as seen:
        draft = create_event(
            negotiation=negotiation, title="Draft meeting", date="2025-02", by=journalist
        )
        draft.title = "Draft meeting, renamed"
        save_entry(draft, by=journalist)
        submit_for_review(draft, by=journalist)
        embargoed = factories.EventFactory(
            negotiation=negotiation, publish_at=timezone.now() + datetime.timedelta(days=1)
        )
        embargoed.title = "Still embargoed"
        save_entry(embargoed, by=editor)
        delete_record(draft, by=editor)
    assert seen.events == []
    assert seen.moved == {}


def test_a_pending_revision_records_nothing_until_published(journalist, editor, negotiation):
    statement = factories.StatementFactory(negotiation=negotiation)
    with watching() as seen:
        statement.text = "We will sign next week."
        revision = save_entry(statement, by=journalist)
        assert isinstance(revision, Revision)
    assert (seen.events, seen.moved) == ([], {})

    with watching() as seen:
        discard_revision(revision, by=editor)
    assert (seen.events, seen.moved) == ([], {})

    statement.refresh_from_db()
    statement.text = "We will sign next month."
    revision = save_entry(statement, by=journalist)
    with watching() as seen:
        publish_revision(revision, by=editor, correction_note="The month was wrong.")
    assert seen.events == [("statement", statement.pk, CORRECTED)]
    assert seen.moved == {negotiation.pk: 1}


@pytest.mark.parametrize(
    ("how", "action"),
    [({"minor_fix": True}, UPDATED), ({"correction_note": "Misspelt."}, CORRECTED)],
)
def test_an_editors_change_of_live_content_is_one_event(editor, negotiation, other, how, action):
    event = factories.EventFactory(negotiation=negotiation)
    event.title = "Meeting in Riyadh"
    with watching() as seen:
        save_entry(event, by=editor, **how)
    assert seen.events == [("event", event.pk, action)]
    assert seen.moved == {negotiation.pk: 1}


def test_a_correction_added_or_withdrawn_is_an_event(editor, negotiation):
    event = factories.EventFactory(negotiation=negotiation)
    with watching() as seen:
        correction = add_correction(event, note="The date was wrong.", by=editor)
    assert seen.events == [("event", event.pk, CORRECTED)]
    with watching() as seen:
        delete_correction(correction, by=editor)
    assert seen.events == [("event", event.pk, CORRECTED)]
    assert seen.moved == {negotiation.pk: 1}


def test_unpublishing_and_embargoing_a_live_entry_hide_it(editor, negotiation):
    source = factories.SourceFactory()
    kept = factories.EventFactory(negotiation=negotiation, sources=[source])
    event = factories.EventFactory(negotiation=negotiation, sources=[source])
    with watching() as seen:
        unpublish(event, by=editor)
    # The source stays visible: another visible entry cites it.
    assert seen.events == [("event", event.pk, UNPUBLISHED)]
    with watching() as seen:
        publish(kept, by=editor, at=timezone.now() + datetime.timedelta(hours=1))
    assert seen.events == [("event", kept.pk, UNPUBLISHED), ("source", source.pk, UNPUBLISHED)]
    assert seen.moved == {negotiation.pk: 1}


def test_deleting_a_visible_entry_is_a_tombstone(editor, negotiation):
    source = factories.SourceFactory()
    factories.EventFactory(negotiation=negotiation, sources=[source])
    event = factories.EventFactory(negotiation=negotiation, sources=[source])
    pk = event.pk
    with watching() as seen:
        delete_record(event, by=editor)
    assert seen.events == [("event", pk, DELETED)]
    assert seen.moved == {negotiation.pk: 1}


def test_publishing_a_proposal_shows_its_status_changes_with_it(editor, negotiation):
    source = factories.SourceFactory()
    plan = factories.ProposalFactory(
        negotiation=negotiation, state=PublicationState.DRAFT, sources=[source]
    )
    with watching() as seen:
        change = factories.StatusChangeFactory(proposal=plan, sources=[source])
    assert seen.events == []  # published, but hidden with its proposal
    with watching() as seen:
        publish(plan, by=editor)
    assert seen.events == [
        ("proposal", plan.pk, PUBLISHED),
        ("status_change", change.pk, PUBLISHED),
        ("source", source.pk, PUBLISHED),
    ]
    assert seen.moved == {negotiation.pk: 1}


def test_a_negotiations_public_fields_are_an_event(editor, negotiation, other):
    with watching() as seen:
        negotiation.summary = "Talks about a ceasefire."
        save_record(negotiation, by=editor)
    assert seen.events == [("negotiation", negotiation.pk, UPDATED)]
    assert seen.moved == {negotiation.pk: 1}


def test_an_actor_change_moves_the_negotiations_that_show_it(editor, negotiation, other):
    speaker = factories.ActorFactory()
    factories.StatementFactory(negotiation=negotiation, actor=speaker)
    factories.StatementFactory(
        negotiation=other, actor=speaker, state=PublicationState.DRAFT
    )  # hidden: the other negotiation does not show the speaker
    with watching() as seen:
        speaker.title = "Foreign minister"
        save_record(speaker, by=editor)
    assert seen.events == [("actor", speaker.pk, UPDATED)]
    assert seen.moved == {negotiation.pk: 1}


def test_a_source_change_shows_only_where_a_visible_entry_cites_it(editor, negotiation, other):
    cited = factories.SourceFactory()
    hidden = factories.SourceFactory()
    factories.EventFactory(negotiation=negotiation, sources=[cited])
    factories.EventFactory(negotiation=other, state=PublicationState.DRAFT, sources=[hidden])
    with watching() as seen:
        hidden.title = "Renamed while only a draft cites it"
        save_record(hidden, by=editor)
    assert (seen.events, seen.moved) == ([], {})
    with watching() as seen:
        cited.title = "Renamed"
        save_record(cited, by=editor)
    assert seen.events == [("source", cited.pk, UPDATED)]
    assert seen.moved == {negotiation.pk: 1}


def test_a_phase_is_public(editor, negotiation, other):
    with watching() as seen:
        phase = save_record(factories.PhaseFactory.build(negotiation=negotiation), by=editor)
    assert seen.events == [("phase", phase.pk, PUBLISHED)]
    assert seen.moved == {negotiation.pk: 1}
