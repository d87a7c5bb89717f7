"""Statements: direct quotes (split quotes joined, a quote over paragraphs kept whole)
and reported speech ("Bessent said the proposal does not include …"), each with its
speaker. Scare quotes and quoted titles are not statements.
"""

import re
from dataclasses import dataclass

from negotiations.extraction import lexicon

_WORD = re.compile(rf"[{lexicon.LETTERS}][{lexicon.LETTERS}’'\-]*")
_SMALL = {"of", "the", "and", "a", "an", "in", "on", "for", "to", "at", "with", "or"}
# After a quote, these begin the rest of the sentence: "called it “a precedent” in July".
_FUNCTION_WORDS = lexicon.words(
    "in on at for to with from by of over after before during since until and or but as than "
    "because if when while that which about into against"
)
_QUOTE_VERBS = lexicon.QUOTE_VERBS
_DETERMINERS = {"a", "an", "the", "its", "his", "her", "their", "our", "so-called", "this"}


@dataclass
class Statement:
    kind: str  # direct or paraphrase
    text: str
    start: int
    end: int
    sentence: tuple  # (start, end)
    speaker: object  # a Mention (its target is who spoke), or None
    cue: str = ""  # the speech verb (or "according to")


def _words(text):
    return _WORD.findall(text)


def _is_title(words):
    """ "State of the Union": every word capitalised but the small ones."""
    return bool(words) and len(words) <= 8 and all(w[0].isupper() or w in _SMALL for w in words)


def _verbs(masked, base, kinds):
    for match in _WORD.finditer(masked):
        word = match.group(0)
        if word in kinds:
            yield base + match.start(), base + match.end(), word


def _gap_allowed(gap):
    """What may stand between a speaker and the verb: an apposition, a relative or
    participle clause between commas, a few adverbs ("Zelenskyy on Sunday told")."""
    gap = re.sub(r"^\s*,[^,;]{0,140},", " ", gap)
    words = gap.split()
    return len(words) <= 3 and all(
        w.lower().strip(",.") in lexicon.AUXILIARIES or w.strip(",.").isdigit() for w in words
    )


_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|at|from|of|with|near|inside|outside|across|to|into|for)\s+(?:the\s+)?$", re.I
)
_RELATIVE = re.compile(r",\s*(?:who|which|whose|where|whom)\b[^,;]*,")
_NEGATED = re.compile(r"\b(?:not|n't|never|declined to|refused to|did not)\s+$")


class Attributor:
    """Finds the speaker of a quote or of reported speech in an article's mentions."""

    def __init__(self, doc, mentions):
        self.doc = doc
        self.mentions = [m for m in mentions if not m.in_quote]

    def _speaker(self, mention):
        if mention is None or mention.target is None:
            return None
        return mention

    def within(self, start, end):
        return [m for m in self.mentions if start <= m.start and m.end <= end]

    def subject_before(self, verb_start, sentence_start, *, participle=False):
        masked = self.doc.masked(sentence_start, verb_start)
        # "X, who visited New Delhi last month, said": not New Delhi.
        clauses = [
            (sentence_start + m.start(), sentence_start + m.end())
            for m in _RELATIVE.finditer(masked)
        ]
        candidates = [
            m
            for m in self.within(sentence_start, verb_start)
            if not (m.possessive or m.modifier)
            and not any(s <= m.start < e for s, e in clauses)
            # "Critics in Yerevan say": a place after a preposition is not the subject
            and not _PREPOSITION_BEFORE.search(self.doc.text, max(0, m.start - 12), m.start)
        ]
        if not candidates:
            return None
        if not participle:
            nearest = candidates[-1]
            if _gap_allowed(self.doc.masked(nearest.end, verb_start)):
                return self._speaker(nearest)
        for mention in candidates:
            if mention.how in {"country", "new-single"}:
                continue
            return self._speaker(mention)
        return None

    def speaker_in(self, start, end):
        """The speaker named in a short attribution ("the Treasury secretary told")."""
        for mention in self.within(start, end):
            if not (mention.possessive or mention.modifier):
                return self._speaker(mention)
        return None


