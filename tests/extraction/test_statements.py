"""Quotes and reported speech, each with its speaker: one test per rule."""

import pytest

from negotiations.extraction.mentions import KnownActor

from .conftest import run, statements


def test_a_direct_quote_and_its_speaker_after_it():
    text = "“We are very close to a deal,” Zelenskyy said on Sunday."
    assert statements(text) == [("direct", "We are very close to a deal.", "Volodymyr Zelenskyy")]


@pytest.mark.parametrize(
    ("attribution", "speaker", "how"),
    [
        ("Donald Trump said", "Donald Trump", "name"),
        ("Zelensky said", "Volodymyr Zelenskyy", "alias"),
        ("Bessent said", "Scott Bessent", "surname"),
        ("the Treasury secretary said", "Scott Bessent", "title"),
        ("said the vice president", "JD Vance", "title"),
        ("Ukraine's president said", "Volodymyr Zelenskyy", "title"),
        ("said Olena Marchenko, a spokeswoman for the ministry", "Olena Marchenko", "new"),
    ],
)
def test_the_speaker_is_found_by_name_alias_surname_title_or_as_a_new_actor(
    attribution, speaker, how
):
    answer = run(f"“The terms are not final yet,” {attribution}.")
    (statement,) = answer["statements"]
    assert (statement["speaker_name"], statement["speaker_match"]) == (speaker, how)
    assert statement["new_actor"] is (how == "new")
    assert (statement["actor"] is None) is (how == "new")


def test_a_pronoun_is_the_nearest_person_named_before_it():
    text = (
        "Olena Marchenko, a spokeswoman for the ministry, spoke after the meeting. "
        "“We are reading every line,” she said."
    )
    assert statements(text) == [("direct", "We are reading every line.", "Olena Marchenko")]


def test_a_split_quote_is_one_statement_keeping_its_comma():
    text = "“We will not trade away our land,” Yermak said, “and we will not forget anyone.”"
    assert statements(text) == [
        (
            "direct",
            "We will not trade away our land, and we will not forget anyone.",
            "Andriy Yermak",
        )
    ]


def test_a_quote_split_by_a_long_attribution_closed_by_a_comma_is_one_statement():
    text = (
        "“The offer is on the table,” Olena Marchenko, a spokeswoman for the ministry, "
        "told journalists outside the building on Friday, “but it will not stay there long.”"
    )
    assert statements(text) == [
        (
            "direct",
            "The offer is on the table, but it will not stay there long.",
            "Olena Marchenko",
        )
    ]


def test_two_quotes_around_a_full_sentence_stay_two():
    text = (
        "“The offer stands,” Bessent said. He then left the room without taking questions. "
        "“We are done with this for today.”"
    )
    assert [s[1] for s in statements(text) if s[0] == "direct"] == [
        "The offer stands.",
        "We are done with this for today.",
    ]


def test_a_quote_resumed_after_its_attribution_is_joined():
    text = "“It can be lithium. It can be titanium,” Yermak said. “It’s a lot.”"
    assert statements(text)[0][1] == "It can be lithium. It can be titanium. It’s a lot."


def test_a_quote_running_over_paragraphs_is_kept_whole():
    text = (
        "Zelenskyy spoke for an hour.\n\n“The fund will be managed by both sides.\n\n"
        "“Ukraine keeps its subsoil,” Zelenskyy said.\n\nThe talks resume on Monday."
    )
    assert statements(text)[0] == (
        "direct",
        "The fund will be managed by both sides. Ukraine keeps its subsoil.",
        "Volodymyr Zelenskyy",
    )


def test_a_short_quote_inside_reported_speech_keeps_the_speaker_of_the_sentence():
    text = (
        "Zelenskyy on Sunday told a forum in Kyiv that the request had been taken “off the table.”"
    )
    found = statements(text)
    assert ("direct", "off the table.", "Volodymyr Zelenskyy") in found
    assert (
        "paraphrase",
        "The request had been taken “off the table.”",
        "Volodymyr Zelenskyy",
    ) in found


@pytest.mark.parametrize(
    "text",
    [
        "Bessent said the terms were fair, and that an “improved” draft could follow.",
        "Asked about Trump's “dictator” label, Zelenskyy said he had moved past it.",
        "Witkoff spoke on CNN's “State of the Union” the same day.",
        "Russia still describes the war as a “special military operation”.",
        "The minister again defended his “pragmatic approach.”",
        "Analysts doubt the bloc’s “strategic autonomy.”",
    ],
)
def test_scare_quotes_and_titles_are_not_statements(text):
    assert [s for s in statements(text) if s[0] == "direct"] == []


def test_reported_speech_with_its_speaker():
    text = "Bessent said the proposal does not include security guarantees for Kyiv."
    assert statements(text) == [
        (
            "paraphrase",
            "The proposal does not include security guarantees for Kyiv.",
            "Scott Bessent",
        )
    ]


