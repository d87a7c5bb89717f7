"""The admin's "From an article": paste or upload, review, accept as drafts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from negotiations.models import Actor, Entry, PublicationState, Source, Statement
from tests import factories

pytestmark = pytest.mark.django_db

ARTICLE = "https://apnews.com/article/minerals-deal-closing-in"


@pytest.fixture
def url():
    return reverse("admin:negotiations_entry_from_article")


def paste(client, demo, url, text, **extra):
    data = {
        "negotiation": demo.pk,
        "url": ARTICLE,
        "title": "Closing in on a mineral deal",
        "publisher": "Associated Press",
        "published": "2025-02-25",
        "text": text,
        **extra,
    }
    return client.post(url, data)


def review_data(response, **overrides):
    """What the review page posts back as shown, with the user's edits."""
    data = {"review": "1"}
    article = response.context["article"]
    for field in article:
        data[article.add_prefix(field.name)] = "" if field.value() is None else str(field.value())
    for formset in response.context["formsets"].values():
        management = formset.management_form
        for field in management:
            data[management.add_prefix(field.name)] = str(field.value())
        for form in formset.forms:
            for field in form:
                value = field.value()
                if field.name == "accept":
                    continue
                data[form.add_prefix(field.name)] = "" if value is None else str(value)
    data.update(overrides)
    return data


def test_the_admin_index_links_to_it(client, journalist, url):
    client.force_login(journalist)
    assert url in client.get(reverse("admin:index")).text
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="upload"' in page.text and 'name="text"' in page.text


def test_paste_review_accept_three_and_edit_a_speaker(client, journalist, demo, url, seed_article):
    client.force_login(journalist)
    review = paste(client, demo, url, seed_article["text"])
    assert review.status_code == 200
    statements = review.context["formsets"]["statements"]
    texts = [form.initial["text"] for form in statements.forms]
    assert texts[0].startswith("It can be lithium.")
    assert "off the table." in texts
    assert "last fall" in review.text and "kept as 2024" in review.text
    yermak, witkoff = (
        Actor.objects.get(slug="andriy-yermak"),
        Actor.objects.get(slug="steve-witkoff"),
    )
    table = texts.index("off the table.")
    edits = {
        "st-0-accept": "on",
        f"st-{table}-accept": "on",
        "st-1-accept": "on",
        "st-1-speaker": str(witkoff.pk),  # the journalist corrects a speaker
        "state": "review",
    }
    response = client.post(url, review_data(review, **edits))
    assert response.status_code == 302, response.context and [
        f.errors for fs in response.context["formsets"].values() for f in fs.forms if f.errors
    ]
    drafts = Statement.objects.filter(state=PublicationState.REVIEW).order_by("pk")
    assert [(s.actor, s.text) for s in drafts] == [
        (yermak, "It can be lithium. It can be titanium, uranium, many others. It’s a lot."),
        (witkoff, "that will be paid off by ten generations of Ukrainians."),
        (Actor.objects.get(slug="volodymyr-zelenskyy"), "off the table."),
    ]
    source = Source.objects.get(url=ARTICLE)
    assert all(list(s.sources.all()) == [source] for s in drafts)
    assert drafts[2].date.edtf == "2025-02-23"  # "on Sunday"
    assert all(s.created_by == journalist for s in drafts)
    assert not Entry.objects.published().filter(pk__in=drafts).exists()
    listing = client.get(response.url)
    assert "3 entries ready for review" in listing.text


def test_accept_all(client, editor, demo, url):
    client.force_login(editor)
    review = paste(
        client, demo, url, "“We are close,” Witkoff said on Sunday. Kyiv paid $5 billion."
    )
    response = client.post(url, review_data(review, accept_all="Accept all"))
    assert response.status_code == 302
    drafts = Entry.objects.filter(state=PublicationState.DRAFT, sources__url=ARTICLE)
    assert sorted(e.entry_type for e in drafts) == ["proposal", "statement"]


def test_nothing_accepted_saves_nothing(client, journalist, demo, url):
    client.force_login(journalist)
    review = paste(client, demo, url, "“We are close,” Witkoff said on Sunday.")
    response = client.post(url, review_data(review))
    assert response.status_code == 200
    assert "Nothing was accepted" in response.text
    assert not Source.objects.filter(url=ARTICLE).exists()


