"""Authorization in depth: no mass assignment through the API or the admin, and what is
hidden stays hidden on every read path (lists, details, the timeline, the changes
feed, search, filters, status histories), for every kind of reader.

Visibility is the queryset's (``EntryQuerySet.published``/``visible_to``), not a view's
check on single objects: the same rule answers lists, counts and details.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from negotiations.api.pagination import KeysetPagination
from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.revisions import pending_revision
from negotiations.models import (
    Actor,
    Entry,
    Event,
    Negotiation,
    Proposal,
    ProposalStatus,
    PublicationState,
    Stance,
    Statement,
    StatusChange,
)
from tests import factories
from tests.api.conftest import if_match
from tests.newsroom.helpers import form_data

pytestmark = pytest.mark.django_db

API = "/api/v1/"
DRAFT = PublicationState.DRAFT
REVIEW = PublicationState.REVIEW
PUBLISHED = PublicationState.PUBLISHED
ENTRY_RESOURCES = ["proposals", "status-changes", "statements", "events", "expectations"]


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


# --------------------------------------------------------------------------- #
# What is hidden stays hidden
# --------------------------------------------------------------------------- #


@pytest.fixture
def record(negotiation):
    """One entry in every state that must not be public, and public ones beside them."""
    later = timezone.now() + datetime.timedelta(days=1)
    public_plan = factories.ProposalFactory(negotiation=negotiation, title="Public plan")
    draft_plan = factories.ProposalFactory(
        negotiation=negotiation, title="Secret plan", state=DRAFT
    )
    hidden = {
        "draft": factories.EventFactory(negotiation=negotiation, title="Secret draft", state=DRAFT),
        "review": factories.StatementFactory(
            negotiation=negotiation, text="Secret under review", state=REVIEW
        ),
        "scheduled": factories.ExpectationFactory(
            negotiation=negotiation, text="Secret embargoed", publish_at=later
        ),
        "draft proposal": draft_plan,
        # Published itself, but it reads as "Secret plan: rejected".
        "change of a draft proposal": factories.StatusChangeFactory(
            proposal=draft_plan, status=ProposalStatus.REJECTED
        ),
    }
    public = {
        "proposal": public_plan,
        "status change": factories.StatusChangeFactory(proposal=public_plan),
        "statement": factories.StatementFactory(negotiation=negotiation, text="Public words"),
        "event": factories.EventFactory(negotiation=negotiation, title="Public event"),
        "expectation": factories.ExpectationFactory(negotiation=negotiation, text="Public hope"),
    }
    return {
        "negotiation": negotiation,
        "hidden": hidden,
        "public": public,
        "hidden_ids": {entry.pk for entry in hidden.values()},
        "public_ids": {entry.pk for entry in public.values()},
    }


def outsiders(db):
    """Everyone who may not preview: anonymous, signed in without a role, staff
    without a role, and a non-staff account that was given the journalists' rights."""
    role_less_staff = factories.UserFactory(username="intern", is_staff=True)
    not_staff = factories.UserFactory(username="script")
    not_staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_entry", "add_event", "change_event"])
    )
    return {
        "anonymous": None,
        "reader": factories.UserFactory(username="reader"),
        "role-less staff": role_less_staff,
        "non-staff with rights": not_staff,
    }


