"""Quick add on deadline: the next entry keeps the article, every kind of entry, a
statement's proposal and stance, a new speaker named inline, a new source's details."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from negotiations.models import (
    Actor,
    Entry,
    Event,
    Expectation,
    Proposal,
    PublicationState,
    Source,
    Statement,
    StatusChange,
)
from negotiations.newsroom.forms import QUICK_ADD_GROUPS, QuickAddForm
from tests.factories import ActorFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "https://apnews.com/article/minerals-deal"


@pytest.fixture
def quick_add_url():
    return reverse("admin:negotiations_entry_quick_add")


def article(negotiation, /, **overrides):
    """What a journalist types once per article, and a statement's own fields."""
    data = {
        "kind": "statement",
        "source_url": URL,
        "source_title": "Closing in on a mineral deal",
        "source_publisher": "AP",
        "source_published_on": "2025-02-25",
        "negotiation": negotiation.pk,
        "date": "2025-02-23",
        "text": "We are very close.",
        "statement_kind": "direct",
        "state": "draft",
    }
    data.update(overrides)
    return data


def errors_of(response):
    return {field: list(messages) for field, messages in response.context["form"].errors.items()}


def test_the_next_entry_keeps_the_article_negotiation_and_date(
    client, journalist, negotiation, quick_add_url
):
    client.force_login(journalist)
    speaker = ActorFactory(name="Steve Witkoff")
    response = client.post(quick_add_url, article(negotiation, speaker=speaker.pk))
    assert response.status_code == 302
    kept = {name: values[0] for name, values in parse_qs(urlsplit(response.url).query).items()}
    assert kept == {
        "kind": "statement",
        "source_url": URL,
        "source_title": "Closing in on a mineral deal",
        "source_publisher": "AP",
        "source_published_on": "2025-02-25",
        "negotiation": str(negotiation.pk),
        "date": "2025-02-23",
        "state": "draft",
    }
    page = client.get(response.url)
    assert page.status_code == 200
    assert "The next entry below keeps its source, negotiation and date." in page.text
    form = page.context["form"]
    assert form["source_url"].value() == URL
    assert form["date"].value() == "2025-02-23"
    assert form["negotiation"].value() == str(negotiation.pk)
    assert form["speaker"].value() is None and form["text"].value() is None
    assert f'value="{URL}"' in page.text
    assert f'<option value="{negotiation.pk}" selected>' in page.text
    # The second statement of the story needs only its speaker and text.
    other = ActorFactory(name="Volodymyr Zelenskyy")
    second = {
        **kept,
        "speaker": other.pk,
        "text": "Not ten generations.",
        "statement_kind": "direct",
    }
    assert client.post(quick_add_url, second).status_code == 302
    assert Statement.objects.count() == 2
    assert Source.objects.count() == 1
    assert {s.sources.get().url for s in Statement.objects.all()} == {URL}


def test_a_kept_negotiation_that_is_no_id_is_left_out(client, journalist, quick_add_url):
    client.force_login(journalist)
    page = client.get(quick_add_url, {"negotiation": "٥", "date": "2025", "speaker": "3"})
    assert page.status_code == 200
    assert page.context["form"].initial == {"date": "2025"}


