"""Who spoke: names as typed, titles, roles introduced in the text, organisations."""

from negotiations.extraction.mentions import KnownActor

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


MINISTERS = [
    KnownActor(21, "Carmen Ibarra", "person", "Economy Minister", ("Ibarra",), "ES"),
    KnownActor(22, "Luca Ferri", "person", "Economy Minister", ("Ferri",), "IT"),
    KnownActor(23, "Government of Spain", "government", "", ("Madrid",), "ES"),
]


def test_a_role_with_its_country_is_the_record_s_holder_of_that_office():
    text = "Freight will move again by June, Spain's economy minister said."
    assert statements(text, actors=MINISTERS) == [
        ("paraphrase", "Freight will move again by June.", "Carmen Ibarra")
    ]
    text = "Freight will move again by June, the Italian economy minister said."
    assert statements(text, actors=MINISTERS)[0][2] == "Luca Ferri"


def test_a_role_alone_is_the_last_person_named_with_that_role():
    text = (
        "Energy Minister Tomás Ferreira opened the meeting with Zelenskyy.\n\n"
        "“We have waited long enough for this pipeline,” the minister said."
    )
    assert statements(text) == [
        ("direct", "We have waited long enough for this pipeline.", "Tomás Ferreira")
    ]


def test_a_role_given_beside_a_name_is_learnt():
    text = (
        "Maria Lopez, the union's negotiator, spoke first.\n\n"
        "The negotiator said the offer was too low for most members."
    )
    assert statements(text) == [
        ("paraphrase", "The offer was too low for most members.", "Maria Lopez")
    ]
    text = (
        "The port authority's director, Kwame Mensah, arrived late.\n\n"
        "“The cranes are idle and the ships are waiting,” the director said."
    )
    assert statements(text)[0][2] == "Kwame Mensah"


def test_a_role_nobody_holds_is_the_person_just_named_without_one():
    text = (
        "Ingrid Solberg told a briefing that the fund was ready. "
        "“We can start paying next week if the banks agree,” the finance minister said."
    )
    assert (
        "direct",
        "We can start paying next week if the banks agree.",
        "Ingrid Solberg",
    ) in statements(text)


def test_a_role_in_the_lede_is_the_person_named_next():
    text = (
        "Talks on the fishing quota will resume in May, Iceland's fisheries minister said.\n\n"
        "Helga Jonsdottir told reporters that both fleets would be heard."
    )
    assert [s[2] for s in statements(text)] == ["Helga Jonsdottir", "Helga Jonsdottir"]


def test_the_head_of_a_body_is_the_person_introduced_with_it():
    text = (
        "Global Shipping Agency Director Paul Okafor said the lanes were open.\n\n"
        "Speaking in Lagos, the agency's chief added: "
        "“Nobody wants to insure a ship that may be hit tomorrow.”"
    )
    assert statements(text) == [
        ("direct", "Nobody wants to insure a ship that may be hit tomorrow.", "Paul Okafor"),
        ("paraphrase", "The lanes were open.", "Paul Okafor"),
    ]


def test_a_role_does_not_take_another_office_or_someone_with_a_different_role():
    text = (
        "Vice President JD Vance met Olena Marchenko, the ministry's spokeswoman.\n\n"
        "The president said the visit had been useful for both sides."
    )
    assert statements(text) == []


def test_an_indefinite_role_is_nobody_in_particular():
    text = "Olena Marchenko left early. The talks will resume on Monday, a minister said."
    assert statements(text) == []


def test_a_body_named_by_a_common_noun_is_the_last_one_named():
    text = (
        "The Northern Farmers Union blocked the roads on Monday. "
        "The union said its members would stay until the tariff was lifted."
    )
    assert statements(text) == [
        (
            "paraphrase",
            "Its members would stay until the tariff was lifted.",
            "Northern Farmers Union",
        )
    ]


def test_a_government_named_by_its_demonym_or_a_new_body_by_its_noun():
    text = "The Ukrainian government said the grid had held through the night."
    assert statements(text)[0][2] == "Government of Ukraine"
    text = "The Brazilian agriculture ministry said exports of beef would resume in March."
    assert statements(text)[0][2] == "Brazilian agriculture ministry"