@pytest.mark.parametrize("who", ["anonymous", "reader", "role-less staff", "non-staff with rights"])
def test_hidden_entries_reach_no_outsider_by_any_read(who, record, db):
    client = client_for(outsiders(db)[who])
    negotiation = record["negotiation"]
    hidden, public = record["hidden_ids"], record["public_ids"]

    listed = set()
    for resource in ENTRY_RESOURCES:
        listed |= ids(client.get(f"{API}{resource}/"))
        assert not ids(client.get(f"{API}{resource}/?published=false")) & hidden
        assert not ids(client.get(f"{API}{resource}/?q=Secret")) & hidden
        assert not ids(client.get(f"{API}{resource}/?negotiation={negotiation.pk}")) & hidden
    assert listed == public

    for entry in record["hidden"].values():
        resource = {"status_change": "status-changes"}.get(entry.entry_type, entry.entry_type + "s")
        assert client.get(f"{API}{resource}/{entry.pk}/").status_code == 404, entry
        for method in ("patch", "delete"):
            assert getattr(client, method)(f"{API}{resource}/{entry.pk}/").status_code in {
                401,
                403,
                404,
            }

    timeline = client.get(f"{API}negotiations/{negotiation.pk}/timeline/")
    assert ids(timeline) == public
    assert "Secret" not in timeline.content.decode()

    changes = client.get(f"{API}changes/").json()["results"]
    entry_types = {"proposal", "status_change", "statement", "event", "expectation"}
    shown = {c["id"] for c in changes if c["action"] != "deleted" and c["type"] in entry_types}
    assert not shown & hidden  # ids of other types (sources) are another namespace
    assert "Secret" not in client.get(f"{API}changes/").content.decode()

    plan = client.get(f"{API}proposals/{record['public']['proposal'].pk}/").json()
    assert [item["id"] for item in plan["status_history"]] == [record["public"]["status change"].pk]


@pytest.mark.parametrize("role", ["journalist", "editor", "superuser"])
def test_the_newsroom_sees_every_state(request, role, record):
    client = client_for(request.getfixturevalue(role))
    listed = set()
    for resource in ENTRY_RESOURCES:
        listed |= ids(client.get(f"{API}{resource}/"))
    assert listed == record["hidden_ids"] | record["public_ids"]
    timeline = client.get(f"{API}negotiations/{record['negotiation'].pk}/timeline/")
    assert ids(timeline) == record["hidden_ids"] | record["public_ids"]


def test_the_visibility_rule_lives_in_the_queryset(record):
    """Lists, counts and lookups all start from it."""
    visible = set(Entry.objects.published().values_list("pk", flat=True))
    assert visible == record["public_ids"]
    assert Entry.objects.visible_to(None).count() == len(record["public_ids"])
    changes = StatusChange.objects.published()
    assert list(changes) == [record["public"]["status change"]]
    assert Proposal.objects.with_status(None).get(title="Secret plan").current_status is None


def test_a_status_change_shows_once_its_proposal_does(record):
    anon = client_for()
    plan = record["hidden"]["draft proposal"]
    change = record["hidden"]["change of a draft proposal"]
    later = timezone.now() + datetime.timedelta(hours=2)
    Proposal.objects.filter(pk=plan.pk).update(state=PUBLISHED, publish_at=later)  # test setup
    assert anon.get(f"{API}status-changes/{change.pk}/").status_code == 404
    with time_machine.travel(later + datetime.timedelta(minutes=1)):
        lift_due_embargoes()  # the task, at its time
        assert anon.get(f"{API}status-changes/{change.pk}/").status_code == 200
        body = anon.get(f"{API}proposals/{plan.pk}/").json()
        assert body["status"] == "rejected"


# --------------------------------------------------------------------------- #
# No mass assignment: the API
# --------------------------------------------------------------------------- #

# Fields a journalist may send but that change nothing: (field, value sent).
IGNORED = [
    ("id", 424242),
    ("version", 99),
    ("created_at", "2000-01-01T00:00:00Z"),
    ("updated_at", "2000-01-01T00:00:00Z"),
    ("created_by", "EDITOR"),
    ("status", "signed"),
    ("status_history", [{"status": "signed", "date": "2025-01"}]),
    ("type", "event"),
    ("entry_type", "event"),
    ("date_precision", "year"),
    ("corrections", [{"note": "Forged correction", "made_at": "2000-01-01T00:00:00Z"}]),
    ("sequence", 99),
    ("search_text", "forged"),
    ("search_vector", "'forged':1"),
    ("url", "https://evil.example/"),
]