def _attribution_after(doc, attributor, start, end):
    """ "…,” Yermak said." / "…,” said Olena Marchenko, …": the speaker after a quote."""
    masked = doc.masked(start, end)
    according = re.match(r"\s*,?\s*according to\b", masked)
    if according:  # "“…,” according to Yermak."
        return attributor.speaker_in(start + according.end(), end), "according to"
    words = list(_WORD.finditer(masked))[:10]
    for index, match in enumerate(words):
        word = match.group(0)
        if word in lexicon.SPEECH_VERBS or word in lexicon.OBJECT_VERBS or word in _QUOTE_VERBS:
            verb_at = start + match.start()
            if index:
                return attributor.speaker_in(start, verb_at), match.group(0)
            return attributor.speaker_in(start + match.end(), end), match.group(0)
    return None, ""


def _attribution_before(doc, attributor, sentence_start, quote_at):
    """ "Zelenskyy has rejected the offer, saying … “…”": the last verb before a quote."""
    masked = doc.masked(sentence_start, quote_at)
    found = None
    for verb in _verbs(
        masked,
        sentence_start,
        lexicon.SPEECH_VERBS | lexicon.QUOTE_ONLY_VERBS | lexicon.PARTICIPLES | _QUOTE_VERBS,
    ):
        found = verb
    if found is None:
        return None, ""
    start, _end, word = found
    participle = word in lexicon.PARTICIPLES
    return attributor.subject_before(start, sentence_start, participle=participle), word


def _only_attribution(doc, start, end):
    """Whether the text between two quotes is just their attribution, so they are one
    quote: "she said." or, closed by a comma, a longer one ("X, the union's negotiator,
    told reporters after the talks,")."""
    between = doc.masked(start, end)
    words = _words(between)
    if not words or re.search(r"[;“”\"]|[.!?]\s+\S", between.strip()):
        return False
    if len(words) > 9 and not (len(words) <= 25 and between.rstrip().endswith((",", "."))):
        return False
    return any(w in lexicon.SPEECH_VERBS or w in _QUOTE_VERBS for w in words)


def _join(fragments):
    """One quote from its fragments: "We are close," … "but not there yet." keeps its
    comma; a fragment's comma before a capital ends a sentence ("…, many others. It's")."""
    parts = []
    for index, words in enumerate(fragments):
        if index + 1 < len(fragments) and words.endswith(","):
            following = fragments[index + 1]
            if not following[:1].islower():
                words = words[:-1] + "."
        parts.append(words)
    text = " ".join(parts).strip()
    if text.endswith(","):
        text = text[:-1] + "."
    return text


def _is_scare(doc, quote, words):
    text = doc.text
    inner = quote.words(text)
    if _is_title(words) and not re.search(r"[.!?,]$", inner):
        return True
    if len(words) > 4:
        return False
    before = text[max(0, quote.open_at - 20) : quote.open_at].split()
    if before and (before[-1].lower() in _DETERMINERS or before[-1].endswith(("’s", "'s"))):
        return True  # a noun phrase, its period typed inside: its “special operation.”
    if re.search(r"[.!?,]$", inner):
        return False
    following = text[quote.close_at + 1 : quote.close_at + 30]
    if re.match(r"\s+[a-z]", following):
        next_word = following.split()[0]
        if next_word not in lexicon.SPEECH_VERBS and next_word not in _FUNCTION_WORDS:
            return True  # modifies the noun after it: an “improved” draft, a “dictator” label
    return False


