"""Numbers read from input: ids within 64 bits.

An id beyond 64 bits names nothing, and SQLite cannot even compare one (OverflowError):
the addresses of the pages and the API read ids here first.
"""

import re

# Ids are 64-bit: larger numbers name nothing (and SQLite refuses to compare them).
MAX_ID = 2**63 - 1

_ID = re.compile(r"[0-9]{1,19}", re.ASCII)


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
