"""Input: plain text or HTML reduced to text; paragraphs, quotes, sentences; bad input."""

import pytest

from negotiations.extraction.text import MAX_CHARS, Document, InputError, check_text, html_to_text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "nothing to read"),
        ("   \n\n  ", "nothing to read"),
        ("x" * (MAX_CHARS + 1), "at most 100,000 characters"),
        ("PK\x03\x04\x00\x00binary", "binary data"),
        ("\x01\x02\x03\x04\x05 looks like text but is not", "binary data"),
    ],
)
def test_what_is_not_an_article_is_refused_with_a_reason(text, words):
    with pytest.raises(InputError) as refused:
        check_text(text)
    assert words in refused.value.message
    assert refused.value.field == "text"


def test_html_is_reduced_to_its_text_without_scripts_or_markup():
    html = (
        "<html><head><script>alert('head')</script><style>p{}</style></head><body>"
        "<nav>Home | World</nav><article><h1>Deal near</h1>"
        "<p>“We are close,” Witkoff said on Sunday. <img src=x onerror=alert(1)></p>"
        "<script>document.write('<b>injected</b>')</script>"
        "<p>The request for $500 billion was taken off the table, officials said.</p>"
        "</article></body></html>"
    )
    text = html_to_text(html)
    assert "“We are close,” Witkoff said on Sunday." in text
    assert "$500 billion" in text
    for markup in ("<", ">", "alert", "document.write", "injected", "onerror"):
        assert markup not in text


def test_html_without_an_article_is_refused():
    with pytest.raises(InputError) as refused:
        html_to_text("<html><body><script>alert(1)</script></body></html>")
    assert refused.value.field == "html"


def test_hard_wrapped_wire_copy_is_split_into_paragraphs_and_sentences():
    text = (
        "The talks went on.\nBut Kyiv balked at the U.S. offer, saying it\n"
        "lacked guarantees. Feb. 24 was the date.\n“It’s a lot.”\nChina watched."
    )
    doc = Document.from_text(text)
    paragraphs = [" ".join(text[s:e].split()) for s, e, _ in doc.paragraphs]
    assert paragraphs == [
        "The talks went on.",
        "But Kyiv balked at the U.S. offer, saying it lacked guarantees. Feb. 24 was the date.",
        "“It’s a lot.”",
        "China watched.",
    ]
    sentences = [" ".join(text[s:e].split()) for s, e in doc.sentences]
    assert sentences[1:3] == [
        "But Kyiv balked at the U.S. offer, saying it lacked guarantees.",
        "Feb. 24 was the date.",
    ]


def test_straight_and_curly_marks_pair_up():
    text = (
        'He would not sign an agreement "that will be paid off by ten generations.” Then he left.'
    )
    doc = Document.from_text(text)
    assert [q.words(text) for q in doc.quotes] == ["that will be paid off by ten generations."]


def test_single_quotation_marks_pair_around_words_not_apostrophes():
    text = (
        "‘We won’t sign a deal that hurts the workers’ pay,’ Bessent said. "
        "‘That is final.’ Trump’s envoy left."
    )
    doc = Document.from_text(text)
    assert [q.words(text) for q in doc.quotes] == [
        "We won’t sign a deal that hurts the workers’ pay,",
        "That is final.",
    ]
