"""The journalists' admin: every model editable, rules explained in words, rights by role."""

import pytest
from django.urls import reverse

from negotiations.models import Actor, Event, Proposal, PublicationState, Statement, StatusChange
from tests.factories import (
    ActorFactory,
    EventFactory,
    NegotiationFactory,
    ProposalFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "actor",
    "negotiation",
    "phase",
    "source",
    "entry",
    "proposal",
    "statuschange",
    "statement",
    "event",
    "expectation",
    "correction",
]


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_working_list_and_form(as_superuser, demo, model):
    changelist = as_superuser.get(reverse(f"admin:negotiations_{model}_changelist"))
    assert changelist.status_code == 200
    if model != "entry":
        assert as_superuser.get(reverse(f"admin:negotiations_{model}_add")).status_code == 200


@pytest.mark.parametrize("model", ["proposal", "statuschange", "statement", "event", "expectation"])
def test_every_entry_kind_opens_for_editing(as_superuser, demo, model):
    from negotiations.models import ENTRY_MODELS

    entry_model = next(m for m in ENTRY_MODELS.values() if m._meta.model_name == model)
    entry = entry_model.objects.filter(negotiation=demo).first()
    response = as_superuser.get(reverse(f"admin:negotiations_{model}_change", args=[entry.pk]))
    assert response.status_code == 200
    assert entry.date.edtf in response.text


