"""Who spoke: names as typed, titles, roles introduced in the text, organisations."""

from negotiations.extraction.actors import KnownActor

from .conftest import ACTORS, statements


def test_an_alias_matches_with_either_apostrophe():
    actors = [
        *ACTORS,
        KnownActor(20, "Kyiv Grain Board", "organization", "", ("Ukraine's grain board",)),
    ]
    text = "Exports rose by a fifth in March, according to Ukraine’s grain board."
    assert statements(text, actors=actors) == [
        ("paraphrase", "Exports rose by a fifth in March.", "Kyiv Grain Board")
    ]


def test_a_new_name_with_accented_letters_is_whole():
    text = "“We will sign nothing today,” said Zoltán Şahin-Łukasz, a trade envoy."
    assert statements(text) == [("direct", "We will sign nothing today.", "Zoltán Şahin-Łukasz")]
