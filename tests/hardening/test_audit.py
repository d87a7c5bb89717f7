"""Audit completeness: every write path leaves a history row, by whom, and a change-log
entry — the API, the admin's forms, inlines and bulk actions, and the management
commands that write content (load_demo, import_negotiation, import_entries_csv;
demo_accounts writes users, not content) — including the records a deletion changes
on the side. And no code outside the domain writes content in bulk.
"""

import ast
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from negotiations.domain.events import record_type_of
from negotiations.domain.records import delete_record
from negotiations.domain.restore import restore_deleted
from negotiations.models import (
    Actor,
    Correction,
    Entry,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    PublicationState,
    RecordChange,
    Source,
    Stance,
    Statement,
    StatusChange,
)
from tests import factories
from tests.api.conftest import if_match
from tests.newsroom.helpers import form_data

pytestmark = pytest.mark.django_db

API = "/api/v1/"
CONTENT_MODELS = [Actor, Negotiation, Phase, Source, Proposal, StatusChange, Statement, Event]
CONTENT_MODELS += [Expectation, Correction]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def versions(record):
    """``[(history type, user)]`` of a record, oldest first."""
    model = type(record) if not isinstance(record, Entry) else type(record.specific)
    rows = model.history.filter(**{model._meta.pk.attname: record.pk}).order_by("history_id")
    return [(row.history_type, row.history_user) for row in rows]


def logged(record_type, pk):
    change = RecordChange.objects.filter(record_type=record_type, record_id=pk).first()
    return change.action if change else None


# --------------------------------------------------------------------------- #
# The API
# --------------------------------------------------------------------------- #


def _entry(negotiation, **fields):
    return {"negotiation": negotiation.pk, "date": "2025-02", **fields}


def payloads(negotiation):
    actor = factories.ActorFactory()
    plan = factories.ProposalFactory(negotiation=negotiation)
    return {
        "actors": ({"name": "A", "slug": "a-new"}, {"title": "Minister"}),
        "negotiations": ({"title": "Grain", "slug": "grain"}, {"summary": "Ships."}),
        "sources": ({"url": "https://example.org/new"}, {"title": "Renamed"}),
        "proposals": (_entry(negotiation, title="A plan"), {"title": "Renamed"}),
        "status-changes": (
            {"proposal": plan.pk, "status": "countered", "date": "2025-03"},
            {"note": "Noted."},
        ),
        "statements": (_entry(negotiation, actor=actor.pk, text="Yes."), {"text": "No."}),
        "events": (_entry(negotiation, title="Summit"), {"title": "Renamed"}),
        "expectations": (_entry(negotiation, actor=actor.pk, text="Soon."), {"text": "Later."}),
    }


MODEL_OF = {
    "actors": Actor,
    "negotiations": Negotiation,
    "sources": Source,
    "proposals": Proposal,
    "status-changes": StatusChange,
    "statements": Statement,
    "events": Event,
    "expectations": Expectation,
}


@pytest.mark.parametrize("resource", MODEL_OF)
def test_api_create_update_delete_each_leave_a_history_row(
    resource, journalist, editor, negotiation
):
    created, changed = payloads(negotiation)[resource]
    response = client_for(journalist).post(f"{API}{resource}/", created)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    record = MODEL_OF[resource].objects.get(pk=pk)
    response = client_for(journalist).patch(f"{API}{resource}/{pk}/", changed, **if_match(record))
    assert response.status_code == 200, response.content
    record = MODEL_OF[resource].objects.get(pk=pk)
    assert versions(record) == [("+", journalist), ("~", journalist)]
    assert logged(record_type_of(record), pk) == "updated"

    deleted = client_for(editor).delete(f"{API}{resource}/{pk}/", **if_match(record))
    assert deleted.status_code == 204
    assert versions(record)[-1] == ("-", editor)
    assert logged(record_type_of(record), pk) == "deleted"


