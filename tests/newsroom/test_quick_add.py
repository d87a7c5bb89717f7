"""Quick add: a statement or a status change from a source URL, in one step."""

import pytest
from django.urls import reverse

from negotiations.models import Entry, PublicationState, Source, Statement, StatusChange
from tests.factories import (
    ActorFactory,
    NegotiationFactory,
    ProposalFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "https://apnews.com/article/minerals-deal"


@pytest.fixture
def quick_add_url():
    return reverse("admin:negotiations_entry_quick_add")


def statement_data(negotiation, speaker, /, **overrides):
    data = {
        "kind": "statement",
        "source_url": URL,
        "source_title": "Closing in on a mineral deal",
        "negotiation": negotiation.pk,
        "date": "2025-02",
        "speaker": speaker.pk,
        "text": "We are very close.",
        "statement_kind": "direct",
        "status": "",
        "state": "draft",
    }
    data.update(overrides)
    return data


def errors_of(response):
    return {field: list(messages) for field, messages in response.context["form"].errors.items()}


def test_ids_in_other_digits_are_refused(client, journalist, negotiation, quick_add_url):
    """ "٥" would be read as record 5: the speaker would be someone else."""
    client.force_login(journalist)
    speaker = ActorFactory(name="Steve Witkoff")
    other = str(speaker.pk).translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    response = client.post(quick_add_url, statement_data(negotiation, speaker, speaker=other))
    assert response.status_code == 200
    assert errors_of(response) == {"speaker": ["Write numbers with the digits 0 to 9."]}
    assert not Entry.objects.exists()
    assert not Source.objects.exists()


def test_the_admin_index_links_to_quick_add(client, journalist, quick_add_url):
    client.force_login(journalist)
    assert quick_add_url in client.get(reverse("admin:index")).text
    page = client.get(quick_add_url)
    assert page.status_code == 200
    assert 'data-field-name="actor"' in page.text  # the speaker is picked by autocomplete
    assert "published" not in dict(page.context["form"].fields["state"].choices)


def test_a_statement_and_its_new_source_in_one_step(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    speaker = ActorFactory(name="Steve Witkoff")
    response = client.post(quick_add_url, statement_data(negotiation, speaker), follow=True)
    [(next_url, status)] = response.redirect_chain
    assert status == 302 and next_url.startswith(quick_add_url + "?")
    statement = Statement.objects.get()
    source = Source.objects.get()
    assert (source.url, source.title) == (URL, "Closing in on a mineral deal")
    assert list(statement.sources.all()) == [source]
    assert (statement.actor, statement.text, statement.date.edtf) == (
        speaker,
        "We are very close.",
        "2025-02",
    )
    assert statement.state == PublicationState.DRAFT
    assert statement.created_by == journalist
    assert statement.history.get().history_user == journalist
    assert "Logged" in response.text


def test_a_known_source_url_is_reused(client, journalist, negotiation, quick_add_url):
    known = SourceFactory(url=URL, title="Known title")
    client.force_login(journalist)
    client.post(
        quick_add_url, statement_data(negotiation, ActorFactory(), source_title="Other title")
    )
    assert list(Source.objects.all()) == [known]
    assert Source.objects.get().title == "Known title"
    assert list(Statement.objects.get().sources.all()) == [known]


def test_a_status_change_takes_the_proposals_negotiation(client, journalist, quick_add_url):
    proposal = ProposalFactory(title="$500 billion")
    client.force_login(journalist)
    response = client.post(
        quick_add_url,
        {
            "kind": "status_change",
            "source_url": URL,
            "date": "2025-02-23",
            "proposal": proposal.pk,
            "status": "withdrawn",
            "text": "“Off the table.”",
            "statement_kind": "direct",
            "state": "review",
        },
    )
    assert response.status_code == 302, errors_of(response)
    change = StatusChange.objects.get()
    assert (change.proposal, change.status, change.note) == (
        proposal,
        "withdrawn",
        "“Off the table.”",
    )
    assert change.negotiation == proposal.negotiation
    assert change.state == PublicationState.REVIEW
    assert change.sources.get().url == URL


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"speaker": ""}, "speaker", "A statement needs its speaker"),
        ({"negotiation": ""}, "negotiation", "Choose the negotiation"),
        ({"text": ""}, "text", "This field cannot be blank."),
        ({"date": "2025-13"}, "date", "is not a date that exists"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "Enter a valid URL."),
        ({"source_url": ""}, "source_url", "This field is required."),
        ({"state": "published"}, "state", "Select a valid choice."),
        ({"kind": "status_change"}, "proposal", "A status change needs the proposal"),
    ],
)
def test_bad_input_is_explained_on_the_form_and_nothing_is_kept(
    client, journalist, negotiation, quick_add_url, overrides, field, words
):
    client.force_login(journalist)
    response = client.post(quick_add_url, statement_data(negotiation, ActorFactory(), **overrides))
    assert response.status_code == 200
    assert words in " ".join(errors_of(response)[field])
    assert not Entry.objects.exists()
    assert not Source.objects.exists()  # the new source goes with the refused entry


def test_a_status_change_of_another_negotiations_proposal_is_refused(
    client, journalist, negotiation, quick_add_url
):
    elsewhere = ProposalFactory(negotiation=NegotiationFactory())
    client.force_login(journalist)
    response = client.post(
        quick_add_url,
        statement_data(
            negotiation,
            ActorFactory(),
            kind="status_change",
            proposal=elsewhere.pk,
            status="rejected",
        ),
    )
    assert errors_of(response)["proposal"] == ["The proposal belongs to another negotiation."]
    assert not StatusChange.objects.exists()


def test_editors_may_publish_straight_away(client, editor, negotiation, quick_add_url):
    client.force_login(editor)
    response = client.post(
        quick_add_url, statement_data(negotiation, ActorFactory(), state="published")
    )
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert statement.state == PublicationState.PUBLISHED
    assert Entry.objects.published().get() == statement.entry_ptr


def test_quick_add_needs_the_right_to_add_entries(client, quick_add_url):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(quick_add_url).status_code == 403
