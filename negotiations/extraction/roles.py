"""People named by what they do, and bodies named by a common noun.

A role phrase ("the foreign minister", "Turkey's foreign minister", "the agency's chief")
stands for a person: the one it stands beside ("Ana Ruiz, the union's negotiator,",
"Mines Minister Ana Ruiz"); else the person named before it whose role, from the record
or from the text, and country fit; else the one actor of the record that fits. Failing
those, the writer's second reference: the nearest person named before it with no role
("Ana Ruiz said … the minister said"), or the next one named (a lede's "Ukraine's
foreign minister said", then "Andrii Sybiha told").

A body is named by a common noun ("the group said" is the group named before), by a
demonym and a noun ("the Chinese commerce ministry", a new actor unless the record
holds it) or by its seat ("the White House said").
"""

import functools
import re
from dataclasses import dataclass

from negotiations.extraction import lexicon
from negotiations.extraction.mentions import Mention

_L = lexicon.LETTERS
_TOKEN = re.compile(rf"[{_L}][{_L}.’'\-]*")
_POSSESSIVE_WORD = re.compile(r"(’s|'s|s’|s')$")
_DETERMINERS = lexicon.words("the a an its his her their our this that whose")
_INDEFINITE = lexicon.words("a an another one")
_ROLE = re.compile(
    r"\b(" + "|".join(sorted(lexicon.ROLE_WORDS, key=len, reverse=True)) + r")\b", re.I
)
_CUT = re.compile(r"[,;:()“”\"—–]|\.\s")
_NOUNS = "|".join(sorted(lexicon.ORG_NOUNS, key=len, reverse=True))
_CAPITAL_NOUNS = "|".join(n.capitalize() for n in sorted(lexicon.ORG_NOUNS, key=len, reverse=True))
_ORG_REF = re.compile(rf"\b[Tt]he\s+((?:[a-z]+\s+){{0,2}}(?:{_NOUNS})|{_CAPITAL_NOUNS})\b")
_DEMONYM = "|".join(re.escape(d) for d in sorted(lexicon.DEMONYMS, key=len, reverse=True))
_BODY = re.compile(
    rf"\b(?:[Tt]he\s+)?((?:(?i:{_DEMONYM})|(?:[A-Z][a-z]+\s)?[A-Z][a-z]+(?:’s|'s))\s+"
    rf"(?:[A-Za-z][a-z]+\s+){{0,2}}(?:{_NOUNS}|{_CAPITAL_NOUNS}))\b"
)
_SEAT = re.compile(
    r"\b(" + "|".join(re.escape(s) for s in sorted(lexicon.SEATS, key=len, reverse=True)) + r")\b",
    re.I,
)


@functools.cache
def country_names():
    """Each ISO country code and the names it goes by in a story."""
    import pycountry

    names = {}
    for country in pycountry.countries:
        names[country.alpha_2] = [getattr(country, "common_name", None) or country.name]
    for code, extra in lexicon.COUNTRY_NAMES.items():
        names[code] = names.get(code, []) + extra
    return names


@functools.cache
def _codes():
    table = {}
    for code, names in country_names().items():
        for name in names:
            table.setdefault(name.lower(), code)
    for demonym, place in lexicon.DEMONYMS.items():
        if place in table:
            table.setdefault(demonym, table[place])
    for name in ("european", "eu", "european union"):
        table[name] = "EU"
    return table


@functools.cache
def _country_pattern():
    names = sorted((n for n in _codes() if " " in n), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.I)


def country_code(word):
    """The ISO code a country's name or demonym stands for ("" when none)."""
    return _codes().get(word.lower().rstrip("."), "")


@dataclass
class Role:
    tokens: frozenset = frozenset()  # role words and their qualifiers, lower case
    countries: frozenset = frozenset()  # ISO codes
    orgs: frozenset = frozenset()  # names of the bodies it belongs to
    heads: frozenset = frozenset()  # the office itself: "minister" in "Minister of Economy"
    definite: bool = True

    def __or__(self, other):
        return Role(
            self.tokens | other.tokens,
            self.countries | other.countries,
            self.orgs | other.orgs,
            self.heads | other.heads,
        )

    @property
    def core(self):
        tokens = self.tokens - lexicon.OPTIONAL_ROLE_WORDS
        if not tokens & lexicon.ROLE_WORDS:
            tokens = self.tokens & lexicon.HEAD_WORDS  # "the agency's chief"
        return tokens

    @property
    def has_role(self):
        return bool(self.tokens & lexicon.ROLE_WORDS)


