"""Who is named where: known actors by name, alias, surname, title or country; pronouns;
names the record does not know yet (new actors to create).

The index is built from plain ``KnownActor`` values (the database's actors, or a data
set's), so the rules run, and are tested, without a database.
"""

import re

from negotiations.extraction import lexicon, roles
from negotiations.extraction.mentions import Mention

_U, _L = lexicon.UPPER, lexicon.LETTERS


_POSSESSIVE = re.compile(rf"^(’s|'s|’|')(?![{_L}])")
_CAPS_RUN = re.compile(
    rf"(?<![\w’'])(?:[{_U}][{_L}’'\-]*|[{_U}]\.)(?:\s+(?:(?:de|van|von|der|bin|al|la|le)\s+)*"
    rf"(?:[{_U}][{_L}’'\-]*|[{_U}]\.))*"
)
_PRONOUN = re.compile(r"\b(He(?!\s+[A-Z][a-z])|he|[Ss]he)\b")  # not "He Lifeng"
_IT_SAID = re.compile(
    r"\b([Ii]t)\s+(?:(?:also|later|then|further|again|has|had|previously)\s+)*(?="
    + "|".join(sorted(lexicon.SPEECH_VERBS, key=len, reverse=True))
    + r")\b"
)


def _body_name(words):
    """The words at the start of a run that name a body ("the Iranian Foreign Ministry",
    "Global Shipping Agency Director …"), titles and all; None when none do."""
    while words and words[0].lower() in lexicon.NOT_NAMES:
        words = words[1:]
    ends = [i for i, w in enumerate(words) if i and w.lower() in lexicon.ORG_WORDS]
    if not ends:
        return None
    words = words[: ends[-1] + 1]
    if any(w.lower() in lexicon.NOT_NAMES or w.lower() in lexicon.PLACES for w in words):
        return None
    return words


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
                for country in roles.country_names().get(actor.country, []):
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
        self._record = None

    # ------------------------------------------------------------------ mentions
    def known_in(self, text):
        """The record's actors named in a text (an actor's title, a role phrase)."""
        if self.pattern is None:
            return []
        return [
            Mention(m.start(), m.end(), actor.name, how, actor, actor.is_person)
            for m in self.pattern.finditer(text)
            for actor, how in [self.table[_straight(m.group(1))]]
        ]

    @property
    def record(self):
        """The record's people with a title, and the role it names."""
        if self._record is None:
            self._record = [
                (actor, roles.record_role(actor, self.known_in))
                for actor in self.actors
                if actor.title and actor.is_person
            ]
        return self._record

    def mentions(self, doc):
        """Every mention in the text, in order, roles and pronouns resolved."""
        text = doc.text
        quoted = [piece for quote in doc.quotes for piece in quote.pieces]

        def in_quote(start):
            return any(s <= start < e for s, e in quoted)

        found = self.known_in(text)
        taken = [(m.start, m.end) for m in found]
        for start, end, name, country in roles.new_bodies(text, taken):
            known = self._body_of(country, name)
            if known is not None:
                found.append(Mention(start, end, known.name, "country", known, False))
            else:
                found.append(Mention(start, end, name, "new", None, person=False))
            taken.append((start, end))
        for mention in self._new_bodies(text, taken):
            found.append(mention)
            taken.append((mention.start, mention.end))
        for start, end, words in roles.org_references(text, taken):
            found.append(Mention(start, end, " ".join(words), "org-ref", None, False))
            taken.append((start, end))
        spans = roles.role_phrases(doc, taken)
        for start, end, definite in spans:
            found.append(Mention(start, end, text[start:end], "role", definite=definite))
        taken += [(start, end) for start, end, _ in spans]
        found += self._new_names(text, taken)
        for match in _PRONOUN.finditer(text):
            found.append(Mention(match.start(), match.end(), match.group(1), "pronoun"))
        for match in _IT_SAID.finditer(text):  # "It added that …": the body just named
            found.append(Mention(match.start(1), match.end(1), "it", "pronoun", person=False))
        found.sort(key=lambda m: m.start)
        for mention in found:
            tail = text[mention.end : mention.end + 40]
            mention.possessive = bool(_POSSESSIVE.match(tail))
            following = re.match(r"\s+([a-z]+)", tail)
            mention.modifier = bool(
                following
                and (
                    following.group(1) in lexicon.GENERIC_SPEAKERS
                    or (following.group(1) in lexicon.ROLE_WORDS and mention.how != "role")
                    or following.group(1) == "administration"
                )
            ) or any(
                s <= mention.start and mention.end <= e and (s, e) != (mention.start, mention.end)
                for s, e, _ in spans
            )
            mention.in_quote = in_quote(mention.start)
        roles.resolve_bodies(found)
        roles.resolve_roles(doc, found, self.record)
        self._resolve_pronouns(doc, [m for m in found if not m.in_quote])
        return found

    def _body_of(self, country, phrase):
        """The record's body a country's ministry or government stands for: one of that
        country whose name holds its words ("Japan's trade ministry"), else, for a
        ministry or a government, the country's government."""
        words = [w.lower() for w in phrase.split()[1:]]
        if not country or not words:
            return None
        government = None
        for actor in self.actors:
            if actor.is_person or actor.country != country:
                continue
            if all(w in actor.name.lower() for w in words):
                return actor
            if actor.kind == "government" and actor.name.lower().startswith("government"):
                government = actor
        return government if words[-1] in lexicon.GOVERNMENT_NOUNS else None

    def _new_bodies(self, text, taken):
        bodies = []
        for match in self._runs(text, taken):
            words = _body_name(match.group(0).split())
            if words:
                start = text.index(words[0], match.start())
                end = start + len(" ".join(words))
                if text[start:end] == " ".join(words):
                    bodies.append(Mention(start, end, text[start:end], "new", None, False))
        return bodies

    def _new_names(self, text, taken):
        countries = {n.lower() for names in roles.country_names().values() for n in names}
        runs = []
        for match in self._runs(text, taken):
            start = match.start()
            words = match.group(0).split()
            offset = start
            if match.group(0).lower() in lexicon.PLACES:
                continue
            # Drop leading titles, demonyms and capitalised function words.
            while words and not (words[0] == "He" and len(words) > 1):  # "He Lifeng"
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
                or any(
                    (w in lexicon.NOT_NAMES and (w, i) != ("he", 0)) or w in lexicon.PLACES
                    for i, w in enumerate(lowered)
                )
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
                # "Lee" for "Lee Jae-myung" as for "Marsh" for "Helen Marsh"; not when two
                # people share the word
                for word in {name.split()[0], name.split()[-1]}:
                    if persons.setdefault(word, name) != name:
                        persons[word] = None
        final = []
        for start, end, name, lowered in runs:
            if len(lowered) != 1:
                continue
            if persons.get(name):
                final.append(Mention(start, end, persons[name], "new-surname", None, True))
            elif not {lowered[0], lowered[0].removesuffix("s")} & (
                lexicon.ORG_WORDS | lexicon.ROLE_WORDS | lexicon.GENERIC_SPEAKERS
            ):  # "Critics say", "Analysts said": nobody in particular
                final.append(Mention(start, end, name, "new-single", None, True))
        return mentions + final

    @staticmethod
    def _runs(text, taken):
        """Capitalised runs outside the names and roles found: "Mines Minister Ana Ruiz"
        gives "Ana Ruiz" once "Mines Minister" is a role."""
        for match in _CAPS_RUN.finditer(text):
            start, end = match.start(), match.end()
            inside = sorted((s, e) for s, e in taken if s < end and start < e)
            if not inside:
                yield match
                continue
            pieces, at = [], start
            for s, e in inside:
                pieces.append((at, s))
                at = max(at, e)
            pieces.append((at, end))
            for low, high in pieces:
                if text[low:high].strip():
                    yield from _CAPS_RUN.finditer(text, low, high)

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

        def body(mention):
            target = mention.target
            if mention.how == "pronoun" or mention.possessive or mention.modifier:
                return None
            return target if target is not None and not target.person else None

        for mention in mentions:
            if mention.how != "pronoun":
                continue
            index = doc.sentence_at(mention.start)
            if not mention.person:
                for back in range(index - 1, max(-1, index - 4), -1):
                    bodies = [body(m) for m in by_sentence.get(back, []) if body(m)]
                    if bodies:
                        mention.resolved = bodies[0]
                        break
                continue
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