def _bookkeeping(entry):
    entry = type(entry).objects.get(pk=entry.pk)
    return {
        "pk": entry.pk,
        "created_at": entry.created_at,
        "created_by": entry.created_by_id,
        "entry_type": entry.entry_type,
        "date_precision": entry.date_precision,
        "sequence": entry.sequence,
        "state": entry.state,
        "publish_at": entry.publish_at,
        "corrections": list(entry.corrections.values_list("note", flat=True)),
        "status_changes": list(StatusChange.objects.filter(proposal_id=entry.pk).values("pk")),
        "search_text": entry.search_text,
        "search_vector": entry.search_vector,
    }


@pytest.mark.parametrize(("field", "value"), IGNORED, ids=[field for field, _ in IGNORED])
@pytest.mark.parametrize("state", [DRAFT, PUBLISHED])
def test_a_journalist_patching_bookkeeping_changes_nothing(
    field, value, state, journalist, editor, negotiation
):
    plan = factories.ProposalFactory(negotiation=negotiation, state=state, created_by=editor)
    before = _bookkeeping(plan)
    value = editor.pk if value == "EDITOR" else value
    response = client_for(journalist).patch(
        f"{API}proposals/{plan.pk}/", {field: value}, **if_match(plan)
    )
    after = _bookkeeping(plan)
    assert after == before
    if field == "version":  # a body version is a precondition, never ignored
        assert response.status_code == 412, response.content
        return
    # A journalist's change of a live entry waits for an editor: no new version then.
    assert response.status_code == (202 if state == PUBLISHED else 200), response.content
    body = response.json()
    assert (body["id"], body["version"], body["type"], body["status"]) == (
        plan.pk,
        plan.version + (state == DRAFT),  # the PATCH itself is a new version, nothing more
        "proposal",
        None,
    )
    assert body["corrections"] == []
    assert body["pending_revision"] is None  # nothing it may change was changed


@pytest.mark.parametrize(("field", "value"), IGNORED, ids=[field for field, _ in IGNORED])
def test_a_journalist_creating_with_bookkeeping_gets_a_plain_draft(
    field, value, journalist, editor, negotiation
):
    value = editor.pk if value == "EDITOR" else value
    data = {"negotiation": negotiation.pk, "date": "2025-02", "title": "A plan", field: value}
    response = client_for(journalist).post(f"{API}proposals/", data)
    assert response.status_code == 201, response.content
    plan = Proposal.objects.get()
    assert plan.pk != 424242
    assert (plan.state, plan.publish_at, plan.created_by, plan.version) == (
        DRAFT,
        None,
        journalist,
        1,
    )
    assert (plan.entry_type, plan.date_precision, plan.sequence) == ("proposal", "month", 0)
    assert plan.created_at.year > 2000
    assert not plan.corrections.exists() and not plan.status_changes.exists()
    assert plan.search_text == "A plan"


@pytest.mark.parametrize("resource", ENTRY_RESOURCES)
def test_a_journalist_cannot_publish_or_unpublish_any_kind(resource, journalist, negotiation):
    factory = {
        "proposals": factories.ProposalFactory,
        "status-changes": factories.StatusChangeFactory,
        "statements": factories.StatementFactory,
        "events": factories.EventFactory,
        "expectations": factories.ExpectationFactory,
    }[resource]
    extra = {} if resource == "status-changes" else {"negotiation": negotiation}
    draft = factory(state=DRAFT, **extra)
    live = factory(**extra)
    client = client_for(journalist)
    refused = client.patch(f"{API}{resource}/{draft.pk}/", {"published": True}, **if_match(draft))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only editors can publish entries."}
    refused = client.patch(f"{API}{resource}/{live.pk}/", {"published": False}, **if_match(live))
    assert refused.status_code == 403
    for entry, state in ((draft, DRAFT), (live, PUBLISHED)):
        stored = Entry.objects.get(pk=entry.pk)
        assert (stored.state, stored.version) == (state, 1)