def _bare(word):
    bare = _POSSESSIVE_WORD.sub("", word).lower().rstrip(".")
    return lexicon.ROLE_SYNONYMS.get(bare, bare)


def role_of(text, start, end, mentions=()):
    """The role a phrase names: its words, the countries and bodies it names."""
    chars = list(text[start:end])
    countries, orgs = set(), set()
    for mention in mentions:
        target = mention.target
        if not (start <= mention.start and mention.end <= end):
            continue
        if target is not None and target.actor is not None and target.actor.is_person:
            if target.actor.country:  # "Trump's envoy": an envoy of his country
                countries.add(target.actor.country)
        elif target is not None and target.actor is not None:
            orgs.add(target.actor.name)
            if target.actor.kind == "government" and target.actor.country:
                countries.add(target.actor.country)
        elif target is not None and target.actor is None and not target.person:
            orgs.add(target.name)
        if mention.how not in {"role", "pronoun"}:
            chars[mention.start - start : mention.end - start] = " " * (mention.end - mention.start)
    phrase = "".join(chars)
    for match in _country_pattern().finditer(phrase):
        countries.add(_codes()[match.group(1).lower()])
        phrase = phrase[: match.start()] + " " * len(match.group(0)) + phrase[match.end() :]
    tokens, heads = set(), []
    complement = False
    for word in _TOKEN.findall(phrase):
        bare = _bare(word)
        code = country_code(bare)
        if bare in {"of", "for", "to", "at", "in"}:
            complement = True  # "Head of the Office of the President": a head, not a president
        if code:
            countries.add(code)
        elif bare not in lexicon.STOP_TITLE and bare not in _DETERMINERS:
            tokens.add(bare)
            if not complement and bare in lexicon.ROLE_WORDS and not (heads and bare == "general"):
                heads.append(bare)
    head = frozenset(heads[-1:])
    return Role(frozenset(tokens), frozenset(countries), frozenset(orgs), head)


def record_role(actor, index_mentions):
    """The role an actor's title in the record names ("Minister of Economy of Ukraine")."""
    role = role_of(actor.title, 0, len(actor.title), index_mentions(actor.title))
    countries = role.countries | ({actor.country} if actor.country else set())
    return Role(role.tokens, frozenset(countries), role.orgs, role.heads)


def fits(ref, profile):
    """Whether a person with this profile may be the one a role phrase names."""
    core = ref.core
    if not core:
        return False
    if core <= lexicon.HEAD_WORDS:
        if not (ref.orgs or ref.countries) or not profile.tokens & lexicon.HEAD_TITLES:
            return False
    elif not core <= profile.tokens or (profile.tokens - ref.tokens) & lexicon.MARKED_ROLE_WORDS:
        return False
    elif profile.heads and not ref.heads & profile.heads:
        return False  # "the president" is not the head of the president's office
    if ref.countries and profile.countries and not ref.countries & profile.countries:
        return False
    if ref.orgs and not ref.orgs & profile.orgs:
        if profile.countries and ref.countries & profile.countries:
            return True
        # "the Treasury secretary": the body is in the record's title of the office
        words = {w for org in ref.orgs for w in re.findall(r"\w+", org.lower())}
        return not profile.orgs and words <= profile.tokens
    return True


# ---------------------------------------------------------------- finding the phrases
_AGE = re.compile(
    r"\b[Tt]he\s+\d{1,3}-year-old\b(?=[^\w\s]|\s+(?:"
    + "|".join(sorted(lexicon.SPEECH_VERBS | lexicon.AUXILIARIES, key=len, reverse=True))
    + r")\b|\s+[A-Z]|\s*$)"
)


def role_phrases(doc, taken):
    """Spans (start, end, definite) of the noun phrases that name someone by a role, or
    by age alone ("the 62-year-old said": the person just named)."""
    text = doc.text
    spans = [(m.start(), m.end(), True) for m in _AGE.finditer(text)]
    for match in _ROLE.finditer(text):
        start, end = match.start(), match.end()
        if any(s <= start < e for s, e in taken) or (spans and start < spans[-1][1]):
            continue
        if any(s <= start < e for s, e, _ in spans):
            continue
        sentence_start = doc.sentences[doc.sentence_at(start)][0]
        np_start, definite = _left_edge(text, max(sentence_start, start - 80), start)
        end = _right_edge(text, end, taken)
        spans.append((np_start, end, definite))
    return spans


