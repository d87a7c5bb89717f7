"""The article as text: HTML reduced to text, paragraphs, quotes and sentences with offsets.

Every offset the extractor reports is a character offset into ``Document.text``, the
text it analysed (for HTML, the text trafilatura found in it).
"""

import re
from dataclasses import dataclass, field

from negotiations.extraction.lexicon import UPPER

MAX_CHARS = 100_000

_OPEN = "“„«"
_CLOSE = "”»"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_TAG = re.compile(r"<[^>]{0,200}>")


class InputError(ValueError):
    """Input the extractor refuses, with a message for the person who sent it."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def check_text(text, *, field="text"):
    """Refuse what is not an article: nothing, too much, or binary data."""
    if not text or not text.strip():
        raise InputError(field, "Paste the article's text (or its HTML): there is nothing to read.")
    if len(text) > MAX_CHARS:
        raise InputError(
            field,
            f"An article may have at most {MAX_CHARS:,} characters; this one has {len(text):,}.",
        )
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > max(3, len(text) // 200):
        raise InputError(field, "This looks like binary data, not the text of an article.")


def html_to_text(html):
    """The article's text in a page's HTML (trafilatura), never its markup or scripts.

    trafilatura keeps the main text and drops navigation, scripts and styles; a page
    too short for it to find an article falls back to all of its visible text.
    """
    import trafilatura

    check_text(html, field="html")
    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    if not text:
        text = trafilatura.html2txt(html)
    text = _TAG.sub(" ", text or "")
    # trafilatura puts one paragraph a line: make them blank-line paragraphs.
    text = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    if not text.strip():
        raise InputError("html", "No article text was found in this HTML.")
    return text


@dataclass
class Quote:
    """The words between a pair of quotation marks (a quote over paragraphs is one)."""

    open_at: int  # the opening mark
    close_at: int  # the closing mark (or the end of the text when never closed)
    pieces: list = field(default_factory=list)  # (start, end) of the words, per paragraph
    soft: bool = False  # running on over a soft paragraph break

    @property
    def start(self):
        return self.pieces[0][0]

    @property
    def end(self):
        return self.pieces[-1][1]

    def words(self, text):
        return " ".join(" ".join(text[s:e].split()) for s, e in self.pieces).strip()


@dataclass
class Document:
    text: str
    paragraphs: list  # (start, end, hard)
    sentences: list  # (start, end), inside paragraphs, never splitting a quote
    quotes: list

    @classmethod
    def from_text(cls, text):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        paragraphs = split_paragraphs(text)
        quotes = find_quotes(text, paragraphs)
        sentences = split_sentences(text, paragraphs, quotes)
        return cls(text, paragraphs, sentences, quotes)

    def sentence_at(self, offset):
        """Index of the sentence holding ``offset`` (the nearest before it otherwise)."""
        low, high = 0, len(self.sentences) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.sentences[middle][0] <= offset:
                low = middle
            else:
                high = middle - 1
        return low

    def paragraph_at(self, offset):
        for index, (start, end, _hard) in enumerate(self.paragraphs):
            if start <= offset < end or offset < start:
                return index
        return len(self.paragraphs) - 1

    def masked(self, start, end):
        """The text from start to end with every quote's words blanked out (offsets kept)."""
        chars = list(self.text[start:end])
        for quote in self.quotes:
            for piece_start, piece_end in quote.pieces:
                for i in range(max(piece_start, start), min(piece_end, end)):
                    chars[i - start] = " "
        return "".join(chars)


_BLANK = re.compile(r"\n[ \t]*\n\s*")
_ENDS_SENTENCE = re.compile(r"[.!?:”\"»)\]|]\s*$")
_STARTS_PARAGRAPH = re.compile(rf"^\s*[\"“„«\[{UPPER}0-9_]")


def split_paragraphs(text):
    """Blank lines separate paragraphs. Within a block, a line that ends a sentence
    followed by one that begins like a paragraph starts a new one too (hard-wrapped wire
    copy has few blank lines); those boundaries are soft: a quote runs on over them.

    Returns ``(start, end, hard)``: ``hard`` when a blank line came before it.
    """
    blocks, start = [], 0
    for gap in _BLANK.finditer(text):
        blocks.append((start, gap.start()))
        start = gap.end()
    blocks.append((start, len(text)))
    spans = []
    for block_start, block_end in blocks:
        hard, start, offset = True, block_start, block_start
        lines = text[block_start:block_end].split("\n")
        for index, line in enumerate(lines):
            line_end = offset + len(line)
            following = lines[index + 1] if index + 1 < len(lines) else None
            if following is None or (
                _ENDS_SENTENCE.search(line) and _STARTS_PARAGRAPH.match(following)
            ):
                if text[start:line_end].strip():
                    spans.append((start, line_end, hard))
                hard, start = False, line_end + 1
            offset = line_end + 1
    return spans