def test_a_status_change_takes_its_negotiation_from_its_proposal(journalist, negotiation):
    other = factories.NegotiationFactory()
    plan = factories.ProposalFactory(negotiation=negotiation)
    response = client_for(journalist).post(
        f"{API}status-changes/",
        {"proposal": plan.pk, "status": "countered", "date": "2025-03", "negotiation": other.pk},
    )
    assert response.status_code == 201
    assert StatusChange.objects.get().negotiation == negotiation


def test_a_negotiation_stamp_cannot_be_set(journalist, negotiation):
    before = Negotiation.objects.get(pk=negotiation.pk).reader_changed_at
    response = client_for(journalist).patch(
        f"{API}negotiations/{negotiation.pk}/",
        {"changed_at": "2000-01-01T00:00:00Z"},
        **if_match(negotiation),
    )
    assert response.status_code == 200
    after = Negotiation.objects.get(pk=negotiation.pk).reader_changed_at
    assert before is None or after >= before


# --------------------------------------------------------------------------- #
# No mass assignment: the admin
# --------------------------------------------------------------------------- #

FORGED_ADMIN_FIELDS = {
    "created_by": "EDITOR",
    "created_at_0": "2000-01-01",
    "created_at_1": "00:00:00",
    "created_at": "2000-01-01 00:00:00",
    "updated_at": "2000-01-01 00:00:00",
    "version": "99",
    "sequence": "99",
    "entry_type": "proposal",
    "search_text": "forged",
    "search_vector": "'forged':1",
    "publish_at_0": "2000-01-01",
    "publish_at_1": "00:00:00",
    "publish_at": "2000-01-01 00:00:00",
}


def forged(editor, **fields):
    return {
        k: editor.pk if v == "EDITOR" else v for k, v in {**FORGED_ADMIN_FIELDS, **fields}.items()
    }


def test_the_admin_add_form_ignores_bookkeeping_and_refuses_publishing(
    client, journalist, editor, negotiation
):
    client.force_login(journalist)
    add = reverse("admin:negotiations_event_add")
    data = form_data(
        client.get(add),
        negotiation=str(negotiation.pk),
        date="2025-02-23",
        title="Summit",
        kind="meeting",
        sources=[],
        actors=[],
        **forged(editor, state="published"),
    )
    page = client.post(add, data)
    assert page.status_code == 200  # the form again: "published" is not a choice
    assert "state" in page.context["adminform"].form.errors
    assert not Event.objects.exists()

    page = client.post(add, {**data, "state": "draft"})
    assert page.status_code == 302, page.context["adminform"].form.errors
    event = Event.objects.get()
    assert (event.state, event.publish_at, event.created_by, event.version) == (
        DRAFT,
        None,
        journalist,
        1,
    )
    assert (event.entry_type, event.sequence, event.search_text) == ("event", 0, "Summit")
    assert event.created_at.year > 2000


def test_the_admin_change_form_keeps_a_published_entry_published(client, journalist, editor):
    statement = factories.StatementFactory(text="Before")
    client.force_login(journalist)
    change = reverse("admin:negotiations_statement_change", args=[statement.pk])
    data = form_data(client.get(change), text="After", **forged(editor, state="draft"))
    assert client.post(change, data).status_code == 302
    stored = Statement.objects.get(pk=statement.pk)
    # The change waits for an editor as a pending revision: the live entry is untouched.
    assert (stored.text, stored.state, stored.publish_at, stored.version) == (
        "Before",
        PUBLISHED,
        None,
        1,
    )
    assert pending_revision(stored).changes == {"text": "After"}
    assert stored.created_by is None  # made by the system (the factory), still
    assert not stored.corrections.exists()  # journalists do not publish corrections