def _left_edge(text, low, start):
    """Where the phrase before a role word begins: its determiner, owner, qualifiers."""
    segment = text[low:start]
    cut = list(_CUT.finditer(segment))
    if cut:
        low += cut[-1].end()
        segment = text[low:start]
    kept = []  # (offset, strong)
    definite = True
    for word in reversed(list(re.finditer(r"\S+", segment))):
        raw = word.group(0)
        bare = _bare(raw)
        if bare in _DETERMINERS:
            kept.append((low + word.start(), True))
            definite = bare not in _INDEFINITE
            break
        if raw[:1].isupper() and bare in lexicon.NOT_NAMES:
            break
        if (
            raw[:1].isupper()
            or _POSSESSIVE_WORD.search(raw)
            or bare in lexicon.TITLE_WORDS
            or country_code(bare)
        ):
            kept.append((low + word.start(), True))
            continue
        if raw.isalpha() and raw.islower() and len([k for k in kept if not k[1]]) < 2:
            if bare in lexicon.NOT_NAMES or bare in lexicon.SPEECH_VERBS or bare.endswith("ly"):
                break
            kept.append((low + word.start(), False))
            continue
        break
    while kept and not kept[-1][1]:
        kept.pop()  # "… struck a deal negotiator": lower-case words need a determiner
    return (kept[-1][0] if kept else start), definite


def _right_edge(text, end, taken):
    """Where it ends: "Director General", "Secretary of State", "head of the agency"."""
    while True:
        more = re.match(r"[\s\-]+([A-Za-z]+)", text[end : end + 30])
        if more and more.group(1).lower() in lexicon.ROLE_WORDS and more.group(1) != "General":
            end += more.end()
            continue
        if more and more.group(1) == "General":
            end += more.end()
            continue
        tail = re.match(r"\s+(?:of|to|for)\s+(?:the\s+)?", text[end : end + 12])
        if not tail:
            return end
        at = end + tail.end()
        known = [e for s, e in taken if s == at]
        if known:
            end = max(known)
            continue
        noun = re.match(r"[a-z]+\b", text[at : at + 20])
        if noun and noun.group(0) in lexicon.ORG_NOUNS:
            end = at + noun.end()  # "a spokeswoman for the ministry"
            continue
        group = re.match(r"[A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*){0,3}", text[at : at + 60])
        if not group:
            return end
        words = group.group(0).split()
        while words and not _qualifies(words):
            words.pop()  # "Secretary of State Marco Rubio": the name is not the office's
        if not words:
            return end
        end = at + len(" ".join(words))


def _qualifies(words):
    """Whether capitalised words name an office's place: "State", "Middle East"."""
    phrase = " ".join(words).lower().rstrip(".")
    return (
        phrase in lexicon.PLACES
        or bool(country_code(phrase))
        or all(w.lower() in lexicon.TITLE_WORDS | lexicon.ORG_WORDS for w in words)
    )


def org_references(text, taken):
    """Spans of "the group", "the trade ministry", "the Commission": a body named before."""
    found = []
    for match in _ORG_REF.finditer(text):
        start, end = match.start(), match.end()
        if any(s < end and start < e for s, e in taken):
            continue
        following = text[end : end + 12]
        if re.match(r"\s+(?:of|for)\b|\s+[A-Z]", following):
            continue  # "the Ministry of Finance", "the group Human Rights Watch"
        words = match.group(1).lower().split()
        found.append((start, end, words))
    return found


def new_bodies(text, taken):
    """ "the Chinese commerce ministry", "the White House": (start, end, name, country)."""
    found = []
    for match in _BODY.finditer(text):
        start, end = match.start(1), match.end(1)
        owner = re.match(r"(?:[A-Z][a-z]+\s)?[A-Z][a-z]+(?:’s|'s)|\S+", match.group(1)).group(0)
        code = country_code(_bare(owner))
        if not code and " " in owner:  # "Trade Minister Japan's" is no country; "Japan's" is
            owner = owner.split()[1]
            start += match.group(1).index(owner)
            code = country_code(_bare(owner))
        after_country = start + len(owner)  # "Qatar's Foreign Ministry": Qatar may be known
        if any(s < end and after_country < e for s, e in taken):
            continue
        if code and owner[:1].isupper():
            found.append((start, end, text[start:end], code))
    for match in _SEAT.finditer(text):
        start, end = match.start(), match.end()
        if not any(s < end and start < e for s, e in taken) and match.group(1)[:1].isupper():
            found.append((start, end, match.group(1), ""))
    return found


# ---------------------------------------------------------------- resolving them
def resolve_bodies(mentions):
    """ "the group" is the body named last whose name holds the noun (any organisation,
    for "the group" or "the rebels"); "the government" the last government named."""
    bodies = []
    for mention in mentions:
        if mention.how == "org-ref":
            mention.resolved = _body_for(mention.name.lower().split(), bodies)
            continue
        target = mention.target
        if target is not None and not target.person and not mention.in_quote:
            bodies.append(target)