def _is_opening_straight(text, at):
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-/") and not after.isspace()


def _is_opening_single(text, at):
    """‘We are close,’ (British style): a ‘ before a letter, after a space."""
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-") and after.isalpha()


def _is_closing_single(text, at):
    """The ’ that closes a ‘single’ quote, not an apostrophe ("won’t", "workers’ pay")."""
    before = text[at - 1] if at > 0 else " "
    following = text[at + 1 : at + 3]
    if before.isspace() or following[:1].isalpha():
        return False
    return not (before == "s" and re.match(r"\s[a-z]", following))


def find_quotes(text, paragraphs):
    """Pair quotation marks: curly ones by their shape, straight ones by what surrounds
    them, ‘single’ ones when a ‘ opens before a word and a ’ closes after one. A quote
    still open at the end of a paragraph goes on when the next paragraph opens with a
    quotation mark (the newspaper convention); otherwise it is dropped."""
    quotes = []
    current = None
    piece_start = None
    single = False
    for p_index, (p_start, p_end, _hard) in enumerate(paragraphs):
        at = p_start
        if current is not None:
            first = text[p_start:p_end].lstrip()
            lead = p_end - p_start - len(first)
            if current.soft:
                current.soft = False
                piece_start = p_start
            elif first[:1] in (_OPEN + '"' if not single else "‘"):  # skip the reopening mark
                piece_start = p_start + lead + 1
                at = piece_start
            else:
                current = None
        while at < p_end:
            char = text[at]
            if current is None:
                single = char == "‘" and _is_opening_single(text, at)
                if single or char in _OPEN or (char == '"' and _is_opening_straight(text, at)):
                    current = Quote(open_at=at, close_at=at)
                    piece_start = at + 1
            elif (
                (char == "’" and _is_closing_single(text, at))
                if single
                else (char in _CLOSE or char == '"')
            ):
                current.pieces.append((piece_start, at))
                current.close_at = at
                if current.words(text):
                    quotes.append(current)
                current = None
            at += 1
        if current is not None:
            following = paragraphs[p_index + 1] if p_index + 1 < len(paragraphs) else None
            reopens = "‘" if single else _OPEN + '"'
            if following and text[following[0] : following[1]].lstrip()[:1] in reopens:
                current.pieces.append((piece_start, p_end))
            elif following and not following[2]:
                current.pieces.append((piece_start, p_end))  # a soft break: same paragraph
                current.soft = True
            else:
                current = None
    return quotes


ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "sen",
    "rep",
    "gov",
    "lt",
    "col",
    "capt",
    "st",
    "jr",
    "sr",
    "prof",
    "pres",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "no",
    "vs",
    "etc",
    "inc",
    "corp",
    "co",
    "ltd",
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "a.m",
    "p.m",
    "approx",
    "est",
    "fig",
    "mt",
    "ft",
}
_BOUNDARY = re.compile(rf"[.!?]+[\"”’»)]*\s+(?=[\"“„«(\[]?[{UPPER}0-9])")
_LAST_WORD = re.compile(r"([A-Za-z.]+)[.!?]+[\"”’»)]*\s+$")


def split_sentences(text, paragraphs, quotes):
    """Sentences within each paragraph, never ending inside a quote or after an
    abbreviation ("Feb.", "U.S.") or an initial ("Michelle L. Price")."""
    inside = []
    for quote in quotes:
        inside.extend(quote.pieces)
    inside.sort()

    def in_quote(offset):
        return any(s <= offset < e for s, e in inside)

    sentences = []
    for p_start, p_end, _hard in paragraphs:
        start = p_start
        for boundary in _BOUNDARY.finditer(text, p_start, p_end):
            cut = boundary.end()
            if in_quote(boundary.start() + len(boundary.group().rstrip()) - 1):
                continue
            last = _LAST_WORD.search(text, start, cut)
            if last:
                word = last.group(1).lower().rstrip(".")
                if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                    continue
            sentences.append((start, boundary.start() + len(boundary.group().rstrip())))
            start = cut
        if text[start:p_end].strip():
            sentences.append((start, p_end))
    return sentences
