"""Who is named where: known actors by name, alias, surname, title or country; pronouns;
names the record does not know yet (new actors to create).

The index is built from plain ``KnownActor`` values (the database's actors, or a data
set's), so the rules run, and are tested, without a database.
"""

import functools
import re
from dataclasses import dataclass, field

from . import lexicon

_U, _L = lexicon.UPPER, lexicon.LETTERS


@dataclass(frozen=True)
class KnownActor:
    id: int | None
    name: str
    kind: str = "person"
    title: str = ""
    aliases: tuple = ()
    country: str = ""

    @property
    def is_person(self):
        return self.kind == "person"

    @classmethod
    def from_spec(cls, id, spec):
        """From a data set's actor: ``{"name", "kind", "title", "aliases", "country"}``."""
        return cls(
            id,
            spec["name"],
            spec.get("kind", "person"),
            spec.get("title", ""),
            tuple(spec.get("aliases", [])),
            spec.get("country", ""),
        )


@dataclass
class Mention:
    start: int
    end: int
    name: str  # the actor's name, or the new name as written
    how: str  # name, alias, surname, title, country, pronoun, new, new-surname, new-single
    actor: KnownActor | None = None
    person: bool = True
    possessive: bool = False
    modifier: bool = False  # "a Kremlin aide", "White House officials": not the speaker
    in_quote: bool = False
    resolved: "Mention | None" = field(default=None, repr=False)

    @property
    def target(self):
        """What a pronoun stands for (itself otherwise); None when unresolved."""
        if self.how == "pronoun":
            return self.resolved
        return self

    @property
    def known(self):
        return self.how not in {"pronoun", "new", "new-surname", "new-single"}


@functools.cache
def _country_names():
    import pycountry

    names = {}
    for country in pycountry.countries:
        names[country.alpha_2] = [getattr(country, "common_name", None) or country.name]
    names["US"] += ["United States", "America"]
    names["GB"] += ["Britain", "United Kingdom"]
    names["RU"] += ["Russia"]
    return names


def _title_tokens(text):
    tokens = []
    for raw in re.findall(rf"[{_L}][{_L}.’'\-]*", text):
        word = re.sub(r"(’s|'s|’|')$", "", raw.lower()).rstrip(".")
        word = lexicon.DEMONYMS.get(word, word)
        tokens.extend(w for w in word.split() if w not in lexicon.STOP_TITLE)
    return tokens


_POSSESSIVE = re.compile(rf"^(’s|'s|’|')(?![{_L}])")
_CAPS_RUN = re.compile(
    rf"(?<![\w’'])(?:[{_U}][{_L}’'\-]*|[{_U}]\.)(?:\s+(?:(?:de|van|von|der|bin|al|la|le)\s+)*"
    rf"(?:[{_U}][{_L}’'\-]*|[{_U}]\.))*"
)
_ROLE = re.compile(
    r"\b(" + "|".join(sorted(lexicon.ROLE_WORDS, key=len, reverse=True)) + r")\b", re.I
)
_PRONOUN = re.compile(r"\b([Hh]e|[Ss]he)\b")


def _straight(name):
    return name.replace("’", "'")


def _demonym_plural(word):
    """ "Ukrainians", "Americans": people of a country, not a name."""
    return word.endswith("s") and word[:-1] in lexicon.DEMONYMS