def direct_quotes(doc, attributor):
    groups = []
    for quote in doc.quotes:
        words = _words(quote.words(doc.text))
        if _is_scare(doc, quote, words):
            continue
        previous = groups[-1][-1] if groups else None
        if (
            previous is not None
            # "…,” she said, “…”: a quote that ends its sentence is not continued.
            and not re.search(r"[.!?]$", previous.words(doc.text))
            and doc.paragraph_at(previous.end) == doc.paragraph_at(quote.start)
            and _only_attribution(doc, previous.close_at + 1, quote.open_at)
        ):
            groups[-1].append(quote)
        else:
            groups.append([quote])

    statements = []
    for group in groups:
        first, last = group[0], group[-1]
        sentence = doc.sentences[doc.sentence_at(first.start)]
        last_sentence = doc.sentences[doc.sentence_at(last.end)]
        speaker, cue = None, ""
        # After a fragment: "…,” she said." (up to the next quote or the sentence's end).
        for index, quote in enumerate(group):
            limit = group[index + 1].open_at if index + 1 < len(group) else None
            sentence_end = doc.sentences[doc.sentence_at(quote.end)][1]
            end = min(limit, sentence_end) if limit else sentence_end
            end = min([end, *[q.open_at for q in doc.quotes if q.open_at > quote.close_at]])
            speaker, cue = _attribution_after(doc, attributor, quote.close_at + 1, end)
            if speaker:
                break
        if speaker is None:
            start = max(
                [sentence[0], *[q.close_at + 1 for q in doc.quotes if q.close_at < first.open_at]]
            )
            speaker, cue = _attribution_before(doc, attributor, start, first.open_at)
        text = _join([quote.words(doc.text) for quote in group])
        short = len(_words(text)) <= 4
        if speaker is None and not short:
            speaker, cue = _context_speaker(doc, attributor, statements, sentence)
        if speaker is None and short:
            continue  # a short quote nobody is said to have said: not a statement
        statements.append(
            Statement(
                "direct",
                text,
                first.start,
                last.end,
                (sentence[0], last_sentence[1]),
                speaker,
                cue,
            )
        )
    return statements


def _context_speaker(doc, attributor, statements, sentence):
    """A quote standing alone: introduced by the sentence before ("He said:"), or the
    last speaker's, when that was in this paragraph or the one before."""
    index = doc.sentences.index(sentence)
    if index:
        previous = doc.sentences[index - 1]
        if doc.text[previous[0] : previous[1]].rstrip().endswith(":"):
            speaker, cue = _attribution_before(doc, attributor, previous[0], previous[1])
            if speaker:
                return speaker, cue
    if statements:
        last = statements[-1]
        if doc.paragraph_at(sentence[0]) - doc.paragraph_at(last.end) <= 1 and last.speaker:
            return last.speaker, "continued"
    return None, ""


_ACCORDING = re.compile(r",?\s*according to ([^,.;]+(?:,[^,.;]+)?)")
_OBJECTS = {
    "reporters",
    "journalists",
    "lawmakers",
    "parliament",
    "him",
    "her",
    "them",
    "us",
    "cnn",
    "bbc",
    "abc",
    "nbc",
    "cbs",
    "msnbc",
    "reuters",
    "lawmaker",
}


def _clause(doc, start, end):
    text = " ".join(doc.text[start:end].split()).strip(" ,:;")
    return text


def _quoted_share_ok(doc, start, end):
    """Reported speech has words of its own: at least four outside quotation marks, or
    two with a verb when nothing is quoted ("that it would attend")."""
    own = [w.lower() for w in _words(doc.masked(start, end))]
    quoted = any(q.open_at < end and start <= q.close_at for q in doc.quotes)
    return len(own) >= 4 or (len(own) >= 2 and not quoted and bool(set(own) & _FINITE))


_FINITE = lexicon.words(
    "is are was were will would could can may might must should shall has have had did does do"
)


def _finish(text):
    text = text[:1].upper() + text[1:]
    if text and text[-1] not in '.!?”"’':
        text += "."
    return text