def test_a_new_source_keeps_its_publisher_and_date(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    speaker = ActorFactory()
    assert client.post(quick_add_url, article(negotiation, speaker=speaker.pk)).status_code == 302
    source = Source.objects.get()
    assert (source.url, source.title, source.publisher, source.published_on) == (
        URL,
        "Closing in on a mineral deal",
        "AP",
        datetime.date(2025, 2, 25),
    )


def test_a_statement_with_its_proposal_and_stance(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    proposal = ProposalFactory(negotiation=negotiation, title="$500 billion in minerals")
    speaker = ActorFactory(name="Volodymyr Zelenskyy")
    data = article(
        negotiation,
        speaker=speaker.pk,
        text="I am not signing something that ten generations of Ukrainians will have to repay.",
        proposal=proposal.pk,
        stance="opposes",
    )
    response = client.post(quick_add_url, data)
    assert response.status_code == 302, errors_of(response)
    statement = Statement.objects.get()
    assert (statement.proposal, statement.stance, statement.actor) == (proposal, "opposes", speaker)


def test_a_stance_without_its_proposal_is_a_form_error(
    client, journalist, negotiation, quick_add_url
):
    client.force_login(journalist)
    response = client.post(
        quick_add_url, article(negotiation, speaker=ActorFactory().pk, stance="supports")
    )
    assert response.status_code == 200
    assert errors_of(response)["stance"] == ["A stance needs the proposal it is about."]
    assert not Entry.objects.exists() and not Source.objects.exists()


def test_an_event_with_its_participant(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    speaker = ActorFactory(name="Steve Witkoff")
    data = article(
        negotiation,
        kind="event",
        title="Witkoff meets Zelenskyy in Kyiv",
        event_kind="meeting",
        speaker=speaker.pk,
        text="Talks on the minerals deal.",
    )
    response = client.post(quick_add_url, data)
    assert response.status_code == 302, errors_of(response)
    event = Event.objects.get()
    assert (event.title, event.kind, event.description, event.date.edtf) == (
        "Witkoff meets Zelenskyy in Kyiv",
        "meeting",
        "Talks on the minerals deal.",
        "2025-02-23",
    )
    assert list(event.actors.all()) == [speaker]
    assert event.sources.get().url == URL
    assert parse_qs(urlsplit(response.url).query)["kind"] == ["event"]


def test_a_proposal_with_its_amount(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    speaker = ActorFactory(name="Donald Trump")
    data = article(
        negotiation,
        kind="proposal",
        title="$500 billion in rare earths",
        speaker=speaker.pk,
        amount="500000000000",
        currency="usd",
        text="Repayment for U.S. aid.",
    )
    response = client.post(quick_add_url, data)
    assert response.status_code == 302, errors_of(response)
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.proposed_by, proposal.amount, proposal.currency) == (
        "$500 billion in rare earths",
        speaker,
        Decimal("500000000000.00"),
        "USD",
    )
    assert proposal.summary == "Repayment for U.S. aid."


def test_an_expectation_with_its_due_date(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    speaker = ActorFactory(name="Steve Witkoff")
    data = article(
        negotiation,
        kind="expectation",
        speaker=speaker.pk,
        text="A deal this week.",
        due_date="2025-03",
    )
    response = client.post(quick_add_url, data)
    assert response.status_code == 302, errors_of(response)
    expectation = Expectation.objects.get()
    assert (expectation.actor, expectation.text, expectation.due_date.edtf) == (
        speaker,
        "A deal this week.",
        "2025-03",
    )
    assert expectation.outcome == Expectation.Outcome.PENDING


def test_a_status_change_still_logs(client, journalist, negotiation, quick_add_url):
    client.force_login(journalist)
    proposal = ProposalFactory(negotiation=negotiation)
    data = article(negotiation, kind="status_change", proposal=proposal.pk, status="withdrawn")
    response = client.post(quick_add_url, data)
    assert response.status_code == 302, errors_of(response)
    assert StatusChange.objects.get().status == "withdrawn"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"kind": "event"}, "title", "An event needs a title."),
        ({"kind": "proposal"}, "title", "A proposal needs a title."),
        ({"kind": "expectation"}, "speaker", "An expectation needs its speaker"),
        ({"kind": "expectation", "speaker": "1", "due_date": "2025-02-30"}, "due_date", "exists"),
        ({"kind": "proposal", "title": "T", "currency": "XX"}, "currency", "ISO 4217"),
        ({"kind": "event", "negotiation": "", "title": "T"}, "negotiation", "Choose the"),
        ({"kind": "meeting"}, "kind", "Select a valid choice."),
    ],
)
def test_each_kinds_bad_input_is_a_form_error(
    client, journalist, negotiation, quick_add_url, overrides, field, words
):
    ActorFactory(pk=1)
    client.force_login(journalist)
    response = client.post(quick_add_url, article(negotiation, **overrides))
    assert response.status_code == 200
    assert words in " ".join(errors_of(response).get(field, [])), errors_of(response)
    assert not Entry.objects.exists()
    assert not Source.objects.exists()


def test_a_new_speaker_is_created_with_the_statement(
    client, journalist, negotiation, quick_add_url
):
    client.force_login(journalist)
    government = ActorFactory(name="Government of Ukraine", kind=Actor.Kind.GOVERNMENT)
    data = article(
        negotiation,
        new_speaker_name="Olha Stefanishyna",
        new_speaker_kind="person",
        new_speaker_affiliation=government.pk,
        text="The deal is almost ready.",
        statement_kind="paraphrase",
    )
    response = client.post(quick_add_url, data)
    assert response.status_code == 302, errors_of(response)
    actor = Actor.objects.get(name="Olha Stefanishyna")
    assert (actor.slug, actor.kind, actor.affiliation) == (
        "olha-stefanishyna",
        "person",
        government,
    )
    assert actor.history.get().history_user == journalist
    statement = Statement.objects.get()
    assert statement.actor == actor
    assert statement.headline == "Olha Stefanishyna: The deal is almost ready."


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"new_speaker_name": "Steve Witkoff"},
            "new_speaker_name",
            "“Steve Witkoff” is already in the record: choose them as the speaker.",
        ),
        (
            {"new_speaker_name": "Someone", "speaker": "known"},
            "new_speaker_name",
            "Choose a known speaker or name a new one, not both.",
        ),
        ({"new_speaker_name": "x" * 201}, "new_speaker_name", "at most 200 characters"),
        ({"new_speaker_name": "Someone", "new_speaker_kind": "alien"}, "new_speaker_kind", "valid"),
        ({"new_speaker_affiliation": "known"}, "new_speaker_name", "Name the new speaker"),
    ],
)
def test_a_refused_new_speaker_is_a_form_error_and_nothing_is_kept(
    client, journalist, negotiation, quick_add_url, overrides, field, words
):
    known = ActorFactory(name="Steve Witkoff")
    overrides = {k: known.pk if v == "known" else v for k, v in overrides.items()}
    client.force_login(journalist)
    response = client.post(quick_add_url, article(negotiation, **overrides))
    assert response.status_code == 200
    assert words in " ".join(errors_of(response)[field])
    assert list(Actor.objects.all()) == [known]
    assert not Entry.objects.exists() and not Source.objects.exists()