def test_reported_speech_before_its_attribution():
    text = "The Russian side wants sanctions on frozen assets lifted, Zelensky said."
    assert statements(text) == [
        (
            "paraphrase",
            "The Russian side wants sanctions on frozen assets lifted.",
            "Volodymyr Zelenskyy",
        )
    ]


def test_a_participle_speaks_for_the_subject_of_the_sentence():
    text = "Kyiv balked at the offer, arguing it did not contain adequate security assurances."
    ((kind, words, speaker),) = statements(text)
    assert (kind, speaker) == ("paraphrase", "Government of Ukraine")
    assert words.startswith("It did not contain adequate")


def test_according_to_a_named_source():
    text = "Forty percent of the reserves are out of reach, according to Yermak."
    assert statements(text) == [
        ("paraphrase", "Forty percent of the reserves are out of reach.", "Andriy Yermak")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The deal is close, officials said.",
        "The agreement is now on hold, a White House official said.",
        "The potential is unclear, according to businessmen and analysts.",
    ],
)
def test_nobody_in_particular_is_no_speaker(text):
    assert statements(text) == []


def test_an_unattributed_short_quote_is_dropped_and_a_long_one_keeps_the_last_speaker():
    text = (
        "“We are ready to sign,” Zelenskyy said.\n\n"
        "“Our partners know what we need, and they know what we can offer in return.”\n\n"
        "The word “partners” came up often."
    )
    assert statements(text) == [
        ("direct", "We are ready to sign.", "Volodymyr Zelenskyy"),
        (
            "direct",
            "Our partners know what we need, and they know what we can offer in return.",
            "Volodymyr Zelenskyy",
        ),
    ]


def test_each_statement_cites_its_sentence_and_offsets():
    text = "Talks resumed. “We are close,” Bessent said. Nothing else."
    (statement,) = run(text)["statements"]
    start, end = statement["offsets"]
    assert text[start:end] == "We are close,"
    s_start, s_end = statement["sentence"]["offsets"]
    assert text[s_start:s_end] == "“We are close,” Bessent said."
    assert statement["sentence"]["text"] == "“We are close,” Bessent said."


def test_a_quote_that_ends_its_sentence_is_not_continued_by_the_next():
    text = (
        "Trump told Zelenskyy that he was “gambling with peace.” "
        "He later wrote on social media that Zelenskyy “can come back when he is ready.”"
    )
    assert statements(text) == [
        ("direct", "gambling with peace.", "Donald Trump"),
        ("direct", "can come back when he is ready.", "Donald Trump"),
    ]


def test_what_someone_was_asked_is_not_what_they_said():
    text = "Asked about Trump's “dictator” label, he said: “That is behind us.” Zelenskyy left."
    found = statements("Zelenskyy spoke in Kyiv. " + text)
    assert found == [("direct", "That is behind us.", "Volodymyr Zelenskyy")]
    reported = statements("Zelenskyy spoke. Asked about the label, he said he had moved past it.")
    assert reported == [("paraphrase", "He had moved past it.", "Volodymyr Zelenskyy")]


def test_a_name_after_a_sentence_ending_in_a_known_name_is_still_found():
    text = "The delegation was led by an aide to Putin. Medinsky said Moscow was satisfied with it."
    text = "Vladimir Medinsky arrived. " + text
    assert statements(text) == [
        ("paraphrase", "Moscow was satisfied with it.", "Vladimir Medinsky")
    ]


def test_a_short_quote_followed_by_the_rest_of_its_sentence_is_a_statement():
    text = "Asked about it, Trump said the bloc had treated the U.S. “very badly” for decades."
    assert ("direct", "very badly", "Donald Trump") in statements(text)
    assert statements("Bessent praised a “robust and productive” exchange.") == []


def test_asking_for_something_is_not_reported_speech():
    assert statements("Kyiv has asked for air defence worth €4 billion from its allies.") == []


def test_the_attribution_of_a_quote_is_not_reported_speech():
    text = (
        "“We are listening,” Olena Marchenko, the ministry's spokeswoman, told reporters "
        "at the Treasury, “and we will answer.”"
    )
    assert [s[0] for s in statements(text)] == ["direct"]


def test_a_long_name_after_the_reported_clause_is_the_speaker():
    actors = [KnownActor(9, "World Association of Grain Exporters of the North", "organization")]
    text = (
        "Shipments resumed from three ports on Friday, "
        "the World Association of Grain Exporters of the North said."
    )
    assert statements(text, actors=actors) == [
        (
            "paraphrase",
            "Shipments resumed from three ports on Friday.",
            "World Association of Grain Exporters of the North",
        )
    ]