def reported_speech(doc, attributor):
    statements = []
    for sentence in doc.sentences:
        s_start, s_end = sentence
        body_end = s_end
        while body_end > s_start and doc.text[body_end - 1] in ".!? \n":
            body_end -= 1
        masked = doc.masked(s_start, s_end)
        found = None
        for match in _WORD.finditer(masked):
            word = match.group(0)
            if word in lexicon.QUESTION_VERBS or (
                word not in lexicon.SPEECH_VERBS and word not in lexicon.PARTICIPLES
            ):
                continue
            verb_start, verb_end = s_start + match.start(), s_start + match.end()
            if _NEGATED.search(masked[: match.start()]):
                continue  # "did not say what those measures would be"
            found = _reported(doc, attributor, sentence, body_end, verb_start, verb_end, word)
            if found:
                break
        if found is None:
            found = _according_first(doc, attributor, sentence, body_end)
        if found is None:
            according = _ACCORDING.search(masked)
            if according:
                np_start = s_start + according.start(1)
                speaker = attributor.speaker_in(np_start, s_start + according.end(1))
                clause_end = s_start + according.start()
                if speaker and _quoted_share_ok(doc, s_start, clause_end):
                    found = (speaker, s_start, clause_end, "according to")
        if found:
            speaker, start, end, cue = found
            start = _after_dateline(doc, start)
            text = _finish(_clause(doc, start, end))
            statements.append(Statement("paraphrase", text, start, end, sentence, speaker, cue))
    return statements


_U = lexicon.UPPER
_DATELINE = re.compile(
    rf"\s*(?:[{_U}][{_U} .'’\-]{{2,}}|[{_U}][\w'’\-]+(?:\s[{_U}][\w'’\-]+)?(?=\s*\())"
    rf"(?:,\s*[{_U}][\w.]*(?:\s[{_U}0-9][\w.]*)*)*\s*(?:\([A-Za-z .]{{1,20}}\))?\s*[—–-]{{1,2}}\s+"
)


def _after_dateline(doc, start):
    """ "TOKYO, Nov 12 (Reuters) - Japan said …": the story's first words, after its dateline."""
    if doc.sentences and start == doc.sentences[0][0]:
        dateline = _DATELINE.match(doc.text, start)
        if dateline:
            return dateline.end()
    return start


_ACCORDING_FIRST = re.compile(r"\s*According to ([^,.;]{1,80}),\s*")


def _according_first(doc, attributor, sentence, body_end):
    """ "According to Sadeghi, sanctions have cost …": the source first, then the clause."""
    s_start = sentence[0]
    match = _ACCORDING_FIRST.match(doc.masked(s_start, body_end))
    if not match:
        return None
    speaker = attributor.speaker_in(s_start + match.start(1), s_start + match.end(1))
    start = s_start + match.end()
    if speaker is None or not _quoted_share_ok(doc, start, body_end):
        return None
    return speaker, start, body_end, "according to"


_WITH_SUBJECT = re.compile(r",\s+with\s+([^,;]{1,80}?)\s*$")
_QUESTION = re.compile(r"\s*(?:When\s+)?(?:Asked|Pressed|Questioned)\b")  # what he was asked
_PREPOSITIONS = {"on", "in", "at", "to", "with", "during", "after", "from", "via", "over"}
_BEFORE_THAT = {"on", "in", "at", "to", "with", "the", "same", "day", "a", "an", "during"}


def _leads_to_that(between, verb):
    """ "told a forum in Kyiv … that", "said on CNN the same day that": the words before
    the "that" are the verb's object or adverbs, not the reported clause itself."""
    words = _words(between)
    if verb in lexicon.OBJECT_VERBS:
        return len(words) <= 20
    if words and words[0].lower() in _PREPOSITIONS and len(words) <= 6:
        return True  # "wrote on social media that", "said in a statement that"
    return len(words) <= 6 and all(
        w.lower() in _BEFORE_THAT or w.lower() in lexicon.AUXILIARIES or w[0].isupper()
        for w in words
    )


