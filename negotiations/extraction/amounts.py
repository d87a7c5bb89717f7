"""Money: a value and its ISO 4217 currency ("$500 billion", "€1.5bn", "500 billion
dollars"); a range ("$80 to $100 billion") is two amounts. A number without a currency
(a share, a percentage, a head count) is not an amount.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from negotiations.extraction import lexicon, roles

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = "|".join(sorted((w for w in lexicon.NUMBER_WORDS if len(w) > 2), key=len, reverse=True))
_MULT = "|".join(sorted(lexicon.MULTIPLIERS, key=len, reverse=True))
_SYMBOL = "|".join(re.escape(s) for s in sorted(lexicon.CURRENCY_SYMBOLS, key=len, reverse=True))
_CODE = "|".join(sorted(lexicon.CURRENCY_CODES))
_SHARED = [w + s for w in lexicon.SHARED_CURRENCY_WORDS if w.isalpha() for s in ("", "s")]
_CURWORD = "|".join(sorted([*lexicon.CURRENCY_WORDS, *_SHARED], key=len, reverse=True))

_AMOUNT = rf"(?P<N>{_NUM}|{_WORDNUM})(?:[\s-]?(?P<M>{_MULT})\b)?"  # "$20-billion" too


def _amount(n, m):
    return _AMOUNT.replace("<N>", f"<{n}>").replace("<M>", f"<{m}>")


# "$80 to $100 billion", "between $10 billion and $15 billion", "$5-7 billion", "$500 billion"
SYMBOL_FIRST = re.compile(
    rf"(?<![\w$€£])(?P<sym>{_SYMBOL}|(?:{_CODE})\s)\s?{_amount('n1', 'm1')}"
    rf"(?:\s*(?P<sep>-|–|to|and)\s*(?P<sym2>{_SYMBOL})?\s?{_amount('n2', 'm2')})?"
)
# "500 billion dollars", "80 to 100 billion euros", "1.2bn EUR"
WORD_AFTER = re.compile(
    rf"(?<![\w$€£.]){_amount('n1', 'm1')}(?:\s*(?P<sep>-|–|to|and)\s*{_amount('n2', 'm2')})?"
    rf"\s+(?:(?P<dem>U\.S\.|US|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s+)?(?P<cur>{_CURWORD}|{_CODE})\b"
)


@dataclass
class Amount:
    value: Decimal
    currency: str
    phrase: str
    start: int
    end: int


def _number(text):
    text = text.lower()
    if text in lexicon.NUMBER_WORDS:
        return Decimal(lexicon.NUMBER_WORDS[text])
    return Decimal(text.replace(",", ""))


def _value(number, multiplier):
    value = _number(number) * (lexicon.MULTIPLIERS[multiplier.lower()] if multiplier else 1)
    return value.quantize(Decimal("0.01"))


def _currency_of(match, text):
    if "sym" in match.groupdict() and match.group("sym"):
        symbol = match.group("sym").strip()
        if symbol in lexicon.SHARED_CURRENCY_WORDS:  # "¥" is the yen, or the yuan in China
            return _by_story(lexicon.SHARED_CURRENCY_WORDS[symbol], text) or "JPY"
        return lexicon.CURRENCY_SYMBOLS.get(symbol, symbol)
    word = match.group("cur").lower()
    shared = lexicon.SHARED_CURRENCY_WORDS.get(word.removesuffix("s"))
    if shared is None:
        return lexicon.CURRENCY_WORDS.get(word, match.group("cur"))
    named = roles.country_code(match.group("dem") or "")
    if named in shared:
        return shared[named]  # "Canadian dollars", "Mexican pesos"
    if word.startswith("dollar"):
        return "USD"
    return _by_story(shared, text)


def _by_story(shared, text):
    """The currency of the country the story names most, among those that use it."""
    counts = {}
    for code in shared:
        names = roles.country_names().get(code, [])
        names += [d for d, place in lexicon.DEMONYMS.items() if roles.country_code(place) == code]
        pattern = r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b"
        counts[code] = len(re.findall(pattern, text, re.I)) if names else 0
    best = max(counts, key=counts.get)
    return shared[best] if counts[best] else None


def _is_range(match, text):
    if not match.group("n2"):
        return False
    if match.group("sep") != "and":
        return True
    # "between $10 billion and $15 billion"; but "$50 and 60 people" is one amount.
    return bool(match.groupdict().get("sym2")) or text[: match.start()].rstrip().endswith("between")


def _from(match, text):
    """The amounts of one match, each citing the whole phrase (a range's two alike)."""
    currency = _currency_of(match, text)
    if currency is None:
        return []  # "pesos" in a story that names no country using them
    first_mult, second_mult = match.group("m1"), match.group("m2")
    phrase, start, end = match.group(0), match.start(), match.end()
    if _is_range(match, text):
        # "$80 to $100 billion": the first takes the second's multiplier.
        first = _value(match.group("n1"), first_mult or second_mult)
        second = _value(match.group("n2"), second_mult)
        return [
            Amount(first, currency, phrase, start, end),
            Amount(second, currency, phrase, start, end),
        ]
    if match.group("n2"):  # the "and …" that follows is not part of it
        end = match.end("m1") if first_mult else match.end("n1")
    value = _value(match.group("n1"), first_mult)
    return [Amount(value, currency, text[start:end], start, end)]


def _is_number(match):
    n1 = match.group("n1")
    if match.groupdict().get("cur") == "won" and not match.group("m1"):
        return False  # "5 trillion won", but "3 won" is a vote
    return n1[:1].isdigit() or bool(match.group("m1"))  # "two dollars" but not "a dollar"


def find_amounts(text):
    amounts, taken = [], []
    for pattern in (SYMBOL_FIRST, WORD_AFTER):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            if not _is_number(match):
                continue
            found = _from(match, text)
            if any(amount.value <= 0 for amount in found):
                continue
            taken.append((match.start(), match.end()))
            amounts.extend(found)
    amounts.sort(key=lambda a: a.start)
    return amounts