def test_according_to_a_source_before_the_clause():
    text = "According to Yermak, the fund will hold its first meeting in Kyiv next month."
    assert statements(text) == [
        ("paraphrase", "The fund will hold its first meeting in Kyiv next month.", "Andriy Yermak")
    ]


def test_with_someone_saying_names_the_speaker_of_the_participle():
    text = "The talks ended without a deal, with Bessent saying the two sides still disagreed."
    assert statements(text) == [("paraphrase", "The two sides still disagreed.", "Scott Bessent")]


def test_what_introduces_a_quote_after_a_colon_is_not_reported_speech():
    text = "Speaking after the vote, Yermak added: “We will keep negotiating until the very end.”"
    assert statements(text) == [
        ("direct", "We will keep negotiating until the very end.", "Andriy Yermak")
    ]


def test_a_demand_is_reported_speech_and_an_accusation_keeps_its_sentence():
    text = "Zelenskyy demanded that Russia return the children it had taken."
    assert statements(text) == [
        ("paraphrase", "Russia return the children it had taken.", "Volodymyr Zelenskyy")
    ]
    text = "Zelenskyy accused Moscow of stalling the talks to gain ground in the east."
    assert statements(text) == [("paraphrase", text, "Volodymyr Zelenskyy")]


def test_a_quote_resumed_after_a_long_attribution_sentence_is_joined():
    text = (
        "“Deadlines are easy,” said Olena Marchenko, a spokeswoman for the ministry of "
        "energy in Kyiv. “Delivery is not.”"
    )
    assert statements(text) == [
        ("direct", "Deadlines are easy. Delivery is not.", "Olena Marchenko")
    ]


def test_what_someone_did_not_say_is_not_reported_speech():
    assert statements("Bessent did not say when the fund would open.") == []
    assert statements("Yermak declined to say who would sign the deal in Kyiv.") == []


def test_a_name_inside_a_relative_clause_is_not_the_speaker():
    text = "Bessent, who visited Zelenskyy in Kyiv last week, has said the offer stands firm."
    assert statements(text) == [("paraphrase", "The offer stands firm.", "Scott Bessent")]


def test_a_participle_after_a_quote_reports_the_same_speaker():
    text = "“We are nearly done,” Yermak said on Friday, adding that two chapters remained open."
    assert ("paraphrase", "Two chapters remained open.", "Andriy Yermak") in statements(text)


def test_a_plural_noun_opening_a_sentence_is_nobody_in_particular():
    assert statements("Critics say the fund will favour American firms over local ones.") == []


def test_a_dateline_is_not_part_of_the_reported_clause():
    text = "KYIV, Feb 25 (Reuters) - The fund will open in March, Yermak said."
    assert statements(text) == [("paraphrase", "The fund will open in March.", "Andriy Yermak")]


def test_a_verb_that_reports_only_with_that():
    assert statements("Kyiv and Washington concluded talks on the minerals fund on Friday.") == []
    text = "Bessent concluded that the fund would need another year of work."
    assert statements(text) == [
        ("paraphrase", "The fund would need another year of work.", "Scott Bessent")
    ]


def test_an_opening_participle_and_a_number_with_commas_keep_the_subject():
    text = (
        "Speaking on state television, Yermak said exports could rise by 200,000 tonnes "
        "a month, if the ports stay open."
    )
    assert statements(text)[0][1].startswith("Exports could rise by 200,000 tonnes")
    assert statements(text)[0][2] == "Andriy Yermak"


@pytest.mark.parametrize("verb", ["cautioned", "tweeted", "lamented", "quipped", "retorted"])
def test_a_quote_is_attributed_by_verbs_that_report_no_clause(verb):
    text = f"“We will not be rushed by anyone, not even our friends,” Yermak {verb}."
    assert statements(text) == [
        ("direct", "We will not be rushed by anyone, not even our friends.", "Andriy Yermak")
    ]
    assert statements("Kyiv agreed to a 30-day pause on strikes against ports.") == []


def test_a_short_reported_clause_needs_a_verb():
    text = "The Northern Farmers Union confirmed in a statement that it would attend."
    assert statements(text) == [("paraphrase", "It would attend.", "Northern Farmers Union")]
    assert statements("Bessent denied targeting civilians.") == []


def test_a_quote_according_to_its_speaker():
    text = "“The fund is not for sale to anyone at any price,” according to Yermak."
    assert statements(text)[0][2] == "Andriy Yermak"


def test_quoted_as_saying_reports_the_subject():
    text = "Yermak was quoted by a news agency as saying the fund would open in May."
    assert statements(text) == [("paraphrase", "The fund would open in May.", "Andriy Yermak")]


def test_a_place_after_a_preposition_is_not_the_subject():
    assert statements("Critics in Kyiv say the fund will favour foreign firms.") == []
    text = "Speaking in Kyiv, Yermak said the fund would open in May."
    assert statements(text)[0][2] == "Andriy Yermak"