def test_a_seat_of_government_speaks_for_it():
    text = "The White House said the summit would go ahead as planned next week."
    assert statements(text) == [
        ("paraphrase", "The summit would go ahead as planned next week.", "White House")
    ]


def test_it_after_a_body_is_that_body():
    text = (
        "The Northern Farmers Union said in a statement that the blockade would go on. "
        "It added that members would meet the ministry on Friday."
    )
    assert [s[2] for s in statements(text)] == ["Northern Farmers Union"] * 2


def test_an_unnamed_spokesperson_speaks_for_the_body():
    actors = [*ACTORS, KnownActor(24, "European Commission", "organization", "", ("Commission",))]
    text = "A Commission spokesperson said the talks with Kyiv were going well."
    assert statements(text, actors=actors) == [
        ("paraphrase", "The talks with Kyiv were going well.", "European Commission")
    ]
    text = "A spokesman for the Northern Farmers Union said the roads would stay closed."
    assert statements(text)[0][2] == "Northern Farmers Union"


def test_a_name_that_begins_with_he_is_a_name():
    text = "Its chief negotiator, He Wenbo, told reporters that the offer was final."
    assert statements(text) == [("paraphrase", "The offer was final.", "He Wenbo")]


def test_a_country_s_ministry_is_its_government_unless_the_record_holds_it():
    text = "Ukraine's Foreign Ministry said the ambassador had been summoned on Monday."
    assert statements(text)[0][2] == "Government of Ukraine"
    actors = [*ACTORS, KnownActor(25, "Ministry of Energy of Ukraine", "government", "", (), "UA")]
    text = "Ukraine's energy ministry said the grid had held through the night."
    assert statements(text, actors=actors)[0][2] == "Ministry of Energy of Ukraine"


def test_the_treasury_speaks_as_a_body_and_qualifies_its_secretary():
    text = "The Treasury said the new bonds would be sold in three tranches."
    assert statements(text)[0][2] == "Treasury"
    text = "“We will sell them in three tranches,” the Treasury secretary said."
    assert statements(text)[0][2] == "Scott Bessent"


def test_an_office_named_after_a_role_and_before_a_name_is_part_of_the_role():
    text = (
        "The head of Ukraine's presidential office, Andriy Yermak, said the talks would "
        "resume in Geneva."
    )
    assert statements(text)[0][2] == "Andriy Yermak"


def test_a_new_person_is_also_named_by_the_first_word_of_the_name():
    text = (
        "Premier Park Min-soo arrived on Monday.\n\n"
        "Park told a cabinet meeting that the tariff talks were over for now."
    )
    assert statements(text) == [
        ("paraphrase", "The tariff talks were over for now.", "Park Min-soo")
    ]


def test_a_country_of_two_words_owns_its_ministry():
    actors = [*ACTORS, KnownActor(26, "Government of South Africa", "government", "", (), "ZA")]
    text = "South Africa's Trade Ministry said the quota would be lifted in April."
    assert statements(text, actors=actors)[0][2] == "Government of South Africa"


def test_the_company_is_the_last_organisation_named():
    actors = [*ACTORS, KnownActor(27, "Nordic Steelworks", "organization")]
    text = "Nordic Steelworks will reopen its Kyiv plant next year, the company said on Monday."
    assert statements(text, actors=actors)[0][2] == "Nordic Steelworks"


def test_the_person_of_an_age_is_the_one_just_named():
    text = (
        "Olena Marchenko spoke after the talks. "
        "“We will need another round, and soon,” the 54-year-old said."
    )
    assert statements(text)[0][2] == "Olena Marchenko"


def test_an_unnamed_official_is_not_the_last_person_named():
    text = (
        "Olena Marchenko met a delegation from Brussels. "
        "The official said the talks had gone better than expected."
    )
    assert statements(text) == []


def test_words_of_rank_do_not_change_the_office():
    text = (
        "Energy Minister Tomás Ferreira opened the meeting.\n\n"
        "The new minister said the pipeline would be finished by 2027."
    )
    assert statements(text)[0][2] == "Tomás Ferreira"