def test_api_sources_written_inline_are_recorded_too(journalist, negotiation):
    response = client_for(journalist).post(
        f"{API}events/",
        _entry(negotiation, title="Summit", sources=[{"url": "https://example.org/inline"}]),
    )
    assert response.status_code == 201
    source = Source.objects.get(url="https://example.org/inline")
    assert versions(source) == [("+", journalist)]


# --------------------------------------------------------------------------- #
# The admin: forms, inlines, bulk actions, restore, quick add
# --------------------------------------------------------------------------- #


def posted(data):
    """Form data as a browser posts it: an empty multiple choice sends nothing."""
    many = ("sources", "actors", "addressed_to", "parties")
    return {k: [] if v == "" and k.endswith(many) else v for k, v in data.items()}


def admin_url(model, view, *args):
    return reverse(f"admin:negotiations_{model._meta.model_name}_{view}", args=args)


def test_admin_add_change_delete_of_each_kind(client, editor, negotiation):
    client.force_login(editor)
    actor = factories.ActorFactory()
    source = factories.SourceFactory()
    plan = factories.ProposalFactory(negotiation=negotiation)
    additions = {
        Actor: {"name": "New actor", "slug": "new-actor", "kind": "person", "aliases": "[]"},
        Negotiation: {"title": "Grain", "slug": "grain", "status": "active"},
        Phase: {"negotiation": str(negotiation.pk), "name": "Talks", "starts_on": "2025-02-01"},
        Source: {"url": "https://example.org/admin-added"},
        Proposal: {"title": "A plan", "relation": "supersedes"},
        StatusChange: {"proposal": str(plan.pk), "status": "countered"},
        Statement: {"actor": str(actor.pk), "text": "Yes.", "kind": "direct"},
        Event: {"title": "Summit", "kind": "meeting"},
        Expectation: {"actor": str(actor.pk), "text": "Soon.", "outcome": "pending"},
    }
    for model, fields in additions.items():
        add = admin_url(model, "add")
        entry_fields = {}
        if issubclass(model, Entry):
            entry_fields = {
                "negotiation": str(negotiation.pk),
                "date": "2025-02",
                "state": "draft",
                "sources": [str(source.pk)],
            }
        page = client.get(add)
        data = posted(form_data(page, **entry_fields, **fields))
        response = client.post(add, data)
        assert response.status_code == 302, (model, response.context["adminform"].form.errors)
        record = model.objects.order_by("-pk").first()
        assert versions(record) == [("+", editor)], model

        change = admin_url(model, "change", record.pk)
        data = posted(form_data(client.get(change)))
        text_field = "name" if model in (Actor, Phase) else "title" if "title" in data else None
        if model is Source:
            text_field = "publisher"
        elif text_field is None:
            text_field = "note" if model is StatusChange else "text"
        data[text_field] = "Changed in the admin"
        assert client.post(change, data).status_code == 302, model
        assert versions(record)[-1] == ("~", editor), model

        delete = admin_url(model, "delete", record.pk)
        assert client.post(delete, {"post": "yes"}).status_code == 302, model
        assert versions(record)[-1] == ("-", editor), model
        assert logged(record_type_of(record), record.pk) in {"deleted", None}


def test_admin_inlines_record_each_row(client, editor, negotiation):
    client.force_login(editor)
    change = admin_url(Negotiation, "change", negotiation.pk)
    data = form_data(client.get(change))
    data.update(
        {
            "phases-TOTAL_FORMS": "1",
            "phases-0-name": "Framework talks",
            "phases-0-starts_on": "2025-02-01",
        }
    )
    assert client.post(change, data).status_code == 302
    phase = Phase.objects.get()
    assert versions(phase) == [("+", editor)]

    plan = factories.ProposalFactory(negotiation=negotiation)
    change = admin_url(Proposal, "change", plan.pk)
    data = form_data(client.get(change))
    data.update(
        {
            "status_changes-0-date": "2025-03",
            "status_changes-0-status": "countered",
            "status_changes-0-state": "draft",
            "status_changes-0-sources": [],
        }
    )
    assert client.post(change, data).status_code == 302
    assert versions(StatusChange.objects.get(proposal=plan)) == [("+", editor)]