class ActorIndex:
    """Finds the actors a text names; one index serves every article of a request."""

    def __init__(self, actors):
        self.actors = list(actors)
        table = {}
        surnames = {}
        for actor in self.actors:
            table.setdefault(actor.name, (actor, "name"))
            for alias in actor.aliases:
                table.setdefault(alias, (actor, "alias"))
            if actor.kind == "government" and actor.country:
                for country in _country_names().get(actor.country, []):
                    table.setdefault(country, (actor, "country"))
            if actor.is_person:
                parts = actor.name.split()
                if len(parts) > 1:
                    surnames.setdefault(parts[-1], set()).add(actor)
        for surname, owners in surnames.items():
            if len(owners) == 1 and surname not in table:
                table[surname] = (next(iter(owners)), "surname")
        # "Ukraine's president" is also typed "Ukraine’s president".
        self.table = {_straight(name): entry for name, entry in table.items()}
        names = sorted(self.table, key=len, reverse=True)
        self.pattern = (
            re.compile(
                r"(?<![\w’'])("
                + "|".join(re.escape(n).replace("'", "['’]") for n in names)
                + r")(?![\w])"
            )
            if names
            else None
        )
        self.titles = [
            (actor, set(_title_tokens(actor.title))) for actor in self.actors if actor.title
        ]

    # ------------------------------------------------------------------ mentions
    def mentions(self, doc):
        """Every mention in the text, in order, pronouns resolved."""
        text = doc.text
        quoted = [piece for quote in doc.quotes for piece in quote.pieces]

        def in_quote(start):
            return any(s <= start < e for s, e in quoted)

        found = []
        taken = []
        if self.pattern is not None:
            for match in self.pattern.finditer(text):
                actor, how = self.table[_straight(match.group(1))]
                found.append(
                    Mention(match.start(), match.end(), actor.name, how, actor, actor.is_person)
                )
                taken.append((match.start(), match.end()))
        found += self._titles(text, taken, found)
        taken += [(m.start, m.end) for m in found if m.how == "title"]
        found += self._new_names(text, taken)
        for match in _PRONOUN.finditer(text):
            found.append(Mention(match.start(), match.end(), match.group(1), "pronoun"))
        found.sort(key=lambda m: m.start)
        for mention in found:
            tail = text[mention.end : mention.end + 40]
            mention.possessive = bool(_POSSESSIVE.match(tail))
            following = re.match(r"\s+([a-z]+)", tail)
            mention.modifier = bool(
                following
                and (
                    following.group(1) in lexicon.GENERIC_SPEAKERS
                    or (following.group(1) in lexicon.ROLE_WORDS and mention.how != "title")
                    or following.group(1) == "administration"
                )
            )
            mention.in_quote = in_quote(mention.start)
        self._resolve_pronouns(doc, [m for m in found if not m.in_quote])
        return found

    def _titles(self, text, taken, named):
        mentions = []
        for match in _ROLE.finditer(text):
            start, end = match.start(), match.end()
            if any(s <= start < e for s, e in taken):
                continue
            # Words before the role: adjectives of office, demonyms, capitalised names.
            before = text[max(0, start - 60) : start]
            words = before.split()
            kept = []
            for word in reversed(words):
                bare = re.sub(r"(’s|'s)$", "", word).lower().rstrip(".,")
                if word.endswith((",", ";", ":")) or bare in {"the", "a", "an"}:
                    break
                if word.endswith(".") and bare not in lexicon.DEMONYMS:
                    break  # the sentence before
                if bare in lexicon.TITLE_WORDS or bare in lexicon.DEMONYMS or word[:1].isupper():
                    kept.append(word)
                    continue
                break
            np_start = start - sum(len(w) + 1 for w in kept) if kept else start
            after = re.match(
                r"\s+(?:of|to|for)\s+(?:the\s+)?((?:[A-Z][\w.’'\-]*\s*){1,4})", text[end : end + 80]
            )
            if after and not re.match(r"[A-Z][a-z]+\s+[A-Z][a-z]+$", after.group(1).strip()):
                end = end + after.end()
            following = text[end : end + 30]
            if re.match(r"\s+[A-Z][a-z]", following) and not after:
                continue  # "President Donald Trump": the name says who
            actor = self._match_title(text[np_start:end], start, named)
            if actor is not None:
                mentions.append(Mention(np_start, end, actor.name, "title", actor, actor.is_person))
        return mentions

    def _match_title(self, phrase, at, named):
        tokens = set(_title_tokens(phrase))
        roles = tokens & lexicon.ROLE_WORDS
        if not roles:
            return None
        scored = []
        for actor, title in self.titles:
            if tokens <= title:
                scored.append((len(tokens & title) - 0.5 * len(title - tokens), actor))
        if not scored:
            return None
        if len(tokens) == 1:
            # "the president" alone: the one of them named most recently.
            recent = [m.actor for m in named if m.end <= at and m.actor in {a for _, a in scored}]
            return recent[-1] if recent else None
        best = max(score for score, _ in scored)
        candidates = [actor for score, actor in scored if score == best]
        if len(candidates) > 1:
            recent = [m.actor for m in named if m.end <= at and m.actor in candidates]
            return recent[-1] if recent else None
        return candidates[0]

    def _new_names(self, text, taken):
        countries = {n.lower() for names in _country_names().values() for n in names}
        runs = []
        for match in _CAPS_RUN.finditer(text):
            start, end = match.start(), match.end()
            if any(s < end and start < e for s, e in taken):
                continue
            words = match.group(0).split()
            offset = start
            if match.group(0).lower() in lexicon.PLACES:
                continue
            # Drop leading titles, demonyms and capitalised function words.
            while words:
                bare = re.sub(r"(’s|'s)$", "", words[0]).lower().rstrip(".")
                if (
                    bare in lexicon.TITLE_WORDS
                    or bare in lexicon.DEMONYMS
                    or bare in lexicon.NOT_NAMES
                    or bare in countries
                    or bare in lexicon.PLACES
                    or (words[0].isupper() and len(words[0]) > 2)
                ):
                    offset = text.index(words[0], offset) + len(words[0])
                    words = words[1:]
                else:
                    break
            if not words:
                continue
            name = " ".join(words)
            name_start = text.index(words[0], offset)
            name_end = name_start + len(name)
            if text[name_start:name_end] != name:
                continue
            bare_name = re.sub(r"(’s|'s)$", "", name)
            name_end = name_start + len(bare_name)
            lowered = [w.lower().rstrip(".") for w in bare_name.split()]
            if (
                bare_name.lower() in lexicon.PLACES
                or bare_name.lower() in countries
                or any(w in lexicon.NOT_NAMES or w in lexicon.PLACES for w in lowered)
                or any(w.isupper() and len(w) > 2 for w in bare_name.split())
                or len(bare_name.rstrip(".")) < 2
                or (len(lowered) == 1 and _demonym_plural(lowered[0]))
            ):
                continue
            runs.append((name_start, name_end, bare_name, lowered))
        mentions = []
        persons = {}
        for start, end, name, lowered in runs:
            if len(lowered) >= 2 and lowered[-1] in lexicon.ORG_WORDS:
                mentions.append(Mention(start, end, name, "new", None, person=False))
            elif 2 <= len(lowered) <= 4:
                mentions.append(Mention(start, end, name, "new", None, person=True))
                persons.setdefault(name.split()[-1], name)
        final = []
        for start, end, name, lowered in runs:
            if len(lowered) != 1:
                continue
            if name in persons:
                final.append(Mention(start, end, persons[name], "new-surname", None, True))
            elif lowered[0] not in lexicon.ORG_WORDS and lowered[0] not in lexicon.ROLE_WORDS:
                final.append(Mention(start, end, name, "new-single", None, True))
        return mentions + final

    @staticmethod
    def _resolve_pronouns(doc, mentions):
        """A pronoun stands for the nearest person named before it in its sentence, or
        else for the subject (first person named) of the nearest sentence before."""
        by_sentence = {}
        for mention in mentions:
            by_sentence.setdefault(doc.sentence_at(mention.start), []).append(mention)

        def antecedent(mention):
            target = mention.target
            if target is None or mention.possessive or not target.person:
                return None
            if target.how == "new-single":
                return None
            return target

        for mention in mentions:
            if mention.how != "pronoun":
                continue
            index = doc.sentence_at(mention.start)
            same = [m for m in by_sentence.get(index, []) if m.end <= mention.start]
            for candidate in reversed(same):
                if antecedent(candidate):
                    mention.resolved = antecedent(candidate)
                    break
            else:
                for back in range(index - 1, max(-1, index - 6), -1):
                    people = [antecedent(m) for m in by_sentence.get(back, [])]
                    people = [p for p in people if p]
                    if people:
                        mention.resolved = people[0]
                        break
