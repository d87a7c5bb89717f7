"""``?order=newest`` / ``?order=oldest``: which page opens and which way it reads; both
read the same entries, page after page, and the cursors and filters keep the order."""

import html as html_lib
import re

import pytest

from negotiations.models import Entry

pytestmark = pytest.mark.django_db

PAGE = 4


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.timeline.TIMELINE_PAGE", PAGE)


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    found = [int(pk) for pk in re.findall(r'<article class="entry[^"]*" id="entry-(\d+)"', html)]
    return found, html


def pager_link(html, rel):
    match = re.search(rf'<a rel="{rel}" href="([^"#]+)', html)
    return html_lib.unescape(match[1]) if match else None


def walk(client, negotiation, query, rel):
    """Every page from the one ``query`` opens, following ``rel`` links; the ids in the
    order shown and the pager links followed."""
    base = negotiation.get_absolute_url()
    seen, links, url = [], [], base + query
    for _ in range(20):
        found, html = read(client, url)
        seen += found
        link = pager_link(html, rel)
        if link is None:
            return seen, links
        links.append(link)
        url = base + link if link.startswith("?") else link
    pytest.fail("more pages than entries")


def timeline_ids(negotiation, **filters):
    return list(
        Entry.objects.filter(negotiation=negotiation, **filters)
        .order_by("date_start", "sequence", "pk")
        .values_list("pk", flat=True)
    )


def test_newest_first_opens_at_the_latest_and_reads_backwards(client, demo):
    found, html = read(client, demo.get_absolute_url() + "?order=newest")
    assert found == timeline_ids(demo)[::-1]
    assert "17 entries, newest first." in html
    assert html.index("Closing in on a deal") < html.index("Ukraine&#x27;s offer")


def test_oldest_first_reads_forwards(client, demo):
    found, html = read(client, demo.get_absolute_url() + "?order=oldest")
    assert found == timeline_ids(demo)
    assert "17 entries, oldest first." in html


def test_both_orders_read_the_same_entries_page_by_page(client, demo, small_pages):
    everything = timeline_ids(demo)
    newest, newest_links = walk(client, demo, "?order=newest", "prev")
    oldest, oldest_links = walk(client, demo, "?order=oldest", "next")
    # The same set, each once, and each way in its own order.
    assert sorted(newest) == sorted(oldest) == sorted(everything)
    assert len(newest) == len(oldest) == len(everything)
    assert newest[:PAGE] == everything[::-1][:PAGE]
    assert oldest[:PAGE] == everything[:PAGE]
    # The cursors keep the order.
    assert newest_links and all("order=newest" in link for link in newest_links)
    assert oldest_links and all("order=oldest" in link for link in oldest_links)


def test_filters_keep_the_order_and_both_orders_match_the_same(client, demo, small_pages):
    query = "?kind=statement&order={}"
    newest, links = walk(client, demo, query.format("newest"), "prev")
    oldest, _ = walk(client, demo, query.format("oldest"), "next")
    statements = timeline_ids(demo, entry_type="statement")
    assert sorted(newest) == sorted(oldest) == sorted(statements)
    assert all("kind=statement" in link and "order=newest" in link for link in links)
    # The filter form keeps the order chosen.
    _found, html = read(client, demo.get_absolute_url() + query.format("newest"))
    assert '<option value="newest" selected>' in html


def test_an_unknown_order_is_a_form_error_not_a_failure(client, demo):
    found, html = read(client, demo.get_absolute_url() + "?order=sideways")
    assert "“sideways” is not an order" in html
    assert found == timeline_ids(demo)  # the default page, as without it