def test_a_status_change_added_inline_by_a_journalist_stays_a_draft(client, journalist):
    plan = factories.ProposalFactory()
    client.force_login(journalist)
    change = reverse("admin:negotiations_proposal_change", args=[plan.pk])
    data = form_data(client.get(change))
    prefix = "status_changes"
    row = int(data[f"{prefix}-INITIAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(row + 1),  # the blank row the page offers
            f"{prefix}-{row}-sources": [],
            f"{prefix}-{row}-date": "2025-03",
            f"{prefix}-{row}-status": "countered",
            f"{prefix}-{row}-state": "published",
            f"{prefix}-{row}-created_by": str(journalist.pk),
            f"{prefix}-{row}-version": "42",
        }
    )
    page = client.post(change, data)
    assert page.status_code == 302, [
        f.errors for f in page.context["inline_admin_formsets"][0].formset.forms
    ]
    added = StatusChange.objects.get(proposal=plan)
    assert (added.state, added.version, added.created_by) == (DRAFT, 1, journalist)


def test_publication_bulk_actions_are_editors_only(client, journalist):
    event = factories.EventFactory(state=DRAFT)
    client.force_login(journalist)
    client.post(
        reverse("admin:negotiations_event_changelist"),
        {"action": "make_published", "_selected_action": [event.pk]},
    )
    assert Event.objects.get(pk=event.pk).state == DRAFT


def test_a_journalist_sees_a_hidden_status_change_marked_in_the_admin(client, journalist):
    plan = factories.ProposalFactory(state=DRAFT)
    factories.StatusChangeFactory(proposal=plan)
    client.force_login(journalist)
    page = client.get(reverse("admin:negotiations_statuschange_changelist"))
    assert "Published, hidden until its proposal is published" in page.content.decode()


# --------------------------------------------------------------------------- #
# Every list has a maximum page size
# --------------------------------------------------------------------------- #

LISTS = [
    "actors/",
    "negotiations/",
    "sources/",
    *[f"{resource}/" for resource in ENTRY_RESOURCES],
    "changes/",
    "TIMELINE",
]


@pytest.fixture
def four_of_everything(negotiation):
    plan = factories.ProposalFactory(negotiation=negotiation)
    for _ in range(4):
        factories.ProposalFactory(negotiation=negotiation)
        factories.StatusChangeFactory(proposal=plan)
        factories.StatementFactory(negotiation=negotiation)
        factories.EventFactory(negotiation=negotiation)
        factories.ExpectationFactory(negotiation=negotiation)
        factories.NegotiationFactory()
    return negotiation


@pytest.mark.parametrize("path", LISTS)
def test_every_list_caps_its_page_size(path, four_of_everything, monkeypatch):
    monkeypatch.setattr(KeysetPagination, "max_page_size", 3)
    if path == "TIMELINE":
        path = f"negotiations/{four_of_everything.pk}/timeline/"
    body = client_for().get(f"{API}{path}?page_size=100000").json()
    assert len(body["results"]) == 3, path
    assert body["next"] is not None


def test_the_cap_is_200(db):
    Actor.objects.bulk_create(  # test data only: actors need no history here
        Actor(name=f"Actor {n}", slug=f"actor-{n}") for n in range(205)
    )
    body = client_for().get(f"{API}actors/?page_size=1000").json()
    assert len(body["results"]) == 200
    rest = client_for().get(body["next"]).json()
    assert len(rest["results"]) == 5 and rest["next"] is None
    assert KeysetPagination.max_page_size == 200


def test_a_statement_stance_on_a_hidden_proposal_names_no_title(record):
    statement = factories.StatementFactory(
        negotiation=record["negotiation"],
        proposal=record["hidden"]["draft proposal"],
        stance=Stance.OPPOSES,
    )
    body = client_for().get(f"{API}statements/{statement.pk}/").content.decode()
    assert "Secret plan" not in body