def _body_for(words, bodies):
    noun, modifiers = words[-1], words[:-1]
    for body in reversed(bodies):
        actor = body.actor
        if noun == "government":
            if actor is not None and actor.kind == "government":
                return body
            continue
        names = " ".join([body.name, *(actor.aliases if actor else ())]).lower()
        if noun in re.findall(r"\w+", names) and all(m in names for m in modifiers):
            return body
        if (
            noun in lexicon.GROUP_NOUNS
            and not modifiers
            and (actor is None or actor.kind == "organization")
        ):
            return body
    return None


def resolve_roles(doc, mentions, record):
    """Set ``resolved`` on each role mention; ``record`` is [(actor, Role)] for the
    record's people with a title."""
    people = [
        m
        for m in mentions
        if not m.in_quote
        and m.how not in {"pronoun", "role", "org-ref", "new-single"}
        and m.person
        and m.target is not None
    ]
    refs = [m for m in mentions if m.how == "role" and not m.in_quote]
    profiles = {actor.name: role for actor, role in record}
    for ref in refs:
        ref.role = Role(*_fields(role_of(doc.text, ref.start, ref.end, mentions)), ref.definite)
    for ref in refs:
        person = _beside(doc.text, ref, people)
        if person is not None:
            ref.resolved = person.target
            _learn(profiles, person.target.name, ref.role)
    for ref in refs:
        if ref.resolved is None and _AGE.match(doc.text, ref.start):
            before = [p for p in people if p.end <= ref.start]
            near = before and doc.sentence_at(ref.start) - doc.sentence_at(before[-1].start) <= 2
            ref.resolved = before[-1].target if near else None
        if ref.resolved is None and ref.role.definite and ref.role.core:
            ref.resolved = _by_role(doc, ref, people, profiles, record)
        if ref.resolved is None and ref.role.core == {"spokesman"}:
            bodies = [
                m.target
                for m in mentions
                if ref.start <= m.start
                and m.end <= ref.end
                and m is not ref
                and m.target is not None
                and not m.target.person
            ]
            ref.resolved = bodies[0] if bodies else None  # "a Commission spokesperson"


def _fields(role):
    return role.tokens, role.countries, role.orgs, role.heads


def _learn(profiles, name, role):
    profiles[name] = profiles.get(name, Role()) | Role(*_fields(role))


def _beside(text, ref, people):
    """ "Ana Ruiz, the union's negotiator", "the union's negotiator, Ana Ruiz,", "Mines
    Minister Ana Ruiz": the person a role phrase stands beside."""
    for person in people:
        if person.end <= ref.start and re.fullmatch(r",\s*", text[person.end : ref.start]):
            return person
        if person.start >= ref.end:
            between = text[ref.end : person.start]
            if re.fullmatch(r"[ \t]+", between):
                return person
            if re.fullmatch(r",\s*", between) and re.match(r"\s*[,.;]", text[person.end :]):
                return person
    return None


def _by_role(doc, ref, people, profiles, record):
    before = [p for p in people if p.end <= ref.start]
    names = set()
    for person in reversed(before):
        name = person.target.name
        if name not in names:
            names.add(name)
            if fits(ref.role, profiles.get(name, Role())):
                return person.target
    role = ref.role
    fitting = [(len(p.tokens - role.tokens), a) for a, p in record if fits(role, p)]
    best = [actor for extra, actor in fitting if extra == min(e for e, _ in fitting)]
    if len(best) == 1 and (len(role.core) >= 2 or role.countries or role.orgs):
        return _known(ref, best[0])
    index = doc.sentence_at(ref.start)
    if role.core <= lexicon.ANONYMOUS_ROLES:
        return None  # "the official said": someone unnamed, not the last person named

    def free(person):
        profile = profiles.get(person.target.name, Role())
        if profile.countries and role.countries and not profile.countries & role.countries:
            return False
        return not profile.has_role or fits(role, profile)

    for person in reversed(before):
        if doc.sentence_at(person.start) < index - 2:
            break
        if free(person):
            _learn(profiles, person.target.name, role)
            return person.target
    for person in people:
        at = doc.sentence_at(person.start)
        if person.start >= ref.end and index < at <= index + 2 and free(person):
            _learn(profiles, person.target.name, role)
            return person.target
    return None


def _known(ref, actor):
    return Mention(ref.start, ref.end, actor.name, "title", actor, actor.is_person)