def _reported(doc, attributor, sentence, body_end, verb_start, verb_end, word):
    s_start = sentence[0]
    masked_before = doc.masked(s_start, verb_start)
    if word not in lexicon.PARTICIPLES and any(
        s_start <= quote.close_at < verb_start and re.search(r"[,.!?]$", quote.words(doc.text))
        for quote in doc.quotes
    ):
        return None  # the attribution of a quote before it ("…,” Rubio said after …)
    # "…, Peskov said." / "…, he said, …" / "…, said Peskov.": the clause comes first.
    comma = masked_before.rfind(",")
    tail = doc.masked(verb_end, body_end)
    if tail.lstrip().startswith(":"):
        return None  # "Speaking in Geneva, the chief added: “…”": a quote's introduction
    opener = re.match(r"\s*[A-Z][a-z]+ing\b", masked_before)  # "Speaking on TV, X said …"
    if comma >= 0 and word in lexicon.SPEECH_VERBS and not opener:
        segment = (s_start + comma + 1, verb_start)
        tail_words = _words(re.split(r",(?!\d)", tail)[0])
        speaker = attributor.speaker_in(*segment)
        # The speaker's own words do not count: "…, the International Committee of …said."
        named = len(_words(doc.text[speaker.start : speaker.end])) - 1 if speaker else 0
        if len(_words(doc.masked(*segment))) - named <= 6 and len(tail_words) <= 6:
            between = _words(doc.masked(*segment))
            if speaker is None and not between:
                # "…, said Peskov." / "…, said the Treasury secretary.": right after the verb
                lead = re.match(r"\s+(?:the\s+)?", doc.text[verb_end:body_end])
                after = attributor.speaker_in(verb_end, body_end)
                if lead and after is not None and after.start == verb_end + lead.end():
                    speaker = after
            asked = _QUESTION.match(doc.text[s_start : s_start + comma])
            if speaker and not asked and _quoted_share_ok(doc, s_start, s_start + comma):
                return speaker, s_start, s_start + comma, word
            if not between or all(w.lower() in lexicon.AUXILIARIES for w in between):
                pass  # "X, the head of Y, said …", "X, who …, has said …": the subject first
            elif not asked:
                return None
    participle = word in lexicon.PARTICIPLES
    with_subject = _WITH_SUBJECT.search(masked_before) if participle else None
    if with_subject:  # "…, with Tokyo's top negotiator saying the two sides …"
        speaker = attributor.speaker_in(s_start + with_subject.start(1), verb_start)
    elif participle and re.search(r"\bas\s*$", masked_before):  # "was quoted as saying"
        speaker = attributor.subject_before(verb_start, s_start, participle=True)
    elif participle and not masked_before.rstrip().endswith(","):
        return None
    else:
        speaker = attributor.subject_before(verb_start, s_start, participle=participle)
    if speaker is None:
        return None
    if word in lexicon.WHOLE_SENTENCE_VERBS:
        return speaker, s_start, body_end, word  # "She accused rich nations of …"
    start = verb_end
    after = doc.masked(verb_end, body_end)
    that = re.search(r"\bthat\b", after)
    if word in lexicon.THAT_VERBS and not (that and not after[: that.start()].strip()):
        return None  # "concluded negotiations" is no report; "concluded that …" is
    if that and "," not in after[: that.start()] and _leads_to_that(after[: that.start()], word):
        start = verb_end + that.end()
    elif word in lexicon.OBJECT_VERBS:
        words = list(_WORD.finditer(after))
        if words and words[0].group(0).lower() in _OBJECTS:
            start = verb_end + words[0].end()
        else:
            return None
    if not _quoted_share_ok(doc, start, body_end):
        return None
    return speaker, start, body_end, word


def extract_statements(doc, mentions):
    attributor = Attributor(doc, mentions)
    direct = direct_quotes(doc, attributor)
    return direct + reported_speech(doc, attributor)
