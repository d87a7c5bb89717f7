"""The admin as journalists use it: Parley's name on it, entry lists newest first with the
headline readable, the date line first on entry forms, help texts escaped."""

import re

import pytest
from django.urls import reverse

from negotiations.newsroom.forms import EntryForm, QuickAddForm
from tests.factories import ActorFactory, EventFactory, StatementFactory

pytestmark = pytest.mark.django_db


def test_the_admin_carries_parleys_name(client, journalist):
    client.force_login(journalist)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    assert "<title>The record | Parley</title>" in page.text
    assert '<div id="site-name"><a href="/admin/">Parley newsroom</a></div>' in page.text
    assert "Django administration" not in page.text
    assert "<h1>The record</h1>" in page.text
    entries = client.get(reverse("admin:negotiations_entry_changelist"))
    assert "| Parley</title>" in entries.text


def test_the_newsroom_stylesheet_is_ours_and_comes_after_djangos(client, journalist):
    client.force_login(journalist)
    page = client.get(reverse("admin:negotiations_entry_changelist"))
    ours = page.text.index("/static/negotiations/admin-newsroom.css")
    assert page.text.index("/static/admin/css/responsive.css") < ours
    assert "//cdn" not in page.text and "https://" not in page.text.split("<body")[0]


@pytest.mark.parametrize("list_name", ["entry", "statement", "event"])
def test_entry_lists_are_newest_first(client, journalist, negotiation, list_name):
    old = StatementFactory(negotiation=negotiation, date_start="2022-02-24")
    new = StatementFactory(negotiation=negotiation, date_start="2025-02-23")
    EventFactory(negotiation=negotiation, date_start="2024-01-01")
    client.force_login(journalist)
    page = client.get(reverse(f"admin:negotiations_{list_name}_changelist"))
    assert page.status_code == 200
    dates = [entry.date_start for entry in page.context["cl"].result_list]
    assert dates == sorted(dates, reverse=True)
    if list_name != "event":
        pks = [entry.pk for entry in page.context["cl"].result_list if entry.pk in (old.pk, new.pk)]
        assert pks == [new.pk, old.pk]


def test_the_entry_list_gives_the_headline_its_column(client, journalist, negotiation):
    speaker = ActorFactory(name="Volodymyr Zelenskyy")
    StatementFactory(negotiation=negotiation, actor=speaker, text="Not ten generations.")
    client.force_login(journalist)
    page = client.get(reverse("admin:negotiations_entry_changelist"))
    assert '<th scope="col" class="sortable column-headline_link' in page.text
    cell = re.search(r'<t[hd] class="field-headline_link">.*?</t[hd]>', page.text).group(0)
    assert "Volodymyr Zelenskyy: “Not ten generations.”" in cell


@pytest.mark.parametrize("kind", ["statement", "event", "proposal", "expectation", "statuschange"])
def test_the_date_is_beside_the_time_at_the_top_of_entry_forms(client, editor, kind):
    client.force_login(editor)
    page = client.get(reverse(f"admin:negotiations_{kind}_add"))
    assert page.status_code == 200
    [(_name, options), *_] = page.context["adminform"].fieldsets
    assert options["fields"][0] == ("date", "time", "timezone")
    first_row = re.search(r'<div class="form-row[^"]*">', page.text.split('id="content-main"')[1])
    assert "field-date field-time field-timezone" in first_row.group(0)


def test_help_texts_are_escaped_where_the_form_is_built(client, editor, monkeypatch):
    """Django renders a help text as HTML (the admin with ``|safe``): a plain-text one with
    "<date>" lost it as a tag. Ours are escaped once, when the form is built."""
    field = EntryForm.base_fields["correction_note"]
    monkeypatch.setattr(field, "help_text", "Readers see “Corrected on <date>: <note>” & more.")
    statement = StatementFactory()
    client.force_login(editor)
    page = client.get(reverse("admin:negotiations_statement_change", args=[statement.pk]))
    assert page.status_code == 200
    assert "Readers see “Corrected on &lt;date&gt;: &lt;note&gt;” &amp; more." in page.text
    assert "<date>" not in page.text and "<note>" not in page.text
    assert "&amp;lt;" not in page.text  # escaped once, not twice


def test_quick_add_help_texts_are_escaped_once(client, journalist, monkeypatch):
    field = QuickAddForm.base_fields["text"]
    monkeypatch.setattr(field, "help_text", "Say <who> & what.")
    client.force_login(journalist)
    page = client.get(reverse("admin:negotiations_entry_quick_add"))
    assert "Say &lt;who&gt; &amp; what." in page.text
    assert "<who>" not in page.text and "&amp;lt;" not in page.text


def test_every_admin_form_of_ours_escapes_its_help_texts():
    """A new admin (or inline) built on Django's plain ModelForm would render help texts
    as HTML again."""
    from django.contrib import admin

    from negotiations.newsroom.forms import PlainHelpTextsMixin

    ours = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "negotiations"
    }
    assert ours
    for model, model_admin in ours.items():
        assert issubclass(model_admin.form, PlainHelpTextsMixin), model
        for inline in model_admin.inlines:
            assert issubclass(inline.form, PlainHelpTextsMixin), (model, inline)