def test_a_new_speaker_becomes_an_actor(client, journalist, demo, url):
    client.force_login(journalist)
    review = paste(
        client, demo, url, "“We are reading every line,” said Olena Marchenko, a spokeswoman."
    )
    assert (
        review.context["formsets"]["statements"].forms[0].initial["speaker_name"]
        == "Olena Marchenko"
    )
    client.post(url, review_data(review, **{"st-0-accept": "on"}))
    statement = Statement.objects.get(sources__url=ARTICLE)
    assert statement.actor.name == "Olena Marchenko"
    assert statement.actor.slug == "olena-marchenko"


def test_an_accepted_row_missing_what_it_needs_is_explained(client, journalist, demo, url):
    client.force_login(journalist)
    review = paste(client, demo, url, "“We are close,” Witkoff said on Sunday.")
    data = review_data(review, **{"st-0-accept": "on", "st-0-speaker": "", "st-0-date": "2025-13"})
    response = client.post(url, data)
    assert response.status_code == 400
    errors = response.context["formsets"]["statements"].forms[0].errors
    assert "speaker_name" in errors and "date" in errors
    assert not Statement.objects.filter(sources__url=ARTICLE).exists()


def test_a_refused_suggestion_saves_nothing_and_says_why(client, journalist, demo, url):
    client.force_login(journalist)
    review = paste(client, demo, url, "“We are close,” Witkoff said. Kyiv paid $5 billion.")
    data = review_data(review, **{"st-0-accept": "on", "pr-0-accept": "on", "pr-0-currency": "XYZ"})
    response = client.post(url, data)
    assert response.status_code == 400
    errors = response.context["formsets"]["proposals"].forms[0].errors
    assert errors["currency"] == ['"XYZ" is not an ISO 4217 currency code (e.g. "USD", "EUR").']
    assert "nothing was saved" in response.text
    assert not Source.objects.filter(url=ARTICLE).exists()
    assert not Statement.objects.filter(text="We are close.").exists()


def test_pasted_html_is_read_as_text(client, journalist, demo, url):
    client.force_login(journalist)
    html = (
        "<html><body><p>“We are close,” Witkoff said.</p><script>alert('x')</script></body></html>"
    )
    review = paste(client, demo, url, html)
    assert review.status_code == 200
    assert review.context["formsets"]["statements"].forms[0].initial["text"] == "We are close."
    assert "alert(" not in review.text


def test_upload_a_text_file(client, journalist, demo, url):
    client.force_login(journalist)
    upload = SimpleUploadedFile("story.txt", "“We are close,” Witkoff said.".encode(), "text/plain")
    review = paste(client, demo, url, "", upload=upload)
    assert review.status_code == 200
    assert review.context["formsets"]["statements"].forms[0].initial["text"] == "We are close."


@pytest.mark.parametrize(
    ("text", "upload", "field", "words"),
    [
        ("", None, "text", "Paste the article's text"),
        ("\x01\x02\x03\x04\x05\x06\x07 binary", None, "text", "binary data"),
        (
            "",
            SimpleUploadedFile("x.pdf", b"%PDF-1.4\xff\xfe\x00\x81", "application/pdf"),
            "upload",
            "not text",
        ),
        ("<html><script>alert(1)</script></html>", None, "text", "No article text"),
    ],
)
def test_bad_input_is_explained_on_the_form(
    client, journalist, demo, url, text, upload, field, words
):
    client.force_login(journalist)
    extra = {"upload": upload} if upload else {}
    response = paste(client, demo, url, text, **extra)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])


def test_staff_only(client, demo, url):
    client.force_login(factories.UserFactory(username="intern", is_staff=True))
    assert client.get(url).status_code == 403
    client.force_login(factories.UserFactory(username="reader"))
    assert client.get(url).status_code == 302  # to the admin's sign-in


def test_the_paste_step_is_throttled(client, journalist, demo, url):
    client.force_login(journalist)
    with override_settings(API_THROTTLE_EXTRACTION="1/min"):
        assert paste(client, demo, url, "Talks.").status_code == 200
        response = paste(client, demo, url, "Talks.")
        assert response.status_code == 429
        assert "Too many articles" in response.text
