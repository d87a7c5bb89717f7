"""Whatever the text, the extractor answers or refuses with a reason: it never raises
anything else (an exception would be a 500 from the API)."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiations.extraction.text import InputError

from .conftest import run

# Words that wake every rule up, among arbitrary ones.
TRIGGERS = [
    "“", "”", '"', "said", "told", "Zelensky", "he", "she", "$", "€", "billion", "bn", "to",
    "and", "between", "-", "on", "Sunday", "last", "next", "week", "fall", "of", "2024",
    "Feb.", "mid-", "April", "May", "March", "the", "end", "ago", "three", "years", ",", ".",
    "\n\n", "according", "rejected", "signed", "expects", "Asked", "Bessent", "the Treasury",
    "secretary", "Ukraine's", "president", "withdrawn", "(", "‘", "’", "«", "»", "0", "99",
]  # fmt: skip
words = st.one_of(
    st.sampled_from(TRIGGERS), st.text(string.ascii_letters + string.digits + ".,-$€“”", max_size=8)
)


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(words, max_size=60).map(" ".join), st.dates())
def test_any_text_gives_an_answer_or_a_reason(text, published):
    try:
        answer = run(text, published.isoformat())
    except InputError as refused:
        assert refused.message
        return
    for statement in answer["statements"]:
        start, end = statement["offsets"]
        assert 0 <= start <= end <= len(answer["text"])
    for date in answer["dates"]:
        assert date["start"] <= date["end"]
