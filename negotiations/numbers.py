"""Numbers read from input: written with the digits 0–9, ids within 64 bits.

Python's ``int()`` and ``Decimal()`` read the decimal digits of every script ("٥" and
"５" are 5, "٣" is 3), and so do Django's and DRF's number fields: a number typed that
way would be stored as another, and an id "٥" would name record 5. Every place that
reads a number or an id from text (the API's fields and filters, the forms, the CSV and
JSON imports, the addresses of the pages) asks here first.
"""

import re

# Ids are 64-bit: larger numbers name nothing (and SQLite refuses to compare them).
MAX_ID = 2**63 - 1

NOT_ASCII = "Write numbers with the digits 0 to 9."

_ID = re.compile(r"[0-9]{1,19}", re.ASCII)


def written_in_ascii(value):
    """False for text with any character outside ASCII (digits of other scripts, their
    spaces and signs); True for anything that is not text (it is no typed number)."""
    return not isinstance(value, str) or value.isascii()


def parse_id(value):
    """The record id in ``value`` — an int, or text of the digits 0–9 (spaces around
    allowed) — from 1 to ``MAX_ID``; otherwise None. Floats ("1.5", 1.5) and booleans
    are never ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if _ID.fullmatch(value) else None
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value