def test_autocomplete_finds_actors_by_alias(as_superuser, demo):
    response = as_superuser.get(
        reverse("admin:autocomplete"),
        {
            "term": "Zelensky",
            "app_label": "negotiations",
            "model_name": "statement",
            "field_name": "actor",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Volodymyr Zelenskyy"]


def statement_form(negotiation, actor, **overrides):
    data = {
        "negotiation": negotiation.pk,
        "date": "2025-02",
        "actor": actor.pk,
        "text": "Ten generations.",
        "kind": "direct",
        "state": "draft",
        "sources": [],
        "context": "",
        "stance": "",
        "timezone": "",
        "original_language": "",
        "original_text": "",
    }
    data.update(overrides)
    return data


def test_a_journalist_logs_a_statement_with_a_month_date(client, journalist, negotiation):
    client.force_login(journalist)
    actor = ActorFactory()
    response = client.post(
        reverse("admin:negotiations_statement_add"), statement_form(negotiation, actor)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    statement = Statement.objects.get()
    assert statement.date.edtf == "2025-02"
    assert statement.created_by == journalist
    assert statement.history.get().history_user == journalist


def test_an_unreadable_date_is_explained(client, journalist, negotiation):
    client.force_login(journalist)
    response = client.post(
        reverse("admin:negotiations_statement_add"),
        statement_form(negotiation, ActorFactory(), date="2025-13-40"),
    )
    assert response.status_code == 200
    assert "is not a date that exists" in str(response.context["adminform"].form.errors["date"])
    assert not Statement.objects.exists()


def test_numbers_and_ids_in_other_digits_are_refused(client, journalist, negotiation):
    """Django's fields read "٥" as 5: the amount would be another, the id another record's."""
    client.force_login(journalist)
    actor = ActorFactory()
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    response = client.post(
        reverse("admin:negotiations_statement_add"),
        {**statement_form(negotiation, actor), "actor": str(actor.pk).translate(arabic)},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"actor": ["Write numbers with the digits 0 to 9."]}
    response = client.post(
        reverse("admin:negotiations_proposal_add"),
        proposal_form(negotiation, amount="５００", currency="USD"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["amount"]  # and, as for any unreadable amount, its rules
    assert errors["amount"][0] == "Write numbers with the digits 0 to 9."
    assert not Statement.objects.exists()
    assert not Proposal.objects.exists()


def proposal_form(negotiation, **overrides):
    data = {
        "negotiation": negotiation.pk,
        "date": "2025-02",
        "title": "$500 billion",
        "summary": "",
        "state": "draft",
        "currency": "",
        "amount": "",
        "relation": "supersedes",
        "timezone": "",
        "as_status_change-TOTAL_FORMS": "0",
        "as_status_change-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"amount": "-5", "currency": "USD"}, "amount", "An amount cannot be negative."),
        ({"amount": "500"}, "currency", "Give the currency of the amount."),
        ({"currency": "USD"}, "amount", "A currency was given without an amount."),
        ({"amount": "5", "currency": "XYZ"}, "currency", "ISO 4217"),
    ],
)
def test_constraint_violations_are_explained_in_the_admin(
    as_superuser, negotiation, overrides, field, words
):
    response = as_superuser.post(
        reverse("admin:negotiations_proposal_add"), proposal_form(negotiation, **overrides)
    )
    assert response.status_code == 200
    assert words in str(response.context["adminform"].form.errors[field])
    assert not Proposal.objects.exists()


def test_a_proposal_superseding_itself_is_explained(as_superuser, negotiation):
    proposal = ProposalFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    response = as_superuser.post(
        reverse("admin:negotiations_proposal_change", args=[proposal.pk]),
        proposal_form(negotiation, supersedes=proposal.pk, expected_version=proposal.version),
    )
    assert "A proposal cannot supersede itself." in str(
        response.context["adminform"].form.errors["supersedes"]
    )


def test_a_statement_about_another_negotiations_proposal_is_refused(as_superuser, negotiation):
    elsewhere = ProposalFactory(negotiation=NegotiationFactory())
    response = as_superuser.post(
        reverse("admin:negotiations_statement_add"),
        statement_form(negotiation, ActorFactory(), proposal=elsewhere.pk, stance="opposes"),
    )
    assert response.status_code == 200
    assert "The proposal belongs to another negotiation." in str(
        response.context["adminform"].form.errors["proposal"]
    )
    assert not Statement.objects.exists()


def test_publishing_without_a_source_is_refused(client, editor, negotiation):
    client.force_login(editor)
    response = client.post(
        reverse("admin:negotiations_statement_add"),
        statement_form(negotiation, ActorFactory(), state="published"),
    )
    assert "A published entry cites at least one source." in str(
        response.context["adminform"].form.errors["sources"]
    )


def test_a_status_change_inline_under_its_proposal(as_superuser, negotiation):
    source = SourceFactory()
    data = proposal_form(
        negotiation,
        **{
            "as_status_change-TOTAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "1",
            "status_changes-0-date": "2025-02-23",
            "status_changes-0-status": "withdrawn",
            "status_changes-0-note": "Off the table.",
            "status_changes-0-state": "published",
            "status_changes-0-sources": [source.pk],
        },
    )
    response = as_superuser.post(reverse("admin:negotiations_proposal_add"), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    change = StatusChange.objects.get()
    assert change.negotiation == negotiation
    assert change.proposal == Proposal.objects.get()
    assert list(change.sources.all()) == [source]


def test_journalists_are_not_offered_publication(client, journalist):
    client.force_login(journalist)
    statement = StatementFactory(state=PublicationState.DRAFT)
    page = client.get(reverse("admin:negotiations_statement_change", args=[statement.pk]))
    state_field = page.context["adminform"].form.fields["state"]
    assert "published" not in [value for value, _ in state_field.choices]
    changelist = client.get(reverse("admin:negotiations_statement_changelist"))
    assert "make_published" not in changelist.text


def test_editors_publish_in_bulk_and_unsourced_entries_are_named(client, editor, negotiation):
    client.force_login(editor)
    sourced = EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    sourced.sources.add(SourceFactory())
    unsourced = EventFactory(negotiation=negotiation, state=PublicationState.DRAFT, title="Bare")
    response = client.post(
        reverse("admin:negotiations_event_changelist"),
        {"action": "make_published", "_selected_action": [sourced.pk, unsourced.pk]},
        follow=True,
    )
    states = dict(Event.objects.values_list("pk", "state"))
    assert states == {sourced.pk: "published", unsourced.pk: "draft"}
    assert "“Bare”: A published entry cites at least one source." in response.text


def test_editors_unpublish_in_bulk(client, editor):
    client.force_login(editor)
    event = EventFactory()
    client.post(
        reverse("admin:negotiations_entry_changelist"),
        {"action": "make_draft", "_selected_action": [event.pk]},
    )
    event.refresh_from_db()
    assert event.state == "draft"


def test_a_second_save_from_a_stale_form_is_refused_naming_who_changed_it(
    client, journalist, editor
):
    actor = ActorFactory(name="Steve Witkoff", slug="witkoff")
    opened_version = actor.version
    client.force_login(editor)
    form = {"name": "Steve Witkoff", "slug": "witkoff", "kind": "person", "aliases": ""}
    client.post(
        reverse("admin:negotiations_actor_change", args=[actor.pk]),
        {**form, "title": "Envoy", "expected_version": opened_version},
    )
    client.force_login(journalist)
    response = client.post(
        reverse("admin:negotiations_actor_change", args=[actor.pk]),
        {**form, "title": "Special envoy", "expected_version": opened_version},
    )
    assert response.status_code == 200
    assert "was changed by eddie" in response.text
    assert Actor.objects.get(pk=actor.pk).title == "Envoy"


def test_deleting_in_the_admin_goes_through_the_domain(client, editor):
    client.force_login(editor)
    event = EventFactory()
    client.post(reverse("admin:negotiations_event_delete", args=[event.pk]), {"post": "yes"})
    assert not Event.objects.exists()
    assert event.history.filter(history_type="-").get().history_user == editor


def test_the_last_source_of_a_published_entry_is_kept_and_the_admin_says_why(client, editor):
    statement = StatementFactory(text="Ten generations.")
    (source,) = statement.sources.all()
    client.force_login(editor)
    response = client.post(
        reverse("admin:negotiations_source_delete", args=[source.pk]), {"post": "yes"}, follow=True
    )
    assert "only one of published entries" in response.text
    assert statement.sources.filter(pk=source.pk).exists()
