"""Timeline filters: GET parameters (shareable URLs); each one changes what is shown."""

import re

import pytest

from negotiations.models import Entry, EntryType

pytestmark = pytest.mark.django_db


def shown(client, negotiation, query=""):
    """The ids of the entries the timeline shows, in order, and the page."""
    response = client.get(negotiation.get_absolute_url() + query)
    assert response.status_code == 200
    html = response.content.decode()
    found = re.findall(r'<article class="entry[^"]*" id="entry-(\d+)"', html)
    return [int(pk) for pk in found], html


def ids(queryset):
    return list(queryset.order_by("date_start", "sequence", "pk").values_list("pk", flat=True))


def test_without_filters_every_entry_is_shown(client, demo):
    entries, html = shown(client, demo)
    assert entries == ids(Entry.objects.filter(negotiation=demo))
    assert "17 entries, oldest first." in html


def test_by_actor(client, demo):
    entries, html = shown(client, demo, "?actor=volodymyr-zelenskyy")
    expected = Entry.objects.filter(negotiation=demo).filter(
        pk__in=[e.pk for e in Entry.objects.filter(negotiation=demo) if _involves(e, "volodymyr")]
    )
    assert entries == ids(expected)
    assert "That will be paid off by ten generations" in html
    assert "Trump said he wanted a deal" not in html.split('id="timeline-title"')[1]
    assert f"{len(entries)} entries match." in html


def _involves(entry, slug_start):
    from negotiations.models import Actor

    return any(
        Actor.objects.get(pk=pk).slug.startswith(slug_start) for pk in entry.specific.actor_ids
    )


def test_by_party_includes_those_who_speak_for_it(client, demo):
    _entries, html = shown(client, demo, "?actor=government-of-ukraine")
    timeline = html.split('id="timeline-title"')[1]
    assert "Andriy Yermak" in timeline  # speaks for the government of Ukraine
    assert "That will be paid off by ten generations" in timeline  # Zelenskyy
    assert "Talks deepen over security assurances" in timeline  # an event with Ukraine
    assert "Trump said he wanted a deal" not in timeline


def test_by_kind(client, demo):
    entries, html = shown(client, demo, "?kind=statement")
    assert entries == ids(Entry.objects.filter(negotiation=demo, entry_type=EntryType.STATEMENT))
    assert set(re.findall(r'<article class="entry kind-(\w+)', html)) == {"statement"}


def test_by_date_range_keeps_partial_dates_that_overlap_it(client, demo):
    entries, _html = shown(client, demo, "?from=2025-02-23&to=2025-02-23")
    dates = {e.date.edtf for e in Entry.objects.filter(pk__in=entries)}
    # The day itself, and "February 2025" and "2025", which contain it.
    assert dates == {"2025-02-23", "2025-02", "2025"}
    entries, _ = shown(client, demo, "?to=2024")
    assert {e.date.edtf for e in Entry.objects.filter(pk__in=entries)} == {"2022-02-24", "2024"}
    entries, _ = shown(client, demo, "?from=2025-03")
    assert {e.date.edtf for e in Entry.objects.filter(pk__in=entries)} == {"2025"}


def test_by_text(client, demo):
    entries, html = shown(client, demo, "?q=lithium")
    assert len(entries) == 1
    assert "It can be lithium." in html
    entries, _ = shown(client, demo, "?q=ZELENSKYY")  # a speaker's name, any case
    assert len(entries) >= 3


def test_filters_combine(client, demo):
    entries, _ = shown(client, demo, "?actor=volodymyr-zelenskyy&kind=statement&from=2025-02-23")
    # "February 2025" may be the 23rd or later: it stays.
    assert [Entry.objects.get(pk=pk).specific.text for pk in entries] == [
        "That will be paid off by ten generations of Ukrainians.",
        "The U.S.' request for $500 billion has been taken “off the table”.",
    ]
    entries, _ = shown(client, demo, "?actor=volodymyr-zelenskyy&kind=statement&q=table")
    assert len(entries) == 1


def test_a_wrong_value_is_explained_and_the_other_filters_still_apply(client, demo):
    entries, html = shown(client, demo, "?kind=statement&from=last+week")
    assert "is not a date" in html
    assert entries == ids(Entry.objects.filter(negotiation=demo, entry_type=EntryType.STATEMENT))
    _, html = shown(client, demo, "?from=2025-03&to=2025-02")
    assert "“From” must not be after “To”." in html
    _, html = shown(client, demo, "?actor=nobody")
    assert "Select a valid choice." in html


def test_format_characters_in_a_date_are_explained_as_typed(client, demo):
    """The message quotes what was typed, as it was typed: "%" in it is no format."""
    entries, html = shown(client, demo, "?kind=statement&from=%25&to=%25s")
    assert "&quot;%&quot; is not a date." in html
    assert "&quot;%s&quot; is not a date." in html
    assert entries == ids(Entry.objects.filter(negotiation=demo, entry_type=EntryType.STATEMENT))


def test_the_form_keeps_the_values_and_offers_to_clear_them(client, demo):
    _, html = shown(client, demo, "?kind=event&q=talks")
    assert '<option value="event" selected>Event</option>' in html
    assert 'name="q" value="talks"' in html
    assert ">Clear filters</a>" in html
    assert "No entry matches" not in html
    _, html = shown(client, demo, "?q=nothing-like-this")
    assert "No entry matches these filters." in html


def test_the_actor_choices_are_the_negotiations_actors(client, demo):
    _, html = shown(client, demo)
    select = html.split('name="actor"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([a-z-]+)"', select)
    assert "donald-trump" in options and "government-of-russia" in options
    assert len(options) == 9
