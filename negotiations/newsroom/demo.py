"""The seed story as demo data.

AP, 25 February 2025: "The US and Ukraine are closing in on a mineral deal.
What changed, and what comes next?" (shared/reference/seed-article-2025-02-25.txt).
Every write goes through the domain functions; every step looks for what is
already there first, so loading twice changes nothing.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from negotiations.dates import PartialDate
from negotiations.domain.entries import (
    change_status,
    create_event,
    create_expectation,
    create_proposal,
    create_statement,
)
from negotiations.domain.records import get_or_create_source, save_record, set_state_of_play
from negotiations.models import (
    Actor,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    Stance,
    Statement,
    StatusChange,
)

NEGOTIATION_SLUG = "us-ukraine-minerals-deal"

ARTICLE = {
    # The wire story's own address is not in the text we hold; this stands in for it.
    "url": "https://apnews.com/article/ukraine-us-minerals-deal-what-changed-next",
    "title": (
        "The US and Ukraine are closing in on a mineral deal. What changed, and what comes next?"
    ),
    "publisher": "Associated Press",
    "published_on": datetime.date(2025, 2, 25),
}

ACTORS = [
    {
        "slug": "government-of-the-united-states",
        "name": "Government of the United States",
        "kind": Actor.Kind.GOVERNMENT,
        "country": "US",
        "aliases": ["Trump administration", "Washington", "U.S."],
        "wikidata_id": "Q48525",
    },
    {
        "slug": "government-of-ukraine",
        "name": "Government of Ukraine",
        "kind": Actor.Kind.GOVERNMENT,
        "country": "UA",
        "aliases": ["Kyiv", "Ukrainian government"],
        "wikidata_id": "Q1055407",
    },
    {
        "slug": "government-of-russia",
        "name": "Government of Russia",
        "kind": Actor.Kind.GOVERNMENT,
        "country": "RU",
        "aliases": ["Moscow", "Kremlin"],
    },
    {
        "slug": "donald-trump",
        "name": "Donald Trump",
        "kind": Actor.Kind.PERSON,
        "title": "President of the United States",
        "affiliation": "government-of-the-united-states",
        "country": "US",
        "aliases": ["Trump", "Donald J. Trump"],
        "wikidata_id": "Q22686",
    },
    {
        "slug": "volodymyr-zelenskyy",
        "name": "Volodymyr Zelenskyy",
        "kind": Actor.Kind.PERSON,
        "title": "President of Ukraine",
        "affiliation": "government-of-ukraine",
        "country": "UA",
        "aliases": ["Zelensky", "Zelenskiy", "Volodymyr Zelensky"],
        "wikidata_id": "Q3874799",
    },
    {
        "slug": "andriy-yermak",
        "name": "Andriy Yermak",
        "kind": Actor.Kind.PERSON,
        "title": "Head of the Office of the President of Ukraine",
        "affiliation": "government-of-ukraine",
        "country": "UA",
        "aliases": ["Yermak", "Andrii Yermak"],
    },
    {
        "slug": "steve-witkoff",
        "name": "Steve Witkoff",
        "kind": Actor.Kind.PERSON,
        "title": "U.S. Special Envoy to the Middle East",
        "affiliation": "government-of-the-united-states",
        "country": "US",
        "aliases": ["Witkoff", "Steven Witkoff"],
    },
    {
        "slug": "european-commission",
        "name": "European Commission",
        "kind": Actor.Kind.ORGANIZATION,
        "title": "Executive branch of the European Union",
        "aliases": ["EU Commission"],
        "wikidata_id": "Q8880",
    },
    {
        "slug": "we-build-ukraine",
        "name": "We Build Ukraine",
        "kind": Actor.Kind.ORGANIZATION,
        "title": "Kyiv-based think tank",
        "country": "UA",
    },
]

NEGOTIATION = {
    "slug": NEGOTIATION_SLUG,
    "title": "US–Ukraine minerals deal",
    "summary": (
        "Talks between U.S. and Ukrainian officials over continued American military aid in "
        "exchange for access to Ukraine's mineral resources, including rare earth elements, "
        "lithium and titanium."
    ),
    "status": Negotiation.Status.ACTIVE,
    "parties": ["government-of-the-united-states", "government-of-ukraine"],
}

# Where things stand as of the article (25 February 2025), as an editor would write it.
STATE_OF_PLAY = (
    "Washington demanded $500 billion in mineral profits; Zelenskyy refused a debt “paid off "
    "by ten generations of Ukrainians”, and on 23 February said the demand was off the table. "
    "U.S. envoy Steve Witkoff expects a deal this week; Kyiv still wants security assurances."
)

# Each era holds what it is named after, dated no more precisely than the article: the
# offer was made "last fall" (recorded as 2024, the year: the era is that year); the $500
# billion demand, its rejection and the talks are dated to February 2025 only (the era
# spans the month); the demand was taken "off the table" on Sunday 23 February, the day
# the era of closing in begins. The last two overlap; an entry of 23 February goes in the
# later one (``models.place_in_phases``).
PHASES = [
    ("Ukraine's offer", datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
    ("The $500 billion demand", datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)),
    ("Closing in on a deal", datetime.date(2025, 2, 23), None),
]

# The timeline, oldest first; within one date the order given is the order kept.
# Each item names its kind, the fields that find it again, and the rest.
ENTRIES = [
    (
        Event,
        {"title": "Russia launches its full-scale invasion of Ukraine"},
        {
            "date": "2022-02-24",
            "kind": Event.Kind.OTHER,
            "description": "The war that frames the talks: nearly three years on, Kyiv seeks "
            "to keep its biggest ally's military support.",
            "actors": ["government-of-russia", "government-of-ukraine"],
        },
    ),
    (
        Proposal,
        {"title": "Minerals partnership to strengthen Kyiv's hand"},
        {
            "date": "2024",
            "summary": "Proposed last fall by Zelenskyy as part of his plan to strengthen "
            "Kyiv's hand in future negotiations with Moscow: U.S. access to Ukraine's mineral "
            "resources, rare earth elements among them, tied to long-term support for its "
            "defense.",
            "proposed_by": "volodymyr-zelenskyy",
            "addressed_to": ["government-of-the-united-states"],
        },
    ),
    (
        StatusChange,
        {"proposal": "Minerals partnership to strengthen Kyiv's hand", "status": "proposed"},
        {"date": "2024", "actor": "volodymyr-zelenskyy", "note": "Put forward last fall."},
    ),
    (
        Statement,
        {"actor": "donald-trump", "kind": Statement.Kind.PARAPHRASE},
        {
            "date": "2025-02",
            "text": "Trump said he wanted a deal that would supply the U.S. with Ukraine's "
            "rare earth elements.",
            "proposal": "Minerals partnership to strengthen Kyiv's hand",
            "stance": Stance.SUPPORTS,
        },
    ),
    (
        Proposal,
        {"title": "U.S. demand: $500 billion in mineral profits"},
        {
            "date": "2025-02",
            "key": True,
            "summary": "Ukraine would divert $500 billion in profits from exploited minerals "
            "to Washington as compensation for U.S. wartime support. Kyiv said the offer lacked "
            "specific security assurances.",
            "proposed_by": "government-of-the-united-states",
            "addressed_to": ["government-of-ukraine", "volodymyr-zelenskyy"],
            "amount": Decimal("500000000000"),
            "currency": "USD",
            "supersedes": "Minerals partnership to strengthen Kyiv's hand",
            "relation": Proposal.Relation.COUNTERS,
        },
    ),
    (
        StatusChange,
        {"proposal": "U.S. demand: $500 billion in mineral profits", "status": "proposed"},
        {
            "date": "2025-02",
            "actor": "government-of-the-united-states",
            "note": "Trump administration officials pressed Zelenskyy to accept it.",
        },
    ),
    (
        Statement,
        {"actor": "volodymyr-zelenskyy", "kind": Statement.Kind.DIRECT},
        {
            "date": "2025-02",
            "text": "That will be paid off by ten generations of Ukrainians.",
            "context": "Rejecting the $500 billion offer, while saying Kyiv welcomes "
            "partnering with the U.S. on minerals: he would not sign off on such an agreement.",
            "proposal": "U.S. demand: $500 billion in mineral profits",
            "stance": Stance.OPPOSES,
        },
    ),
    (
        StatusChange,
        {"proposal": "U.S. demand: $500 billion in mineral profits", "status": "rejected"},
        {
            "date": "2025-02",
            "actor": "volodymyr-zelenskyy",
            "note": "Kyiv balked: no adequate security assurances, and a price tag that would "
            "saddle generations of Ukrainians with debt.",
        },
    ),
    (
        Statement,
        {"actor": "andriy-yermak", "kind": Statement.Kind.DIRECT},
        {
            "date": "2025-02",
            "text": "It can be lithium. It can be titanium, uranium, many others. It’s a lot.",
            "context": "On which minerals a deal could cover.",
        },
    ),
    (
        Statement,
        {"actor": "we-build-ukraine", "kind": Statement.Kind.DOCUMENT},
        {
            "date": "2025-02",
            "text": "An estimated 40% of Ukraine's metallic mineral resources are inaccessible "
            "because of Russian occupation.",
            "context": "Data cited by AP.",
        },
    ),
    (
        Statement,
        {"actor": "european-commission", "kind": Statement.Kind.DOCUMENT},
        {
            "date": "2025",
            "text": "Ukraine is a potential supplier of more than 20 critical raw materials; "
            "if it joins the EU it could strengthen the European economy.",
            "context": "The Commission's assessment, as reported by AP.",
        },
    ),
    (
        Event,
        {"title": "Talks deepen over security assurances"},
        {
            "date": "2025-02",
            "kind": Event.Kind.MEETING,
            "description": "Negotiations between U.S. and Ukrainian officials deepen as Kyiv "
            "resists initial proposals over their lack of specific assurances for its security.",
            "actors": ["government-of-the-united-states", "government-of-ukraine"],
        },
    ),
    (
        Event,
        {"title": "Zelenskyy: the $500 billion request is “off the table”"},
        {
            "date": "2025-02-23",
            "kind": Event.Kind.ANNOUNCEMENT,
            "description": "At a forum in Kyiv marking three years since Russia's full-scale "
            "invasion.",
            "actors": ["volodymyr-zelenskyy"],
        },
    ),
    (
        Statement,
        {"actor": "volodymyr-zelenskyy", "kind": Statement.Kind.PARAPHRASE},
        {
            "date": "2025-02-23",
            "text": "The U.S.' request for $500 billion has been taken “off the table”.",
            "context": "Forum in Kyiv marking the three-year anniversary of Russia's invasion.",
            "proposal": "U.S. demand: $500 billion in mineral profits",
            "stance": Stance.OPPOSES,
        },
    ),
    (
        StatusChange,
        {"proposal": "U.S. demand: $500 billion in mineral profits", "status": "withdrawn"},
        {
            "date": "2025-02-23",
            "key": True,
            "actor": "government-of-the-united-states",
            "note": "Taken “off the table”, Zelenskyy told a forum in Kyiv.",
        },
    ),
    (
        Statement,
        {"actor": "steve-witkoff", "kind": Statement.Kind.PARAPHRASE},
        {
            "date": "2025-02-23",
            "text": "He expects a deal allowing the U.S. to play a greater role in exploiting "
            "Ukraine's mineral resources to be reached this week.",
            "context": "On CNN's “State of the Union”.",
        },
    ),
    (
        Expectation,
        {"actor": "steve-witkoff"},
        {
            "date": "2025-02-23",
            "key": True,
            "text": "A deal on Ukraine's mineral resources will be reached this week.",
            "due_date": "2025-03-02",
        },
    ),
]


@transaction.atomic
def load_demo(*, by=None):
    """Load the seed story; returns how many records it created (0 on a second run)."""
    created = 0
    source = get_or_create_source(by=by, **ARTICLE)

    actors = {}
    for spec in ACTORS:
        spec = dict(spec)
        affiliation = spec.pop("affiliation", None)
        actor = Actor.objects.filter(slug=spec["slug"]).first()
        if actor is None:
            actor = Actor(**spec, affiliation=actors.get(affiliation))
            save_record(actor, by=by)
            created += 1
        actors[actor.slug] = actor

    negotiation = Negotiation.objects.filter(slug=NEGOTIATION_SLUG).first()
    if negotiation is None:
        spec = dict(NEGOTIATION)
        parties = [actors[slug] for slug in spec.pop("parties")]
        negotiation = save_record(Negotiation(**spec), by=by, m2m={"parties": parties})
        created += 1

    if not negotiation.state_of_play:
        set_state_of_play(negotiation, text=STATE_OF_PLAY, by=by)
        created += 1

    for name, starts_on, ends_on in PHASES:
        phase = negotiation.phases.filter(name=name).first()
        if phase is None:
            phase = Phase(negotiation=negotiation, name=name, starts_on=starts_on, ends_on=ends_on)
            save_record(phase, by=by)
            created += 1
        elif (phase.starts_on, phase.ends_on) != (starts_on, ends_on):
            # A database loaded with earlier demo eras gets the true ones.
            phase.starts_on, phase.ends_on = starts_on, ends_on
            save_record(phase, by=by)

    for model, lookup, fields in ENTRIES:
        if _find_entry(model, negotiation, actors, lookup, fields["date"]) is None:
            _create_entry(model, negotiation, actors, source, by, {**lookup, **fields})
            created += 1
    return created


def _resolve(negotiation, actors, fields):
    """Turn the slugs and titles of the specs into rows."""
    resolved = {}
    for name, value in fields.items():
        if name in {"actor", "proposed_by"}:
            value = actors[value]
        elif name in {"addressed_to", "actors"}:
            value = [actors[slug] for slug in value]
        elif name in {"proposal", "supersedes"}:
            value = Proposal.objects.get(negotiation=negotiation, title=value)
        resolved[name] = value
    return resolved


def _find_entry(model, negotiation, actors, lookup, date):
    parsed = PartialDate.parse(date)
    return (
        model.objects.filter(
            negotiation=negotiation,
            date_start=parsed.start,
            date_precision=parsed.precision,
            **_resolve(negotiation, actors, lookup),
        )
        .order_by("pk")
        .first()
    )


def _create_entry(model, negotiation, actors, source, by, fields):
    fields = _resolve(negotiation, actors, fields)
    common = {"date": fields.pop("date"), "by": by, "sources": [source], "published": True}
    if model is Proposal:
        create_proposal(negotiation=negotiation, **common, **fields)
    elif model is StatusChange:
        change_status(**common, **fields)
    elif model is Statement:
        create_statement(negotiation=negotiation, **common, **fields)
    elif model is Event:
        create_event(negotiation=negotiation, **common, **fields)
    else:
        create_expectation(negotiation=negotiation, **common, **fields)