def test_a_new_speaker_goes_with_a_refused_entry(client, journalist, negotiation, quick_add_url):
    """The actor is written first, then the entry is refused: neither is kept."""
    client.force_login(journalist)
    data = article(negotiation, new_speaker_name="Olha Stefanishyna", text="")
    response = client.post(quick_add_url, data)
    assert response.status_code == 200
    assert errors_of(response) == {"text": ["This field cannot be blank."]}
    assert not Actor.objects.exists()
    assert not Entry.objects.exists() and not Source.objects.exists()
    assert 'value="Olha Stefanishyna"' in response.text  # typed once, still there


def test_adding_actors_needs_the_right_to(client, negotiation, quick_add_url):
    user = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="add_statement"))
    client.force_login(user)
    response = client.post(quick_add_url, article(negotiation, new_speaker_name="Someone"))
    assert response.status_code == 200
    assert errors_of(response) == {
        "new_speaker_name": ["You may not add actors: choose a known speaker."]
    }
    assert not Actor.objects.exists() and not Entry.objects.exists()


def test_the_page_shows_every_kind_and_the_new_speaker_fieldset(client, journalist, quick_add_url):
    client.force_login(journalist)
    page = client.get(quick_add_url)
    assert page.status_code == 200
    for label in ("Statement", "Status change", "Event", "Proposal", "Expectation"):
        assert f"{label}</label>" in page.text
    assert "<h2>Or a new speaker</h2>" in page.text
    assert 'name="new_speaker_name"' in page.text
    assert 'class="form-row field-stance for-kinds for-statement"' in page.text
    assert "negotiations/admin-newsroom.css" in page.text


def test_every_field_is_in_one_group():
    names = [name for _, group in QUICK_ADD_GROUPS for name in group]
    assert sorted(names) == sorted(QuickAddForm.base_fields)


def test_editors_publish_an_event_straight_away(client, editor, negotiation, quick_add_url):
    client.force_login(editor)
    data = article(negotiation, kind="event", title="Signing in Washington", state="published")
    assert client.post(quick_add_url, data).status_code == 302
    assert Event.objects.get().state == PublicationState.PUBLISHED


def test_each_kind_needs_the_right_to_add_it(client, negotiation, quick_add_url):
    from django.contrib.auth.models import Permission

    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_event"))
    client.force_login(user)
    assert quick_add_url in client.get(reverse("admin:index")).text
    refused = client.post(quick_add_url, article(negotiation, speaker=ActorFactory().pk))
    assert refused.status_code == 200
    assert errors_of(refused) == {"kind": ["You may not add this kind of entry."]}
    assert not Entry.objects.exists() and not Source.objects.exists()
    logged = client.post(quick_add_url, article(negotiation, kind="event", title="Talks"))
    assert logged.status_code == 302
    assert Event.objects.get().title == "Talks"


@pytest.mark.parametrize("seen_by_validation", [True, False])
@pytest.mark.parametrize("their_name", ["Olha Stefanishyna", "Olha Stefanishyna!"])
def test_a_speaker_added_by_someone_else_at_the_same_moment_is_no_500(
    client, journalist, negotiation, quick_add_url, monkeypatch, their_name, seen_by_validation
):
    """Their insert commits after our slug check (and, unseen by validation, after the
    uniqueness check too: the database refuses ours). The same name is the known-name
    form error; another name with the same slug takes the next free slug."""
    from negotiations.domain.quick_add import _unique_actor_slug

    real_slug = _unique_actor_slug
    calls = []

    def they_add_it_meanwhile(name):
        slug = real_slug(name)
        calls.append(slug)
        if len(calls) == 1:
            ActorFactory(name=their_name, slug=slug)
        return slug

    monkeypatch.setattr("negotiations.domain.quick_add._unique_actor_slug", they_add_it_meanwhile)
    if not seen_by_validation:
        monkeypatch.setattr(Actor, "validate_unique", lambda self, exclude=None: None)
    client.force_login(journalist)
    data = article(negotiation, new_speaker_name="Olha Stefanishyna", text="Almost ready.")
    response = client.post(quick_add_url, data)
    if their_name == "Olha Stefanishyna":
        assert response.status_code == 200
        assert errors_of(response) == {
            "new_speaker_name": [
                "“Olha Stefanishyna” is already in the record: choose them as the speaker."
            ]
        }
        assert not Entry.objects.exists()
    else:
        assert response.status_code == 302, errors_of(response)
        assert Statement.objects.get().actor.slug == "olha-stefanishyna-2"