@pytest.mark.parametrize(
    ("action", "start", "expected"),
    [
        ("make_published", PublicationState.DRAFT, PublicationState.PUBLISHED),
        ("make_draft", PublicationState.PUBLISHED, PublicationState.DRAFT),
        ("submit_for_review", PublicationState.DRAFT, PublicationState.REVIEW),
    ],
)
def test_admin_bulk_actions_record_every_entry(client, editor, action, start, expected):
    events = [
        factories.EventFactory(state=start, sources=[factories.SourceFactory()]) for _ in range(3)
    ]
    client.force_login(editor)
    client.post(
        admin_url(Event, "changelist"),
        {"action": action, "_selected_action": [event.pk for event in events]},
    )
    for event in events:
        assert Event.objects.get(pk=event.pk).state == expected
        assert versions(event)[-1] == ("~", editor)


@pytest.mark.parametrize("model", [Event, Entry, Actor])
def test_admin_bulk_delete_records_every_record(client, editor, model):
    if model is Actor:
        records = [factories.ActorFactory() for _ in range(3)]
    else:
        records = [factories.EventFactory() for _ in range(3)]
    client.force_login(editor)
    response = client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": [r.pk for r in records]},
    )
    assert response.status_code == 302
    for record in records:
        assert versions(record)[-1] == ("-", editor)


def test_admin_quick_add_records_the_entry_and_its_new_source(client, editor, negotiation):
    actor = factories.ActorFactory()
    client.force_login(editor)
    response = client.post(
        reverse("admin:negotiations_entry_quick_add"),
        {
            "kind": "statement",
            "negotiation": negotiation.pk,
            "speaker": actor.pk,
            "text": "On deadline.",
            "date": "2025-02-23",
            "source_url": "https://example.org/quick",
            "statement_kind": "direct",
            "state": "draft",
        },
    )
    assert response.status_code == 302
    assert versions(Statement.objects.get()) == [("+", editor)]
    assert versions(Source.objects.get(url="https://example.org/quick")) == [("+", editor)]


