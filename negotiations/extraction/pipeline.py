"""One article in, suggestions out: the shape the API answers and the review screen shows.

Pure Python over plain values (``KnownActor``, ``KnownProposal``): the database layer
(``negotiations.extraction.service``) and the eval script feed it the same way.
"""

import datetime

from negotiations.extraction.actors import ActorIndex
from negotiations.extraction.amounts import find_amounts
from negotiations.extraction.datephrases import find_dates
from negotiations.extraction.hints import find_hints, proposal_for_amount
from negotiations.extraction.statements import Attributor, extract_statements
from negotiations.extraction.text import Document, check_text, html_to_text

NEW_HOWS = {"new", "new-surname", "new-single"}


def stored_date(first, last, precision):
    """The partial date Parley keeps for a period (it stores a year, a month or a day):
    a week or a season becomes the smallest month or year that holds it (the year it
    starts in when none does), and the note says so."""
    if precision == "day":
        return {"date": first.isoformat(), "precision": "day", "note": ""}
    if precision == "month":
        return {"date": f"{first:%Y-%m}", "precision": "month", "note": ""}
    if precision == "year":
        return {"date": f"{first:%Y}", "precision": "year", "note": ""}
    if (first.year, first.month) == (last.year, last.month):
        kept = {"date": f"{first:%Y-%m}", "precision": "month"}
        human = f"{first:%B %Y}"
    else:
        kept = {"date": f"{first:%Y}", "precision": "year"}
        human = str(first.year)
    span = f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    kept["note"] = (
        f"A {precision} ({span}) is kept as {human}: Parley stores a day, a month or a year."
    )
    return kept


def _date_dict(phrase):
    return {
        "phrase": phrase.phrase,
        "start": phrase.first.isoformat(),
        "end": phrase.last.isoformat(),
        "precision": phrase.precision,
        "offsets": [phrase.start, phrase.end],
        "stored": stored_date(phrase.first, phrase.last, phrase.precision),
    }


def _published_dict(published):
    return {
        "phrase": "",
        "start": published.isoformat(),
        "end": published.isoformat(),
        "precision": "day",
        "offsets": None,
        "stored": {
            "date": published.isoformat(),
            "precision": "day",
            "note": "No date in the sentence: the article's date.",
        },
    }


def _sentence_dict(doc, sentence):
    start, end = sentence
    return {"text": " ".join(doc.text[start:end].split()), "offsets": [start, end]}


def _speaker_dict(mention):
    target = mention.target if mention is not None else None
    if target is None:
        return {"speaker_name": "", "actor": None, "new_actor": False, "speaker_match": ""}
    new = target.how in NEW_HOWS
    if mention.how == "role":
        how = "new" if new else "title"
    else:
        how = "pronoun" if mention.how == "pronoun" else target.how
    return {
        "speaker_name": target.name,
        "actor": None if new else target.actor.id,
        "new_actor": new,
        "speaker_match": "new" if how in NEW_HOWS else how,
    }


def extract(content, *, published, actors=(), proposals=(), is_html=False):
    """Suggestions for one article (text, or HTML reduced to its text).

    Raises ``text.InputError`` for what is not an article (empty, too long, binary).
    """
    if is_html:
        content = html_to_text(content)
    else:
        check_text(content)
    if isinstance(published, datetime.datetime):
        published = published.date()
    doc = Document.from_text(content)
    mentions = ActorIndex(actors).mentions(doc)
    statements = extract_statements(doc, mentions)
    amounts = find_amounts(doc.text)
    dates = find_dates(doc, published)
    hints = find_hints(doc, Attributor(doc, mentions), amounts, list(proposals))

    def dates_in(start, end):
        return [d for d in dates if start <= d.start < end]

    statement_dicts = []
    for number, statement in enumerate(statements, 1):
        in_sentence = dates_in(*statement.sentence)
        statement_dicts.append(
            {
                "id": f"s{number}",
                "kind": statement.kind,
                "text": statement.text,
                **_speaker_dict(statement.speaker),
                "cue": statement.cue,
                "offsets": [statement.start, statement.end],
                "sentence": _sentence_dict(doc, statement.sentence),
                "date": _date_dict(in_sentence[0]) if in_sentence else _published_dict(published),
            }
        )
    amount_dicts = []
    for number, amount in enumerate(amounts, 1):
        proposal = proposal_for_amount(amount, proposals)
        amount_dicts.append(
            {
                "id": f"a{number}",
                "value": f"{amount.value:f}",
                "currency": amount.currency,
                "phrase": amount.phrase,
                "offsets": [amount.start, amount.end],
                "sentence": _sentence_dict(doc, doc.sentences[doc.sentence_at(amount.start)]),
                "proposal": proposal.id if proposal else None,
                "proposal_title": proposal.title if proposal else "",
            }
        )
    hint_dicts = []
    for number, hint in enumerate(hints, 1):
        in_sentence = dates_in(*hint.sentence)
        before = [d for d in in_sentence if d.start < hint.start]
        after = [d for d in in_sentence if d.start >= hint.start]
        if hint.kind == "expectation":
            date = _date_dict(before[0]) if before else _published_dict(published)
            due = _date_dict(after[0]) if after else None
        else:
            date = _date_dict(in_sentence[0]) if in_sentence else _published_dict(published)
            due = None
        hint_dicts.append(
            {
                "id": f"h{number}",
                "kind": hint.kind,
                "status": hint.status,
                "cue": hint.cue,
                "offsets": [hint.start, hint.end],
                "sentence": _sentence_dict(doc, hint.sentence),
                "proposal": hint.proposal.id if hint.proposal else None,
                "proposal_title": hint.proposal.title if hint.proposal else "",
                **_speaker_dict(hint.speaker),
                "date": date,
                "due": due,
            }
        )
    return {
        "text": doc.text,
        "published": published.isoformat(),
        "statements": statement_dicts,
        "amounts": amount_dicts,
        "dates": [{"id": f"d{n}", **_date_dict(d)} for n, d in enumerate(dates, 1)],
        "hints": hint_dicts,
    }
