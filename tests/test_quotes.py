"""A direct quote typed with its own quote marks is stored without them (pages add “…”)."""

import pytest

from negotiations.domain.entries import create_statement, save_entry
from negotiations.models import Statement
from negotiations.quotes import without_outer_quotes
from tests import factories
from tests.api.conftest import API, client_for


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("“Ten generations.”", "Ten generations."),
        ('"Ten generations."', "Ten generations."),
        ("«Я не можу продати нашу державу»", "Я не можу продати нашу державу"),
        ("»Zehn Generationen.«", "Zehn Generationen."),
        ("„Zehn Generationen.“", "Zehn Generationen."),
        ("„Dziesięć pokoleń.”", "Dziesięć pokoleń."),
        ("”Tio generationer.”", "Tio generationer."),
        ("‘Ten generations.’", "Ten generations."),
        ("'Ten generations.'", "Ten generations."),
        ("‹Dix générations.›", "Dix générations."),
        ("「十世代」", "十世代"),
        ("『十世代』", "十世代"),
        ("  “ Off the table. ”  ", "Off the table."),  # spaces around and inside the marks
        ("“He said “no” twice.”", "He said “no” twice."),  # marks inside, paired
        ("‘It’s off the table.’", "It’s off the table."),  # an apostrophe is no mark
        ("'We won't sign.'", "We won't sign."),
        ("“”", ""),  # nothing but marks: left for validation ("cannot be blank")
    ],
)
def test_one_outer_pair_is_taken_off(typed, stored):
    assert without_outer_quotes(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "Ten generations.",
        "  Ten generations.  ",  # no marks: as typed
        "“Yes,” he said, “we agree.”",  # two quotes, not one
        '"Yes," he said, "we agree."',
        "‘Yes,’ he said, ‘we agree.’",
        "'Yes,' he said, 'we agree.'",
        "„Ja“, sagte er, „gut.“",
        "“Ten generations.»",  # not a pair
        "“Ten generations.",
        "The request is “off the table”",  # marks inside only
        "“A “B”",  # unbalanced inside
        '"',
    ],
)
def test_anything_else_is_left_as_typed(typed):
    assert without_outer_quotes(typed) == typed


@pytest.mark.django_db
def test_only_a_direct_quote_loses_its_marks(editor, negotiation):
    actor = factories.ActorFactory(name="Zelenskyy")
    typed = "  «Я не можу продати нашу державу»  "
    direct = create_statement(
        negotiation=negotiation, actor=actor, text=typed, date="2025-02", by=editor
    )
    paraphrase = create_statement(
        negotiation=negotiation,
        actor=actor,
        text="“Close,” he said.",
        kind=Statement.Kind.PARAPHRASE,
        date="2025-02",
        by=editor,
    )
    assert Statement.objects.get(pk=direct.pk).text == "Я не можу продати нашу державу"
    assert Statement.objects.get(pk=paraphrase.pk).text == "“Close,” he said."
    assert direct.headline == "Zelenskyy: “Я не можу продати нашу державу”"
    # Made a direct quote later, by an edit: the same rule.
    paraphrase.text, paraphrase.kind = '"Close."', Statement.Kind.DIRECT
    save_entry(paraphrase, by=editor)
    assert Statement.objects.get(pk=paraphrase.pk).text == "Close."


@pytest.mark.django_db
def test_readers_never_see_doubled_marks(client, editor, negotiation):
    actor = factories.ActorFactory(name="Steve Witkoff")
    api = client_for(editor)
    response = api.post(
        f"{API}statements/",
        {
            "negotiation": negotiation.pk,
            "date": "2025-02-25",
            "actor": actor.pk,
            "kind": "direct",
            "text": "“I expect a deal this week.”",
            "published": True,
            "sources": [{"url": "https://example.org/witkoff"}],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "I expect a deal this week."
    html = client.get(negotiation.get_absolute_url()).content.decode()
    assert "<p>“I expect a deal this week.”</p>" in html
    assert "““" not in html and "””" not in html
    response = api.patch(
        response.json()["url"],
        {"text": "  “”  ", "minor_fix": True},
        HTTP_IF_MATCH=response["ETag"],
    )
    assert response.status_code == 400
    assert list(response.json()) == ["text"]
