"""Hints: words that suggest a known proposal's status changed ("withdrawn", "off the
table", "rejected", "signed") or an expectation ("expects … this week", "will be signed").
They point at a proposal when the sentence names its amount or its title's words."""

import re
from dataclasses import dataclass

from negotiations.extraction import lexicon

_GENERIC = re.compile(r"\b(offer|proposal|demand|request|plan|draft|deal|agreement|terms)\b", re.I)
_FUTURE_SIGN = re.compile(
    r"\b(will|would|could|to|set to|planned to|plan to|expected to)\s+(be\s+)?(sign|signed|ratif)",
    re.I,
)
_TITLE_STOP = {"the", "a", "an", "of", "in", "on", "for", "to", "and", "u.s.", "demand", "plan"}


@dataclass(frozen=True)
class KnownProposal:
    id: int | None
    title: str
    amount: object = None  # Decimal or None
    currency: str = ""


@dataclass
class Hint:
    kind: str  # status or expectation
    status: str  # the suggested status (status hints)
    cue: str
    start: int
    end: int
    sentence: tuple
    proposal: KnownProposal | None
    speaker: object  # a Mention or None


def proposal_for_amount(amount, proposals):
    for proposal in proposals:
        same = (proposal.amount, proposal.currency) == (amount.value, amount.currency)
        if proposal.amount is not None and same:
            return proposal
    return None


def _by_title(sentence_text, proposals):
    words = {w.lower() for w in re.findall(r"[\w$’'.-]+", sentence_text)}
    best, best_score = None, 1
    for proposal in proposals:
        title = {w.lower() for w in re.findall(r"[\w$’'.-]+", proposal.title)} - _TITLE_STOP
        score = len(title & words)
        if score > best_score:
            best, best_score = proposal, score
    return best


def find_hints(doc, attributor, amounts, proposals):
    hints = []
    last_proposal = None
    for sentence in doc.sentences:
        start, end = sentence
        text = doc.text[start:end]
        in_sentence = [a for a in amounts if start <= a.start < end]
        proposal = next(
            (p for a in in_sentence if (p := proposal_for_amount(a, proposals))), None
        ) or _by_title(text, proposals)
        if proposal is None and _GENERIC.search(text):
            proposal = last_proposal
        if proposal is not None:
            last_proposal = proposal
        future_sign = _FUTURE_SIGN.search(text)
        for status, pattern in lexicon.STATUS_CUES:
            match = pattern.search(text)
            if not match or lexicon.NEGATION.search(text[: match.start()]):
                continue
            if status in {"signed", "ratified"} and future_sign:
                continue
            cue_at = start + match.start()
            speaker = attributor.subject_before(cue_at, start) or attributor.speaker_in(
                start, cue_at
            )
            hints.append(
                Hint("status", status, match.group(0), cue_at, start + match.end(), sentence,
                     proposal, speaker)
            )  # fmt: skip
            break
        expectation = lexicon.EXPECTATION_CUE.search(text)
        if expectation and not lexicon.NEGATION.search(text[: expectation.start()]):
            cue_at = start + expectation.start()
            speaker = attributor.subject_before(cue_at, start) or attributor.speaker_in(
                start, cue_at
            )
            hints.append(
                Hint("expectation", "", expectation.group(0), cue_at, start + expectation.end(),
                     sentence, proposal, speaker)
            )  # fmt: skip
    return hints