def test_corrections_added_reworded_and_withdrawn_in_the_admin(client, editor):
    statement = factories.StatementFactory()
    client.force_login(editor)
    add = reverse("admin:negotiations_correction_add")
    response = client.post(add, {"entry": statement.pk, "note": "The date was wrong."})
    assert response.status_code == 302
    correction = Correction.objects.get()
    change = reverse("admin:negotiations_correction_change", args=[correction.pk])
    assert (
        client.post(change, {"entry": statement.pk, "note": "The day was wrong."}).status_code
        == 302
    )
    delete = reverse("admin:negotiations_correction_delete", args=[correction.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    rows = correction.history.order_by("history_id")
    assert [(r.history_type, r.history_user, r.note) for r in rows] == [
        ("+", editor, "The date was wrong."),
        ("~", editor, "The day was wrong."),
        ("-", editor, "The day was wrong."),
    ]
    assert logged("statement", statement.pk) == "updated"


def test_a_correction_made_with_an_edit_and_brought_back_with_its_entry(client, editor):
    statement = factories.StatementFactory(text="Before")
    client.force_login(editor)
    change = admin_url(Statement, "change", statement.pk)
    data = posted(form_data(client.get(change), text="After", correction_note="Reworded."))
    assert client.post(change, data).status_code == 302
    correction = Correction.objects.get()
    assert versions(correction) == [("+", editor)]
    assert versions(statement)[-1] == ("~", editor)

    pk = statement.pk
    delete_record(statement, by=editor)
    assert versions(correction)[-1][0] == "-"  # went with its entry
    restore_deleted(Statement, pk, by=editor)
    back = Correction.objects.get()
    assert back.note == "Reworded."
    assert versions(back) == [("+", editor)]


# --------------------------------------------------------------------------- #
# Management commands
# --------------------------------------------------------------------------- #


def test_load_demo_records_every_record(db):
    call_command("load_demo", stdout=StringIO())
    for model in [Actor, Negotiation, Source, Proposal, StatusChange, Statement, Event]:
        records = list(model.objects.all())
        assert records, model
        for record in records:
            assert versions(record)[0] == ("+", None), record  # by the system
            assert logged(record_type_of(record), record.pk) is not None


def test_import_negotiation_records_every_record(demo, tmp_path):
    out = StringIO()
    call_command("export_negotiation", demo.slug, stdout=out)
    record = json.loads(out.getvalue())
    # Imported as a second negotiation (known actors and sources are reused).
    record["negotiation"]["slug"] = "copy"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    call_command("import_negotiation", str(path), stdout=StringIO())
    copy = Negotiation.objects.get(slug="copy")
    entries = list(Entry.objects.filter(negotiation=copy))
    assert len(entries) == len(record["entries"])
    for entry in [copy, *entries]:
        assert versions(entry) == [("+", None)]
        assert logged(record_type_of(entry), entry.pk) == "created"


def test_import_entries_csv_records_every_entry(tmp_path, negotiation):
    factories.ActorFactory(slug="witkoff", name="Steve Witkoff")
    path = tmp_path / "entries.csv"
    path.write_text(
        "negotiation,type,date,speaker,text,title,kind,proposal,status,source_url,state\n"
        "talks,statement,2025-02-23,witkoff,A deal this week.,,,,,https://ap.example/1,\n"
        "talks,event,2025-02-24,,,Summit,meeting,,,https://ap.example/2,\n",
        encoding="utf-8",
    )
    call_command("import_entries_csv", str(path), stdout=StringIO(), stderr=StringIO())
    assert Entry.objects.count() == 2
    for entry in [*Entry.objects.all(), *Source.objects.all()]:
        assert versions(entry) == [("+", None)]


# --------------------------------------------------------------------------- #
# What a deletion changes on the side
# --------------------------------------------------------------------------- #


def test_deleting_an_actor_records_the_records_it_leaves(editor, negotiation):
    actor = factories.ActorFactory()
    negotiation.parties.add(actor)  # test setup
    plan = factories.ProposalFactory(negotiation=negotiation, addressed_to=[actor])
    summit = factories.EventFactory(negotiation=negotiation, actors=[actor])

    response = client_for(editor).delete(f"{API}actors/{actor.pk}/", **if_match(actor))
    assert response.status_code == 204

    for record, field in ((negotiation, "parties"), (plan, "addressed_to"), (summit, "actors")):
        record = type(record).objects.get(pk=record.pk)
        assert not getattr(record, field).exists()
        assert versions(record)[-1] == ("~", editor)
        latest = record.history.latest("history_id")
        assert latest.related_ids[field] == []
        # An entry readers see changes without a correction: a minor fix, with its reason.
        minor = "Minor fix: " if isinstance(record, Entry) else ""
        assert latest.history_change_reason == f"{minor}Actor #{actor.pk} deleted"
        assert record.version == 2
        assert logged(record_type_of(record), record.pk) == "updated"


def test_deleting_a_proposal_records_what_pointed_at_it(editor, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    successor = factories.ProposalFactory(negotiation=negotiation, supersedes=plan)
    about = factories.StatementFactory(negotiation=negotiation, proposal=plan)

    response = client_for(editor).delete(f"{API}proposals/{plan.pk}/", **if_match(plan))
    assert response.status_code == 204

    for record, field in ((successor, "supersedes_id"), (about, "proposal_id")):
        record = type(record).objects.get(pk=record.pk)
        assert getattr(record, field) is None
        assert versions(record)[-1] == ("~", editor)
        assert logged(record_type_of(record), record.pk) == "updated"


def test_a_proposal_a_statement_takes_a_stance_on_cannot_be_deleted(editor, negotiation):
    """Setting the statement's proposal to null would break its rule (and was a 500)."""
    plan = factories.ProposalFactory(negotiation=negotiation)
    stance = factories.StatementFactory(
        negotiation=negotiation, proposal=plan, stance=Stance.OPPOSES
    )
    response = client_for(editor).delete(f"{API}proposals/{plan.pk}/", **if_match(plan))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Other records still refer to this one (statement {stance.pk}): "
        "change or delete them first."
    }
    assert Proposal.objects.filter(pk=plan.pk).exists()
    assert versions(Statement.objects.get(pk=stance.pk)) == [("+", None)]


def test_the_admin_lists_what_keeps_a_record_from_being_deleted(client, editor, negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    factories.StatementFactory(
        negotiation=negotiation, proposal=plan, stance=Stance.OPPOSES, text="Never."
    )
    client.force_login(editor)
    delete = admin_url(Proposal, "delete", plan.pk)
    page = client.get(delete).content.decode()
    assert "A stance needs the proposal it is about." in page
    client.post(delete, {"post": "yes"})
    assert Proposal.objects.filter(pk=plan.pk).exists()
    # The bulk action says the same and deletes nothing.
    client.post(
        admin_url(Proposal, "changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": [plan.pk]},
    )
    assert Proposal.objects.filter(pk=plan.pk).exists()


def test_deleting_a_source_records_the_entries_that_cited_it(editor, negotiation):
    kept, dropped = factories.SourceFactory(), factories.SourceFactory()
    event = factories.EventFactory(negotiation=negotiation, sources=[kept, dropped])
    response = client_for(editor).delete(f"{API}sources/{dropped.pk}/", **if_match(dropped))
    assert response.status_code == 204
    event = Event.objects.get(pk=event.pk)
    assert list(event.sources.all()) == [kept]
    assert versions(event)[-1] == ("~", editor)
    assert event.history.latest("history_id").related_ids["sources"] == [kept.pk]


# --------------------------------------------------------------------------- #
# No bulk writes to content outside the domain
# --------------------------------------------------------------------------- #

WRITES = {"update", "bulk_create", "bulk_update", "delete", "update_or_create", "create"}
# Calls that look like writes but are not writes to content, each with why.
NOT_CONTENT = {
    ("tracker/cache.py", "self._local.delete"): "a cache entry",
    ("tracker/cache.py", "super().delete"): "a cache entry",
    ("negotiations/caching/tokens.py", "store.delete"): "a token",
    ("negotiations/caching/previews.py", "store.delete"): "a mark that a build is queued",
    ("negotiations/caching/publication.py", "caches[reader_versions.ALIAS].delete"): "a claim",
    ("negotiations/management/commands/demo_accounts.py", "User.objects.get_or_create"): "users",
    ("negotiations/newsroom/exchange.py", "self.create"): "the importer's own step (domain calls)",
}


def writes_outside_the_domain():
    root = Path(settings.BASE_DIR)
    found = []
    for path in sorted((root / "negotiations").rglob("*.py")) + sorted(
        (root / "tracker").rglob("*.py")
    ):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative or relative.startswith("negotiations/domain/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            receiver = ast.unparse(node.func.value)
            if node.func.attr not in WRITES or "context" in receiver or "headers" in receiver:
                continue
            if (relative, f"{receiver}.{node.func.attr}") in NOT_CONTENT:
                continue
            found.append(f"{relative}:{node.lineno} {receiver}.{node.func.attr}(…)")
    return found


def test_content_is_written_in_bulk_only_by_the_domain():
    """QuerySet.update, bulk_create, .delete() and friends skip history: outside
    negotiations/domain/ there are none (bench/ fills a throwaway benchmark database)."""
    assert writes_outside_the_domain() == []
