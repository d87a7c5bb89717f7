"""A direct quote is stored without the quote marks it was typed with.

The pages put a direct quote between “ and ” themselves: a text typed as “…”, «…» or
"…" would read ““…””. ``domain.save_entry`` takes off one outer pair, and the spaces
around it, when that pair encloses the whole text; anything else is left as typed.
"""

# Opening and closing marks: English, typewriter, guillemets (French, Russian, Ukrainian;
# German and Danish the other way round), German and Polish low-high, Swedish, single
# marks of each, and CJK corner brackets.
PAIRS = (
    ("“", "”"),
    ('"', '"'),
    ("«", "»"),
    ("»", "«"),
    ("„", "“"),
    ("„", "”"),
    ("”", "”"),
    ("‘", "’"),
    ("'", "'"),
    ("‹", "›"),
    ("›", "‹"),
    ("‚", "‘"),
    ("「", "」"),
    ("『", "』"),
)
# Marks that are also apostrophes, between two letters or digits ("don't", "it’s").
APOSTROPHES = ("'", "’")


def _is_apostrophe(text, index):
    return (
        text[index] in APOSTROPHES
        and 0 < index < len(text) - 1
        and text[index - 1].isalnum()
        and text[index + 1].isalnum()
    )


def _encloses(inner, opening, closing):
    """Whether the outer pair encloses all of ``inner``: its own marks inside are paired
    (“a “b” c”); a closing mark before the end means the outer pair is two quotes
    (“Yes,” he said, “no.”). Same opening and closing: no such mark inside at all."""
    depth = 0
    for index, mark in enumerate(inner):
        if mark not in (opening, closing) or _is_apostrophe(inner, index):
            continue
        if opening == closing:
            return False
        depth += 1 if mark == opening else -1
        if depth < 0:
            return False
    return depth == 0


def without_outer_quotes(text):
    """``text`` without one pair of quote marks around all of it (and the spaces around
    them and inside them), else ``text`` unchanged."""
    if not isinstance(text, str):
        return text
    trimmed = text.strip()
    for opening, closing in PAIRS:
        if (
            len(trimmed) > len(opening) + len(closing) - 1
            and trimmed.startswith(opening)
            and trimmed.endswith(closing)
        ):
            inner = trimmed[len(opening) : len(trimmed) - len(closing)]
            if _encloses(inner, opening, closing):
                return inner.strip()
    return text
